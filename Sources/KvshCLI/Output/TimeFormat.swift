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
import KeyValue

// Local time is formatted through the C library rather than Foundation's calendars: it is
// what natscli's output needs, it honours `TZ`, and it keeps full Foundation out of start-up.
// UTC times (RFC 3339) are `Timestamp`'s, in KeyValue.

/// Formats a point in time as `2006-01-02 15:04:05` in the local time zone, the way natscli
/// prints times. Fractions of a second are dropped. `TZ` is re-read on every call, so a
/// change made with `setenv` + `tzset` (or by the user before start) applies at once.
func formatLocalTime(_ date: Date) -> String {
    guard let seconds = wholeUnixSeconds(date) else { return "invalid time" }
    var t = time_t(seconds)
    var parts = tm()
    tzset()
    guard localtime_r(&t, &parts) != nil else { return "invalid time" }
    return civilText(parts)
}

/// The whole seconds since 1970 (rounded down), or nil for times `time_t` cannot hold.
private func wholeUnixSeconds(_ date: Date) -> Int64? {
    let seconds = date.timeIntervalSince1970
    guard seconds.isFinite, abs(seconds) < 1e15 else { return nil }
    return Int64(seconds.rounded(.down))
}

/// `YYYY-MM-DD hh:mm:ss` from broken-down time.
private func civilText(_ parts: tm) -> String {
    let year = Int(parts.tm_year) + 1900
    return "\(padded(year, 4))-\(padded(Int(parts.tm_mon) + 1, 2))-\(padded(Int(parts.tm_mday), 2))"
        + " \(padded(Int(parts.tm_hour), 2)):\(padded(Int(parts.tm_min), 2))"
        + ":\(padded(Int(parts.tm_sec), 2))"
}

private func padded(_ n: Int, _ width: Int) -> String {
    let digits = String(n.magnitude)
    let zeros = String(repeating: "0", count: max(0, width - digits.utf8.count))
    return (n < 0 ? "-" : "") + zeros + digits
}
