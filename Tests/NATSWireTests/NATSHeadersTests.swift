import NIOCore
import Testing
import TestSupport
@testable import NATSWire

@Suite("NATSHeaders")
struct NATSHeadersTests {
    static func encode(_ headers: NATSHeaders) -> ByteBuffer {
        var buffer = ByteBuffer()
        headers.write(into: &buffer)
        return buffer
    }

    static func parse(_ text: String) throws(WireError) -> NATSHeaders {
        try NATSHeaders.parse(ByteBuffer(string: text))
    }

    static var examples: [NATSHeaders] {
        var plain = NATSHeaders()
        plain.append("Foo", "bar")
        var repeated = NATSHeaders()
        repeated.append("Nats-Msg-Id", "1")
        repeated.append("Other", "x")
        repeated.append("Nats-Msg-Id", "2")
        var heartbeat = NATSHeaders(status: 100, statusDescription: "Idle Heartbeat")
        heartbeat.append("Nats-Last-Consumer", "12")
        heartbeat.append("Nats-Last-Stream", "34")
        var unicode = NATSHeaders()
        unicode.append("Greeting", "héllo wörld ✓ 😀")
        unicode.append("Empty", "")
        unicode.append("Colons", "a:b: c")
        unicode.append("KV-Operation", "PURGE")
        return [
            NATSHeaders(),
            plain,
            repeated,
            NATSHeaders(status: 503),
            NATSHeaders(status: 404, statusDescription: "Message Not Found"),
            heartbeat,
            unicode,
        ]
    }

    @Test("encode then parse round-trips", arguments: NATSHeadersTests.examples.indices)
    func roundTrip(index: Int) throws {
        let headers = Self.examples[index]
        let parsed = try NATSHeaders.parse(Self.encode(headers))
        #expect(parsed == headers)
    }

    @Test("encodedLength equals the bytes written", arguments: NATSHeadersTests.examples.indices)
    func encodedLength(index: Int) {
        let headers = Self.examples[index]
        #expect(headers.encodedLength == Self.encode(headers).readableBytes)
    }

    @Test func exactBytes() {
        var h = NATSHeaders()
        h.append("Foo", "bar")
        h.append("Foo", "baz")
        #expect(String(buffer: Self.encode(h)) == "NATS/1.0\r\nFoo: bar\r\nFoo: baz\r\n\r\n")
        #expect(String(buffer: Self.encode(NATSHeaders())) == "NATS/1.0\r\n\r\n")
        #expect(String(buffer: Self.encode(NATSHeaders(status: 503))) == "NATS/1.0 503\r\n\r\n")
        #expect(String(buffer: Self.encode(NATSHeaders(status: 100, statusDescription: "Idle Heartbeat")))
            == "NATS/1.0 100 Idle Heartbeat\r\n\r\n")
        // An empty description is not written.
        #expect(String(buffer: Self.encode(NATSHeaders(status: 503, statusDescription: ""))) == "NATS/1.0 503\r\n\r\n")
        #expect(NATSHeaders(status: 503, statusDescription: "").encodedLength == 16)
    }

    @Test func writeAppendsWithoutTouchingExistingBytes() {
        var buffer = ByteBuffer(string: "prefix")
        var h = NATSHeaders()
        h.append("A", "b")
        h.write(into: &buffer)
        #expect(String(buffer: buffer) == "prefixNATS/1.0\r\nA: b\r\n\r\n")
    }

    @Test func repeatedNamesKeepWireOrder() throws {
        let h = try Self.parse("NATS/1.0\r\nX: 1\r\nY: a\r\nX: 2\r\nX: 3\r\n\r\n")
        #expect(h["X"] == "1")
        #expect(h.values("X") == ["1", "2", "3"])
        #expect(h.values("Y") == ["a"])
        #expect(h.values("Z").isEmpty)
        #expect(h.fields.map(\.name) == ["X", "Y", "X", "X"])
        #expect(h.fields[1] == NATSHeaders.Field(name: "Y", value: "a"))
    }

    @Test func statusWithDescription() throws {
        let h = try Self.parse("NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 5\r\nNats-Last-Stream: 9\r\n\r\n")
        #expect(h.status == 100)
        #expect(h.statusDescription == "Idle Heartbeat")
        #expect(h["Nats-Last-Consumer"] == "5")
        #expect(h["Nats-Last-Stream"] == "9")
        #expect(!h.isEmpty)
    }

    @Test func statusWithoutDescription() throws {
        let h = try Self.parse("NATS/1.0 503\r\n\r\n")
        #expect(h.status == 503)
        #expect(h.statusDescription == nil)
        #expect(h.fields.isEmpty)
        #expect(!h.isEmpty)
    }

    @Test func statusLineVariants() throws {
        #expect(try Self.parse("NATS/1.0 404 Message Not Found\r\n\r\n").statusDescription == "Message Not Found")
        #expect(try Self.parse("NATS/1.0 100 FlowControl Request\r\n\r\n").statusDescription == "FlowControl Request")
        #expect(try Self.parse("NATS/1.0 409 Consumer Deleted\r\n\r\n").status == 409)
        // Extra spaces between the parts are tolerated.
        let spaced = try Self.parse("NATS/1.0  408   Request Timeout\r\n\r\n")
        #expect(spaced.status == 408)
        #expect(spaced.statusDescription == "Request Timeout")
        // No status at all.
        let none = try Self.parse("NATS/1.0\r\nA: b\r\n\r\n")
        #expect(none.status == nil)
        #expect(none.statusDescription == nil)
    }

    @Test func lookupIsCaseSensitive() throws {
        let h = try Self.parse("NATS/1.0\r\nNats-Msg-Id: abc\r\n\r\n")
        #expect(h["Nats-Msg-Id"] == "abc")
        #expect(h["nats-msg-id"] == nil)
        #expect(h["NATS-MSG-ID"] == nil)
        #expect(h.values("nats-msg-id").isEmpty)
    }

    @Test func setReplacesEveryValue() {
        var h = NATSHeaders()
        h.append("A", "1")
        h.append("B", "x")
        h.append("A", "2")
        h.set("A", "3")
        #expect(h.values("A") == ["3"])
        #expect(h["B"] == "x")
        #expect(h.fields.count == 2)
        h.set("C", "new")
        #expect(h["C"] == "new")
        h.set("a", "lower")
        #expect(h["A"] == "3")
        #expect(h["a"] == "lower")
        #expect(h.fields.count == 4)
    }

    @Test func appendAddsAnotherValue() {
        var h = NATSHeaders()
        #expect(h.isEmpty)
        h.append("A", "1")
        h.append("A", "1")
        #expect(h.values("A") == ["1", "1"])
        #expect(!h.isEmpty)
    }

    @Test func isEmptyConsidersStatus() {
        #expect(NATSHeaders().isEmpty)
        #expect(!NATSHeaders(status: 503).isEmpty)
        // A description without a code is not written, so it doesn't make the block non-empty.
        #expect(NATSHeaders(statusDescription: "orphan").isEmpty)
    }

    @Test func valueWhitespaceAndColons() throws {
        let h = try Self.parse("NATS/1.0\r\nA:no-space\r\nB: \t padded\r\nC: a:b:c\r\nD:\r\nE: trailing \r\n\r\n")
        #expect(h["A"] == "no-space")
        #expect(h["B"] == "padded")
        #expect(h["C"] == "a:b:c")
        #expect(h["D"] == "")
        #expect(h["E"] == "trailing ")
    }

    @Test func parseRejectsMalformedBlocks() {
        for block in ["HTTP/1.1\r\n\r\n", "", "\r\nNATS/1.0\r\n\r\n", "nats/1.0\r\n\r\n",
                      "NATS/1.0\r\nNoColon\r\n\r\n", "NATS/1.0 50\r\n\r\n", "NATS/1.0 abc\r\n\r\n",
                      "NATS/1.0 5030 Too Long\r\n\r\n"] {
            #expect(throws: WireError.self, "\(block.debugDescription)") { _ = try Self.parse(block) }
        }
    }

    @Test func parseIgnoresTheReaderIndexPrefix() throws {
        var buffer = ByteBuffer(string: "junkNATS/1.0 503\r\n\r\n")
        buffer.moveReaderIndex(forwardBy: 4)
        #expect(try NATSHeaders.parse(buffer).status == 503)
    }

    @Test func randomRoundTrips() throws {
        var rng = SplitMix64(seed: 0x4EAD_E125)
        let nameChars = Array("ABCXYZabcxyz0129-_.")
        let valueChars = Array("abc XYZ 019 -_.:/=+,;'\"é✓")
        for _ in 0..<500 {
            var h = rng.below(3) == 0 ? NATSHeaders(status: 100 + rng.below(900),
                                                   statusDescription: rng.below(2) == 0 ? nil : "Some Text")
                : NATSHeaders()
            for _ in 0..<rng.below(6) {
                let name = String((0..<(1 + rng.below(12))).map { _ in nameChars[rng.below(nameChars.count)] })
                var value = String((0..<rng.below(20)).map { _ in valueChars[rng.below(valueChars.count)] })
                while value.first == " " { value.removeFirst() }
                h.append(name, value)
            }
            let encoded = Self.encode(h)
            #expect(h.encodedLength == encoded.readableBytes)
            #expect(try NATSHeaders.parse(encoded) == h)
        }
    }
}
