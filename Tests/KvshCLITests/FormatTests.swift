import Foundation
import Testing
@testable import KvshCLI

@Suite("formatDuration")
struct FormatDurationTests {
    private static let second: Int64 = 1_000_000_000

    static let cases: [(Int64, String)] = [
        (0, "0.00s"),
        (250_000_000, "0.25s"),
        (1_234_567, "0.00s"),
        (5_000_000, "0.01s"),
        (44 * second, "44.00s"),
        (44 * second + 123_456_789, "44.12s"),
        (59 * second + 990_000_000, "59.99s"),
        (60 * second, "1m0s"),
        (123 * second, "2m3s"),
        (123 * second + 999_999_999, "2m3s"),
        (3_600 * second, "1h0m0s"),
        (3_661 * second, "1h1m1s"),
        (86_399 * second, "23h59m59s"),
        (86_400 * second, "1d0h0m0s"),
        (93_600 * second, "1d2h0m0s"),
        (364 * 86_400 * second, "364d0h0m0s"),
        (365 * 86_400 * second, "1y0d0h0m0s"),
        ((2 * 365 + 3) * 86_400 * second + 3_723 * second, "2y3d1h2m3s"),
        (-2 * second, "-2.00s"),
        (Int64.max, "292y171d23h47m16s"),
        (Int64.min, "-292y171d23h47m16s"),
    ]

    @Test(arguments: cases)
    func formats(_ nanos: Int64, _ expected: String) {
        #expect(formatDuration(nanos: nanos) == expected)
    }

    @Test func since() {
        let now = Date(timeIntervalSince1970: 1_795_584_398.5)
        #expect(formatSince(now.addingTimeInterval(-3.25), now: now) == "3.25s")
        #expect(formatSince(now.addingTimeInterval(-123), now: now) == "2m3s")
        #expect(formatSince(now.addingTimeInterval(-3_600), now: now) == "1h0m0s")
        #expect(formatSince(now, now: now) == "0.00s")
        #expect(formatSince(now.addingTimeInterval(10), now: now) == "0.00s")  // clock skew
        #expect(formatSince(Date.distantPast, now: now).hasSuffix("s"))
    }
}

@Suite("formatBytes")
struct FormatBytesTests {
    static let cases: [(UInt64, String)] = [
        (0, "0 B"),
        (1, "1 B"),
        (476, "476 B"),
        (1_023, "1023 B"),
        (1_024, "1.0 KiB"),
        (1_536, "1.5 KiB"),
        (1_587, "1.5 KiB"),
        (1_588, "1.6 KiB"),
        (10_240, "10 KiB"),
        (10_752, "10 KiB"),  // 10.5 rounds to even, as Go's %.0f does
        (11_776, "12 KiB"),  // 11.5 rounds to even
        (1_048_575, "1024 KiB"),
        (2 * 1_048_576, "2.0 MiB"),
        (5 * 1_073_741_824 / 2, "2.5 GiB"),
        (1 << 40, "1.0 TiB"),
        (1 << 50, "1.0 PiB"),
        (1 << 60, "1.0 EiB"),
        (UInt64.max, "16 EiB"),
    ]

    @Test(arguments: cases)
    func formats(_ n: UInt64, _ expected: String) {
        #expect(formatBytes(n) == expected)
    }
}

@Suite("formatInt")
struct FormatIntTests {
    @Test func commas() {
        #expect(formatInt(0) == "0")
        #expect(formatInt(7) == "7")
        #expect(formatInt(999) == "999")
        #expect(formatInt(1_000) == "1,000")
        #expect(formatInt(12_345) == "12,345")
        #expect(formatInt(123_456) == "123,456")
        #expect(formatInt(1_234_567) == "1,234,567")
        #expect(formatInt(-1_000) == "-1,000")
        #expect(formatInt(-999) == "-999")
        #expect(formatInt(UInt64.max) == "18,446,744,073,709,551,615")
        #expect(formatInt(Int64.min) == "-9,223,372,036,854,775,808")
        #expect(formatInt(UInt8(255)) == "255")
    }
}
