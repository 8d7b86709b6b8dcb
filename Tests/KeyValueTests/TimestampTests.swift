#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KeyValue
import Testing

@Suite("Timestamp: the one RFC 3339 formatter")
struct TimestampTests {
    @Test("Go's RFC3339Nano style: no trailing zeros, no fraction for a whole second", arguments: [
        (0.0, "1970-01-01T00:00:00Z"),
        (1_634_069_280.25, "2021-10-12T20:08:00.25Z"),
        (1_795_584_398.123456, "2026-11-25T05:26:38.123456Z"),
        (951_782_400.0, "2000-02-29T00:00:00Z"),
        (-1.0, "1969-12-31T23:59:59Z"),
        (-0.5, "1969-12-31T23:59:59.5Z"),
    ])
    func style(seconds: Double, text: String) {
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test("to the nearest microsecond, carrying into the next second")
    func rounding() {
        let almost = Date(timeIntervalSince1970: 1_795_584_398.9999999)
        #expect(Timestamp.rfc3339(almost) == "2026-11-25T05:26:39Z")
        let halfUp = Date(timeIntervalSince1970: 1_795_584_398.1234567)
        #expect(Timestamp.rfc3339(halfUp) == "2026-11-25T05:26:38.123457Z")
    }

    @Test("a time no calendar date holds")
    func invalid() {
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: .infinity)) == "invalid time")
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: .nan)) == "invalid time")
    }
}
