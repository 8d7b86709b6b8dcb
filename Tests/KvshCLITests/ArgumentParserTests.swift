import Testing
@testable import KvshCLI

@Suite("parseDuration")
struct ParseDurationTests {
    private static let second: Int64 = 1_000_000_000
    private static let hour: Int64 = 3_600 * second

    static let good: [(String, Int64)] = [
        ("0", 0),
        ("0s", 0),
        ("10", 10 * second),
        ("10s", 10 * second),
        ("30m", 30 * 60 * second),
        ("1h", hour),
        ("1h30m", 90 * 60 * second),
        ("1h30m15s", 5_415 * second),
        ("500ms", 500_000_000),
        ("250us", 250_000),
        ("250µs", 250_000),
        ("7ns", 7),
        ("1.5h", 90 * 60 * second),
        ("1.5s", 1_500_000_000),
        (".5s", 500_000_000),
        ("2.s", 2 * second),
        ("2d", 48 * hour),
        ("1d12h", 36 * hour),
        ("1y", 365 * 24 * hour),
        ("1H", hour),
        ("10S", 10 * second),
        (" 5m ", 5 * 60 * second),
        ("1s\n", second),
        ("0.000000001s", 1),
        ("292y", 292 * 365 * 24 * hour),
    ]

    @Test(arguments: good)
    func parses(_ text: String, _ nanos: Int64) throws {
        #expect(try parseDuration(text) == nanos)
    }

    static let bad: [(String, String)] = [
        ("", #"invalid duration "": use a number with a unit such as 30s, 5m, 1h, 2d"#),
        ("   ", #"invalid duration "   ": use a number with a unit such as 30s, 5m, 1h, 2d"#),
        ("abc", #"invalid duration "abc": use a number with a unit such as 30s, 5m, 1h, 2d"#),
        ("1.5", #"invalid duration "1.5": use a number with a unit such as 30s, 5m, 1h, 2d"#),
        ("h", #"invalid duration "h": use a number with a unit such as 30s, 5m, 1h, 2d"#),
        ("1h30", #"invalid duration "1h30": use a number with a unit such as 30s, 5m, 1h, 2d"#),
        ("+5s", #"invalid duration "+5s": use a number with a unit such as 30s, 5m, 1h, 2d"#),
        (".s", #"invalid duration ".s": use a number with a unit such as 30s, 5m, 1h, 2d"#),
        ("1..5s", #"invalid duration "1..5s": use a number with a unit such as 30s, 5m, 1h, 2d"#),
        ("-5s", #"invalid duration "-5s": a duration must not be negative"#),
        ("-1", #"invalid duration "-1": a duration must not be negative"#),
        ("5x", #"invalid duration "5x": unknown unit "x"; use ns, us, ms, s, m, h, d or y"#),
        ("5 s", #"invalid duration "5 s": unknown unit " s"; use ns, us, ms, s, m, h, d or y"#),
        ("unlimited", #"invalid duration "unlimited": use a number with a unit such as 30s, 5m, 1h, 2d"#),
        ("293y", #"invalid duration "293y": too large (at most about 292y)"#),
        ("99999999999999999999s", #"invalid duration "99999999999999999999s": too large (at most about 292y)"#),
        ("9999999999999999999", #"invalid duration "9999999999999999999": too large (at most about 292y)"#),
        ("200y200y", #"invalid duration "200y200y": too large (at most about 292y)"#),
        ("1s\nx", #"invalid duration "1s\nx": unknown unit "s\nx"; use ns, us, ms, s, m, h, d or y"#),
    ]

    @Test(arguments: bad)
    func rejects(_ text: String, _ message: String) {
        #expect(throws: ArgumentError(message)) { try parseDuration(text) }
    }

    @Test func errorDescriptionIsTheMessage() {
        do {
            _ = try parseDuration("abc")
            Issue.record("accepted abc")
        } catch {
            #expect("\(error)" == #"invalid duration "abc": use a number with a unit such as 30s, 5m, 1h, 2d"#)
        }
    }

    @Test func roundTripsWithFormatter() throws {
        for text in ["1h0m0s", "2m3s", "1d2h0m0s", "1y3d0h0m0s"] {
            #expect(formatDuration(nanos: try parseDuration(text)) == text)
        }
    }
}

@Suite("parseByteSize")
struct ParseByteSizeTests {
    static let good: [(String, Int64)] = [
        ("0", 0),
        ("1024", 1_024),
        ("100B", 100),
        ("100b", 100),
        ("1K", 1_024),
        ("1k", 1_024),
        ("1KB", 1_024),
        ("1kb", 1_024),
        ("1KiB", 1_024),
        ("512K", 524_288),
        ("1.5M", 1_572_864),
        ("10MB", 10_485_760),
        ("2MiB", 2_097_152),
        ("1G", 1_073_741_824),
        ("1.5GiB", 1_610_612_736),
        ("1gb", 1_073_741_824),
        ("2T", 2_199_023_255_552),
        ("1TiB", 1_099_511_627_776),
        ("1.1K", 1_126),
        ("10 MB", 10_485_760),
        (" 64K ", 65_536),
        ("8388607T", 8_388_607 * 1_099_511_627_776),
    ]

    @Test(arguments: good)
    func parses(_ text: String, _ bytes: Int64) throws {
        #expect(try parseByteSize(text) == bytes)
    }

    private static let usage = "use a number of bytes, optionally with a unit such as 512K, 10MB, 1.5GiB"

    static let bad: [(String, String)] = [
        ("", #"invalid size "": "# + usage),
        ("abc", #"invalid size "abc": "# + usage),
        ("unlimited", #"invalid size "unlimited": "# + usage),
        ("K", #"invalid size "K": "# + usage),
        ("-1", #"invalid size "-1": a size must not be negative"#),
        ("-5M", #"invalid size "-5M": a size must not be negative"#),
        ("1.5", #"invalid size "1.5": a fraction of a byte needs a unit, such as 1.5K"#),
        ("5X", #"invalid size "5X": unknown unit "X"; use B, K, M, G or T (KB/KiB … are the same)"#),
        ("5P", #"invalid size "5P": unknown unit "P"; use B, K, M, G or T (KB/KiB … are the same)"#),
        ("1KiBs", #"invalid size "1KiBs": unknown unit "KiBs"; use B, K, M, G or T (KB/KiB … are the same)"#),
        ("1M2K", #"invalid size "1M2K": unknown unit "M2K"; use B, K, M, G or T (KB/KiB … are the same)"#),
        ("8388608T", #"invalid size "8388608T": too large"#),
        ("99999999999999999999", #"invalid size "99999999999999999999": too large"#),
    ]

    @Test(arguments: bad)
    func rejects(_ text: String, _ message: String) {
        #expect(throws: ArgumentError(message)) { try parseByteSize(text) }
    }

    @Test func quotedInputCannotBreakTheMessage() {
        #expect(throws: ArgumentError(#"invalid size "a\"b\\\n": "# + Self.usage)) { try parseByteSize("a\"b\\\n") }
    }
}
