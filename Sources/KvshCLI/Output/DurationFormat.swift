#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Formats a duration the way natscli's humanizer does, so numbers read the same in both tools.
///
/// - Under a minute: seconds with two decimals, `44.00s`, `0.25s`.
/// - From a minute on: whole units, largest first, always down to seconds:
///   `2m3s`, `1h0m0s`, `1d2h0m0s`, `1y3d0h0m0s` (a year is 365 days, a day 24 hours).
///
/// Callers decide what zero or a negative limit means ("unlimited", "never");
/// this function formats a negative value as its magnitude with a leading `-`.
/// - Parameter nanos: the duration in nanoseconds.
func formatDuration(nanos: Int64) -> String {
    if nanos < 0 { return "-" + formatDuration(magnitude: nanos.magnitude) }
    return formatDuration(magnitude: UInt64(nanos))
}

/// Formats the time elapsed from `date` to `now` with ``formatDuration(nanos:)``, for
/// "Last Update" and "seen … ago" columns. A `date` after `now` (clock skew) reads `0.00s`.
func formatSince(_ date: Date, now: Date) -> String {
    let seconds = now.timeIntervalSince(date)
    guard seconds.isFinite, seconds > 0 else { return formatDuration(nanos: 0) }
    // Whole microseconds first: a Date difference such as 122.99999999 s must still read 2m3s.
    let micros = (seconds * 1_000_000).rounded()
    guard micros < Double(Int64.max / 1_000) else { return formatDuration(nanos: .max) }
    return formatDuration(nanos: Int64(micros) * 1_000)
}

private func formatDuration(magnitude nanos: UInt64) -> String {
    let totalSeconds = nanos / 1_000_000_000
    if totalSeconds < 60 {
        let centis = (nanos + 5_000_000) / 10_000_000  // round half up to 1/100 s
        let hundredths = centis % 100
        return "\(centis / 100).\(hundredths < 10 ? "0" : "")\(hundredths)s"
    }
    let seconds = totalSeconds % 60
    let totalMinutes = totalSeconds / 60
    let minutes = totalMinutes % 60
    let totalHours = totalMinutes / 60
    let hours = totalHours % 24
    let totalDays = totalHours / 24
    let days = totalDays % 365
    let years = totalDays / 365
    if years > 0 { return "\(years)y\(days)d\(hours)h\(minutes)m\(seconds)s" }
    if totalDays > 0 { return "\(totalDays)d\(hours)h\(minutes)m\(seconds)s" }
    if totalHours > 0 { return "\(totalHours)h\(minutes)m\(seconds)s" }
    return "\(totalMinutes)m\(seconds)s"
}
