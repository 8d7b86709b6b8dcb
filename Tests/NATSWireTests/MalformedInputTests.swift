import NIOCore
import Testing
@testable import NATSWire

/// One stream the parser must reject.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    var name: String
    var wire: [UInt8]
    var parser: ServerOpParser

    init(_ name: String, _ wire: String, parser: ServerOpParser = ServerOpParser()) {
        self.name = name
        self.wire = Array(wire.utf8)
        self.parser = parser
    }

    init(_ name: String, bytes: [UInt8], parser: ServerOpParser = ServerOpParser()) {
        self.name = name
        self.wire = bytes
        self.parser = parser
    }

    var testDescription: String { name }

    static var all: [MalformedCase] {
        let longLine = String(repeating: "A", count: 5000)
        return [
            // Unknown operations.
            MalformedCase("unknown op", "FOO bar\r\n"),
            MalformedCase("unknown op without args", "HELLO\r\n"),
            MalformedCase("empty control line", "\r\n"),
            MalformedCase("leading space before op", " PING\r\n"),
            MalformedCase("client op from server", "PUB foo 1\r\nx\r\n"),
            MalformedCase("op glued to args", "MSGfoo 1 1\r\nx\r\n"),
            MalformedCase("binary garbage", bytes: [0xFF, 0xFE, 0x00, 0x0D, 0x0A]),
            MalformedCase("unknown op after valid ones", "PING\r\nPONG\r\nNOPE\r\n"),
            // Wrong argument counts.
            MalformedCase("MSG without args", "MSG\r\n"),
            MalformedCase("MSG with 1 arg", "MSG foo\r\n"),
            MalformedCase("MSG with 2 args", "MSG foo 1\r\n"),
            MalformedCase("MSG with 5 args", "MSG foo 1 r x 3\r\nabc\r\n"),
            MalformedCase("HMSG with 3 args", "HMSG foo 1 12\r\n"),
            MalformedCase("HMSG with 6 args", "HMSG foo 1 r x 12 12\r\nNATS/1.0\r\n\r\n\r\n"),
            // Non-numeric or out-of-range numbers.
            MalformedCase("non-numeric sid", "MSG foo x 5\r\nhello\r\n"),
            MalformedCase("non-numeric size", "MSG foo 1 five\r\nfive\r\n"),
            MalformedCase("negative size", "MSG foo 1 -5\r\n"),
            MalformedCase("size with suffix", "MSG foo 1 5x\r\nhello\r\n"),
            MalformedCase("size with plus sign", "MSG foo 1 +5\r\nhello\r\n"),
            MalformedCase("hex size", "MSG foo 1 0x5\r\nhello\r\n"),
            MalformedCase("non-numeric hdr_len", "HMSG foo 1 a 20\r\n"),
            MalformedCase("non-numeric total_len", "HMSG foo 1 12 b\r\n"),
            MalformedCase("sid with 20 digits", "MSG foo 12345678901234567890 1\r\nx\r\n"),
            MalformedCase("size with 20 digits", "MSG foo 1 12345678901234567890\r\n"),
            MalformedCase("size with 19 digits above Int.max", "MSG foo 1 9999999999999999999\r\n"),
            MalformedCase("HMSG sizes with 19 digits above Int.max",
                          "HMSG foo 1 9999999999999999999 9999999999999999999\r\n"),
            MalformedCase("HMSG total with 19 digits above Int.max", "HMSG foo 1 12 9999999999999999999\r\n"),
            // Payload framing.
            MalformedCase("payload not followed by CRLF", "MSG foo 1 5\r\nhelloXX"),
            MalformedCase("payload followed by LF CR", "MSG foo 1 5\r\nhello\n\r"),
            MalformedCase("payload longer than declared", "MSG foo 1 3\r\nhello\r\n"),
            MalformedCase("payload shorter than declared", "MSG foo 1 7\r\nhello\r\nPING\r\n"),
            MalformedCase("empty payload not followed by CRLF", "MSG foo 1 0\r\nAB"),
            MalformedCase("HMSG payload not followed by CRLF", "HMSG foo 1 12 14\r\nNATS/1.0\r\n\r\nhiXX"),
            // Header blocks.
            MalformedCase("header block not starting with NATS/1.0", "HMSG foo 1 12 12\r\nHTTP/1.1\r\n\r\n\r\n"),
            MalformedCase("header block starting with lowercase nats", "HMSG foo 1 12 12\r\nnats/1.0\r\n\r\n\r\n"),
            MalformedCase("header block of garbage", "HMSG foo 1 12 12\r\nxxxxxxxxxxxx\r\n"),
            MalformedCase("header line without colon", "HMSG foo 1 21 21\r\nNATS/1.0\r\nNoColon\r\n\r\n\r\n"),
            MalformedCase("two-digit status", "HMSG foo 1 15 15\r\nNATS/1.0 50\r\n\r\n\r\n"),
            MalformedCase("non-numeric status", "HMSG foo 1 16 16\r\nNATS/1.0 abc\r\n\r\n\r\n"),
            MalformedCase("four-digit status", "HMSG foo 1 17 17\r\nNATS/1.0 5030\r\n\r\n\r\n"),
            MalformedCase("hdr_len > total_len", "HMSG foo 1 20 12\r\n"),
            MalformedCase("hdr_len > total_len with reply", "HMSG foo 1 r 13 12\r\nNATS/1.0\r\n\r\n\r\n"),
            MalformedCase("hdr_len too small for NATS/1.0", "HMSG foo 1 11 11\r\nNATS/1.0\r\n\r\r\n"),
            MalformedCase("hdr_len zero", "HMSG foo 1 0 0\r\n\r\n"),
            // Control line limits.
            MalformedCase("control line over the limit without CRLF", longLine),
            MalformedCase("control line over the limit with CRLF", "MSG \(longLine) 1 0\r\n\r\n"),
            MalformedCase("INFO over the INFO limit",
                          "INFO {\"server_name\":\"\(String(repeating: "A", count: 80))\"}\r\n",
                          parser: ServerOpParser(maxControlLine: 24, maxInfoLine: 64)),
            MalformedCase("INFO over the INFO limit without CRLF",
                          "INFO {\"server_name\":\"\(String(repeating: "A", count: 80))",
                          parser: ServerOpParser(maxControlLine: 24, maxInfoLine: 64)),
            MalformedCase("MSG over the control line limit, under the INFO limit", "MSG \(longLine) 1 0\r\n\r\n",
                          parser: ServerOpParser(maxInfoLine: 1 << 20)),
            MalformedCase("INFO glued to its JSON over the control line limit",
                          "INFO{\"server_name\":\"\(longLine)\"}\r\n"),
            MalformedCase("control line over a small limit", "MSG abcdefghi 1 0\r\n\r\n",
                          parser: ServerOpParser(maxControlLine: 16)),
            MalformedCase("control line over a small limit without CRLF", "MSG abcdefghijkl",
                          parser: ServerOpParser(maxControlLine: 8)),
            // INFO.
            MalformedCase("INFO without JSON", "INFO\r\n"),
            MalformedCase("INFO with broken JSON", "INFO {not json}\r\n"),
            MalformedCase("INFO with truncated JSON", "INFO {\"port\":4222\r\n"),
            MalformedCase("INFO with JSON array", "INFO [1,2]\r\n"),
            MalformedCase("INFO with wrong field type", "INFO {\"port\":\"4222\"}\r\n"),
            MalformedCase("INFO with negative client_id", "INFO {\"client_id\":-1}\r\n"),
            MalformedCase("INFO with non-array connect_urls", "INFO {\"connect_urls\":\"a\"}\r\n"),
            MalformedCase("INFO with invalid UTF-8", bytes: Array("INFO {\"server_name\":\"".utf8)
                + [0xC3, 0x28] + Array("\"}\r\n".utf8)),
            // Declared sizes over maxMessageSize.
            MalformedCase("MSG over maxMessageSize", "MSG foo 1 1025\r\n",
                          parser: ServerOpParser(maxMessageSize: 1024)),
            MalformedCase("HMSG over maxMessageSize", "HMSG foo 1 12 1025\r\n",
                          parser: ServerOpParser(maxMessageSize: 1024)),
            MalformedCase("huge MSG over the default limit", "MSG foo 1 999999999999\r\n"),
            MalformedCase("huge HMSG over the default limit", "HMSG foo 1 r 12 999999999999\r\n"),
            MalformedCase("one byte over the default limit", "MSG foo 1 \((64 << 20) + 1)\r\n"),
        ]
    }
}

@Suite("ServerOpParser: malformed input")
struct MalformedInputTests {
    @Test("is rejected with a WireError", arguments: MalformedCase.all)
    func rejected(_ c: MalformedCase) {
        #expect(throws: WireError.self) { _ = try parseAll(c.wire, parser: c.parser) }
    }

    @Test("is rejected whatever the read boundaries", arguments: MalformedCase.all)
    func rejectedWhenSplit(_ c: MalformedCase) {
        let whole = parseWhole(c.wire, parser: c.parser)
        #expect(whole.failed)
        #expect(parseBytewise(c.wire, parser: c.parser) == whole)
        for cut in stride(from: 0, through: c.wire.count, by: max(1, c.wire.count / 64)) {
            #expect(parseChunked(c.wire, cuts: [cut], parser: c.parser) == whole, "cut at \(cut)")
        }
    }

    @Test func errorsCarryADescription() {
        do {
            _ = try parseAll("FOO\r\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("FOO"))
        }
    }

    @Test func oversizedMessageRejectedBeforePayloadArrives() {
        // The declared size alone condemns the stream; don't wait for 1 GiB to arrive.
        var buffer = ByteBuffer(string: "MSG foo 1 1073741824\r\n")
        #expect(throws: WireError.self) { _ = try ServerOpParser().next(&buffer) }
    }

    @Test func argumentErrorsRejectedBeforePayloadArrives() {
        for line in ["MSG foo 1\r\n", "HMSG foo 1 30 20\r\n", "MSG foo x 3\r\n"] {
            var buffer = ByteBuffer(string: line)
            #expect(throws: WireError.self, "\(line.debugDescription)") {
                _ = try ServerOpParser().next(&buffer)
            }
        }
    }

    @Test func longControlLineWithoutCRLFRejectedOnceOverTheLimit() throws {
        let parser = ServerOpParser(maxControlLine: 32)
        var buffer = ByteBuffer(string: String(repeating: "x", count: 32))
        #expect(try parser.next(&buffer) == nil)
        buffer.writeString("xx")
        #expect(throws: WireError.self) { _ = try parser.next(&buffer) }
    }

    @Test func opsBeforeTheErrorAreDelivered() {
        let outcome = parseWhole(Array("PING\r\nMSG a 1 1\r\nx\r\nBOGUS\r\nPONG\r\n".utf8))
        #expect(outcome.failed)
        #expect(outcome.ops.count == 2)
        #expect(outcome.ops.first == .ping)
    }
}
