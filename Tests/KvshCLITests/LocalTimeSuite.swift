#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KeyValue
import Testing
@testable import KvshCLI

/// Every test whose output holds a local time lives in this suite (extended in other files),
/// serialized because they set the process-wide `TZ`.
@Suite(.serialized)
struct LocalTimeOutput {
    /// 2026-11-25 05:26:38 UTC.
    static let created = Date(timeIntervalSince1970: 1_795_584_398)
    /// 2021-10-12 13:15:03 UTC, the time in the walkthrough's watch lines.
    static let walkthrough = Date(timeIntervalSince1970: 1_634_044_503)

    /// Makes local time UTC for the test that calls it.
    static func useTimeZone(_ tz: String = "UTC") {
        setenv("TZ", tz, 1)
        tzset()
    }

    @Test func localTimeInUTC() {
        Self.useTimeZone()
        #expect(formatLocalTime(Self.created) == "2026-11-25 05:26:38")
        #expect(formatLocalTime(Self.walkthrough) == "2021-10-12 13:15:03")
        #expect(formatLocalTime(Date(timeIntervalSince1970: 0)) == "1970-01-01 00:00:00")
    }

    @Test func localTimeDropsFractions() {
        Self.useTimeZone()
        #expect(formatLocalTime(Date(timeIntervalSince1970: 1_795_584_398.999)) == "2026-11-25 05:26:38")
        #expect(formatLocalTime(Date(timeIntervalSince1970: -0.5)) == "1969-12-31 23:59:59")
    }

    @Test func localTimeFollowsTZ() {
        // POSIX TZ strings need no zone database: JST-9 is nine hours east of UTC.
        Self.useTimeZone("JST-9")
        #expect(formatLocalTime(Self.created) == "2026-11-25 14:26:38")
        Self.useTimeZone("EST+5")
        #expect(formatLocalTime(Self.created) == "2026-11-25 00:26:38")
        Self.useTimeZone()
        #expect(formatLocalTime(Self.created) == "2026-11-25 05:26:38")
    }
}
