#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Time is formatted through the C library rather than Foundation's calendars: it is what
// natscli's output needs, it honours `TZ`, and it keeps full Foundation out of start-up.

/// Formats a point in time as `2006-01-02 15:04:05` in the local time zone, the way natscli
/// prints times. Fractions of a second are dropped. `TZ` is re-read on every call, so a
/// change made with `setenv` + `tzset` (or by the user before start) applies at once.
func formatLocalTime(_ date: Date) -> String {
    guard let seconds = wholeUnixSeconds(date) else { return "invalid time" }
    var t = time_t(seconds)
    var parts = tm()
    tzset()
    guard localtime_r(&t, &parts) != nil else { return "invalid time" }
    return civilText(parts, dateTimeSeparator: " ")
}

/// Formats a point in time as RFC 3339 in UTC with a nine-digit fraction,
/// `2026-11-25T05:26:38.123456000Z`, for JSON output.
///
/// A `Date` is a `Double` of seconds, which cannot hold nanoseconds of present-day times
/// exactly, so the value is rounded to the nearest microsecond and the last three digits
/// are always `000`. The width stays fixed, so the strings sort as the times do.
func formatRFC3339UTC(_ date: Date) -> String {
    let sinceReference = date.timeIntervalSinceReferenceDate
    guard sinceReference.isFinite, abs(sinceReference) < 1e15 else { return "invalid time" }
    // Split against the reference date Date stores, where the subtraction is exact.
    let whole = sinceReference.rounded(.down)
    var micros = Int64(((sinceReference - whole) * 1_000_000).rounded())
    var seconds = Int64(whole) + Int64(Date.timeIntervalBetween1970AndReferenceDate)
    if micros == 1_000_000 {
        micros = 0
        seconds += 1
    }
    var t = time_t(seconds)
    var parts = tm()
    guard gmtime_r(&t, &parts) != nil else { return "invalid time" }
    let fraction = String(micros * 1_000)
    return civilText(parts, dateTimeSeparator: "T")
        + "." + String(repeating: "0", count: 9 - fraction.utf8.count) + fraction + "Z"
}

/// The whole seconds since 1970 (rounded down), or nil for times `time_t` cannot hold.
private func wholeUnixSeconds(_ date: Date) -> Int64? {
    let seconds = date.timeIntervalSince1970
    guard seconds.isFinite, abs(seconds) < 1e15 else { return nil }
    return Int64(seconds.rounded(.down))
}

/// `YYYY-MM-DD<sep>hh:mm:ss` from broken-down time.
private func civilText(_ parts: tm, dateTimeSeparator: String) -> String {
    let year = Int(parts.tm_year) + 1900
    return "\(padded(year, 4))-\(padded(Int(parts.tm_mon) + 1, 2))-\(padded(Int(parts.tm_mday), 2))"
        + "\(dateTimeSeparator)\(padded(Int(parts.tm_hour), 2)):\(padded(Int(parts.tm_min), 2))"
        + ":\(padded(Int(parts.tm_sec), 2))"
}

private func padded(_ n: Int, _ width: Int) -> String {
    let digits = String(n.magnitude)
    let zeros = String(repeating: "0", count: max(0, width - digits.utf8.count))
    return (n < 0 ? "-" : "") + zeros + digits
}
