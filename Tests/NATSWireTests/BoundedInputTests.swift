import NIOCore
import Testing
@testable import NATSWire

/// Inputs a broken or hostile server can send that must stay within memory bounds: big
/// INFO lines are accepted up to their own limit, header blocks of many lines are refused.
@Suite("ServerOpParser: bounded input")
struct BoundedInputTests {
    /// An INFO announcing `count` cluster URLs (a large cluster sends one over 4 KiB).
    static func bigInfo(urls count: Int) -> [UInt8] {
        let urls = (0..<count).map { "\"10.0.\($0 / 256).\($0 % 256):4222\"" }.joined(separator: ",")
        return Array("INFO {\"server_id\":\"big\",\"connect_urls\":[\(urls)]}\r\nPING\r\n".utf8)
    }

    @Test("an INFO line past 4 KiB parses, whatever the read boundaries")
    func bigInfoLine() throws {
        let wire = Self.bigInfo(urls: 300)
        #expect(wire.count > 4_096)
        let ops = try parseAll(wire)
        guard ops.count == 2, case .info(let info) = ops[0] else {
            Issue.record("expected INFO and PING, got \(ops)")
            return
        }
        #expect(info.connectURLs.count == 300)
        #expect(ops[1] == .ping)
        let whole = parseWhole(wire)
        #expect(parseBytewise(wire) == whole)
        for cut in 0...wire.count {
            guard parseChunked(wire, cuts: [cut]) == whole else {
                Issue.record("split at \(cut) differs")
                return
            }
        }
    }

    @Test("an INFO line past the INFO limit is refused, with or without its CRLF")
    func infoOverItsLimit() {
        let parser = ServerOpParser(maxInfoLine: 8 << 10)
        let wire = Self.bigInfo(urls: 600)
        #expect(wire.count > 8 << 10)
        #expect(throws: WireError.self) { _ = try parseAll(wire, parser: parser) }
        #expect(throws: WireError.self) { _ = try parseAll(Array(wire.prefix((8 << 10) + 100)), parser: parser) }
        #expect(parseBytewise(wire, parser: parser) == parseWhole(wire, parser: parser))
    }

    @Test("a header block of more than maxFields lines is refused, not expanded")
    func tooManyHeaderFields() throws {
        let fields = String(repeating: "a:\r\n", count: NATSHeaders.maxFields + 1)
        let block = ByteBuffer(string: "NATS/1.0\r\n" + fields + "\r\n")
        #expect(throws: WireError("header block with more than \(NATSHeaders.maxFields) fields")) {
            _ = try NATSHeaders.parse(block)
        }
        let exactly = String(repeating: "a:\r\n", count: NATSHeaders.maxFields)
        let parsed = try NATSHeaders.parse(ByteBuffer(string: "NATS/1.0\r\n" + exactly + "\r\n"))
        #expect(parsed.fields.count == NATSHeaders.maxFields)
    }

    @Test("an HMSG whose header block is a flood of short lines fails as a protocol error, split anywhere")
    func floodedHMSG() {
        let block = "NATS/1.0\r\n" + String(repeating: "x:\r\n", count: NATSHeaders.maxFields + 10) + "\r\n"
        let wire = Array("HMSG s 1 \(block.utf8.count) \(block.utf8.count)\r\n\(block)\r\n".utf8)
        let whole = parseWhole(wire)
        #expect(whole.failed)
        for cut in stride(from: 0, through: wire.count, by: 97) {
            #expect(parseChunked(wire, cuts: [cut]) == whole, "cut at \(cut)")
        }
    }

    @Test("blank lines inside a header block cost no fields")
    func blankLines() throws {
        let block = "NATS/1.0 100 Idle Heartbeat\r\n" + String(repeating: "\r\n", count: 50_000) + "K: v\r\n\r\n"
        let headers = try NATSHeaders.parse(ByteBuffer(string: block))
        #expect(headers.status == 100)
        #expect(headers.statusDescription == "Idle Heartbeat")
        #expect(headers.fields == [NATSHeaders.Field(name: "K", value: "v")])
    }

    @Test("a status must be three digits", arguments: ["+12", "-12", "1a2", "12", "1234", "١٢٣"])
    func statusDigits(_ code: String) {
        #expect(throws: WireError.self) { _ = try NATSHeaders.parse(ByteBuffer(string: "NATS/1.0 \(code)\r\n\r\n")) }
    }
}
