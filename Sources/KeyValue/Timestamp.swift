#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// RFC 3339 text in UTC for an entry's or a bucket's time: the one formatter of `$e.created`,
/// `KVSH_CREATED` and the `--json` output, in Go's `RFC3339Nano` style as nats-server and the
/// nats tooling write times (the fraction without trailing zeros, none for a whole second:
/// `2021-10-12T20:08:00Z`, `2021-10-12T20:08:00.25Z`). Computed by hand, so no
/// date-formatting machinery (calendars, locales) is loaded.
///
/// A `Date` is a `Double` of seconds, which cannot hold present-day nanoseconds exactly, so
/// the time is taken to the nearest microsecond (split against the reference date `Date`
/// stores, where the subtraction is exact).
public enum Timestamp {
    /// `date` as RFC 3339 in UTC; `invalid time` for a time no calendar date holds.
    public static func rfc3339(_ date: Date) -> String {
        let sinceReference = date.timeIntervalSinceReferenceDate
        guard sinceReference.isFinite, abs(sinceReference) < 1e15 else { return "invalid time" }
        let whole = sinceReference.rounded(.down)
        var micros = Int64(((sinceReference - whole) * 1_000_000).rounded())
        var seconds = Int64(whole) + Int64(Date.timeIntervalBetween1970AndReferenceDate)
        if micros == 1_000_000 {
            micros = 0
            seconds += 1
        }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if micros > 0 {
            var digits = pad(micros, 6)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "Z"
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ n: Int64, _ width: Int) -> String {
        let digits = String(n.magnitude)
        let zeros = String(repeating: "0", count: max(0, width - digits.utf8.count))
        return (n < 0 ? "-" : "") + zeros + digits
    }
}
