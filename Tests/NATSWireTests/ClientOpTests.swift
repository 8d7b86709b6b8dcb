import NIOCore
import Testing
import TestSupport
@testable import NATSWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("ClientOp")
struct ClientOpTests {
    static func written(_ body: (inout ByteBuffer) -> Void) -> String {
        var buffer = ByteBuffer()
        body(&buffer)
        return String(buffer: buffer)
    }

    // MARK: PUB / HPUB

    @Test func pubWithoutReply() {
        let out = Self.written {
            ClientOp.publish(subject: "foo.bar", payload: ByteBuffer(string: "hello"), into: &$0)
        }
        #expect(out == "PUB foo.bar 5\r\nhello\r\n")
    }

    @Test func pubWithReply() {
        let out = Self.written {
            ClientOp.publish(subject: "foo.bar", replyTo: "_INBOX.abc.1", payload: ByteBuffer(string: "hello"),
                             into: &$0)
        }
        #expect(out == "PUB foo.bar _INBOX.abc.1 5\r\nhello\r\n")
    }

    @Test func pubWithIndexedReply() {
        var headers = NATSHeaders()
        headers.append("K", "v")
        let out = Self.written {
            ClientOp.publish(subject: "a", replyPrefix: "_INBOX.x", replyIndex: 0, payload: ByteBuffer(string: "hi"),
                             into: &$0)
            ClientOp.publish(subject: "b", replyPrefix: "_INBOX.x", replyIndex: 4_000_017, headers: headers,
                             payload: ByteBuffer(string: "hi"), into: &$0)
        }
        let hlen = headers.encodedLength
        #expect(out == "PUB a _INBOX.x.0 2\r\nhi\r\nHPUB b _INBOX.x.4000017 \(hlen) \(hlen + 2)\r\n"
                + String(buffer: { var b = ByteBuffer(); headers.write(into: &b); return b }()) + "hi\r\n")
    }

    @Test(arguments: [0, 7, 10, 99, 100, 65_535, 1_000_000, Int(Int32.max), Int.max])
    func decimalMatchesDescription(_ value: Int) {
        #expect(Self.written { ClientOp.writeDecimal(value, into: &$0) } == String(value))
    }

    @Test func pubWithEmptyPayload() {
        let out = Self.written { ClientOp.publish(subject: "k", payload: ByteBuffer(), into: &$0) }
        #expect(out == "PUB k 0\r\n\r\n")
    }

    @Test func pubWithEmptyHeadersIsPlainPub() {
        let out = Self.written {
            ClientOp.publish(subject: "k", headers: NATSHeaders(), payload: ByteBuffer(string: "v"), into: &$0)
        }
        #expect(out == "PUB k 1\r\nv\r\n")
    }

    @Test func pubCountsUTF8BytesAndKeepsBinaryPayload() {
        var buffer = ByteBuffer()
        let payload: [UInt8] = [0x00, 0x0D, 0x0A, 0xFF, 0xC3, 0xA9]
        ClientOp.publish(subject: "bin", payload: ByteBuffer(bytes: payload), into: &buffer)
        #expect(Array(buffer.readableBytesView) == Array("PUB bin 6\r\n".utf8) + payload + [0x0D, 0x0A])
    }

    @Test func publishDoesNotConsumeTheCallersPayload() {
        let payload = ByteBuffer(string: "hello")
        var buffer = ByteBuffer()
        ClientOp.publish(subject: "a", payload: payload, into: &buffer)
        ClientOp.publish(subject: "a", payload: payload, into: &buffer)
        #expect(payload.readableBytes == 5)
        #expect(String(buffer: buffer) == "PUB a 5\r\nhello\r\nPUB a 5\r\nhello\r\n")
    }

    @Test func publishAppendsToExistingBytes() {
        var buffer = ByteBuffer(string: "PING\r\n")
        ClientOp.publish(subject: "a", payload: ByteBuffer(string: "x"), into: &buffer)
        #expect(String(buffer: buffer) == "PING\r\nPUB a 1\r\nx\r\n")
    }

    @Test func hpubWithoutReply() {
        var headers = NATSHeaders()
        headers.append("Foo", "bar")
        let out = Self.written {
            ClientOp.publish(subject: "foo", headers: headers, payload: ByteBuffer(string: "hello"), into: &$0)
        }
        // "NATS/1.0\r\n" (10) + "Foo: bar\r\n" (10) + "\r\n" (2) = 22; 22 + 5 = 27.
        #expect(out == "HPUB foo 22 27\r\nNATS/1.0\r\nFoo: bar\r\n\r\nhello\r\n")
    }

    @Test func hpubWithReply() {
        var headers = NATSHeaders()
        headers.append("Nats-Msg-Id", "m-1")
        headers.append("Nats-Expected-Last-Subject-Sequence", "0")
        let out = Self.written {
            ClientOp.publish(subject: "$KV.cfg.key", replyTo: "_INBOX.r.2", headers: headers,
                             payload: ByteBuffer(string: "value"), into: &$0)
        }
        let block = "NATS/1.0\r\nNats-Msg-Id: m-1\r\nNats-Expected-Last-Subject-Sequence: 0\r\n\r\n"
        let h = block.utf8.count
        #expect(out == "HPUB $KV.cfg.key _INBOX.r.2 \(h) \(h + 5)\r\n\(block)value\r\n")
    }

    @Test func hpubWithEmptyPayloadAndStatusOnly() {
        let out = Self.written {
            ClientOp.publish(subject: "s", headers: NATSHeaders(status: 503), payload: ByteBuffer(), into: &$0)
        }
        #expect(out == "HPUB s 16 16\r\nNATS/1.0 503\r\n\r\n\r\n")
    }

    @Test func hpubLengthsMatchTheBytesThatFollow() throws {
        var rng = SplitMix64(seed: 0x4B0B)
        for _ in 0..<200 {
            var headers = NATSHeaders()
            for i in 0..<(1 + rng.below(5)) {
                headers.append("H\(i)", String(repeating: "é", count: rng.below(9)) + "v\(rng.below(1000))")
            }
            let payload = rng.bytes(rng.below(300))
            var buffer = ByteBuffer()
            ClientOp.publish(subject: "x.y", replyTo: rng.below(2) == 0 ? nil : "r", headers: headers,
                             payload: ByteBuffer(bytes: payload), into: &buffer)
            let bytes = Array(buffer.readableBytesView)
            let lineEnd = try #require(bytes.indices.first { bytes[$0] == 0x0D && bytes[$0 + 1] == 0x0A })
            let args = String(decoding: bytes[..<lineEnd], as: UTF8.self).split(separator: " ")
            #expect(args.first == "HPUB")
            let hdrLen = try #require(Int(args[args.count - 2]))
            let totalLen = try #require(Int(args[args.count - 1]))
            #expect(hdrLen == headers.encodedLength)
            #expect(totalLen == hdrLen + payload.count)
            #expect(totalLen == ClientOp.payloadSize(headers: headers, payload: payload.count))
            // The control line, then exactly total_len bytes, then CRLF.
            #expect(bytes.count == lineEnd + 2 + totalLen + 2)
            let block = Array(bytes[(lineEnd + 2)..<(lineEnd + 2 + hdrLen)])
            #expect(block.suffix(4) == [0x0D, 0x0A, 0x0D, 0x0A])
            #expect(try NATSHeaders.parse(ByteBuffer(bytes: block)) == headers)
            #expect(Array(bytes[(lineEnd + 2 + hdrLen)..<(lineEnd + 2 + totalLen)]) == payload)
        }
    }

    @Test func hpubReadBackAsHmsg() throws {
        // What we send as HPUB, the server delivers as HMSG with the same sizes.
        var headers = NATSHeaders()
        headers.append("A", "1")
        headers.append("A", "2")
        var buffer = ByteBuffer()
        ClientOp.publish(subject: "subj", replyTo: "rep", headers: headers,
                         payload: ByteBuffer(string: "payload\r\n"), into: &buffer)
        let sent = String(buffer: buffer)
        #expect(sent.hasPrefix("HPUB subj rep "))
        let delivered = "HMSG subj 42 rep " + sent.dropFirst("HPUB subj rep ".count)
        let ops = try parseAll(delivered)
        let message = InboundMessage(subject: "subj", sid: 42, replyTo: "rep", headers: headers,
                                     payload: ByteBuffer(string: "payload\r\n"))
        #expect(ops == [.message(message)])
    }

    @Test func payloadSize() {
        var headers = NATSHeaders()
        #expect(ClientOp.payloadSize(headers: nil, payload: 10) == 10)
        #expect(ClientOp.payloadSize(headers: headers, payload: 10) == 10)
        headers.append("Foo", "bar")
        #expect(ClientOp.payloadSize(headers: headers, payload: 10) == 32)
    }

    // MARK: SUB / UNSUB / PING / PONG

    @Test func subWithoutQueue() {
        #expect(Self.written { ClientOp.subscribe(subject: "foo.>", sid: 1, into: &$0) } == "SUB foo.> 1\r\n")
    }

    @Test func subWithQueue() {
        #expect(Self.written { ClientOp.subscribe(subject: "foo.*", queue: "workers", sid: 17, into: &$0) }
            == "SUB foo.* workers 17\r\n")
    }

    @Test func subWithLargeSid() {
        #expect(Self.written { ClientOp.subscribe(subject: "a", sid: UInt64.max, into: &$0) }
            == "SUB a 18446744073709551615\r\n")
    }

    @Test func unsubWithoutMax() {
        #expect(Self.written { ClientOp.unsubscribe(sid: 17, into: &$0) } == "UNSUB 17\r\n")
    }

    @Test func unsubWithMax() {
        #expect(Self.written { ClientOp.unsubscribe(sid: 17, max: 1, into: &$0) } == "UNSUB 17 1\r\n")
        #expect(Self.written { ClientOp.unsubscribe(sid: 3, max: 0, into: &$0) } == "UNSUB 3 0\r\n")
    }

    @Test func pingPong() {
        #expect(Self.written { ClientOp.ping(into: &$0) } == "PING\r\n")
        #expect(Self.written { ClientOp.pong(into: &$0) } == "PONG\r\n")
        #expect(Self.written {
            ClientOp.ping(into: &$0)
            ClientOp.pong(into: &$0)
        } == "PING\r\nPONG\r\n")
    }

    // MARK: CONNECT

    struct ConnectDocument: Decodable {
        var verbose: Bool
        var pedantic: Bool
        var tls_required: Bool
        var lang: String
        var version: String
        var `protocol`: Int
        var echo: Bool
        var headers: Bool
        var no_responders: Bool
        var name: String?
        var user: String?
        var pass: String?
        var auth_token: String?
    }

    static func connectDocument(_ options: ConnectOptions) throws -> ConnectDocument {
        let line = Self.written { ClientOp.connect(options, into: &$0) }
        #expect(line.hasPrefix("CONNECT {"))
        #expect(line.hasSuffix("}\r\n"))
        #expect(line.filter { $0 == "\r\n" }.count == 1)
        // Work on bytes: "\r\n" is a single Character in a String.
        let json = Array(line.utf8).dropFirst("CONNECT ".utf8.count).dropLast(2)
        return try JSONDecoder().decode(ConnectDocument.self, from: Data(json))
    }

    @Test func connectDefaults() throws {
        let options = ConnectOptions()
        let json = options.json()
        for field in ["\"headers\":true", "\"no_responders\":true", "\"protocol\":1", "\"verbose\":false",
                      "\"pedantic\":false", "\"lang\":\"swift\"", "\"echo\":true", "\"tls_required\":false"] {
            #expect(json.contains(field), "missing \(field) in \(json)")
        }
        for absent in ["\"name\"", "\"user\"", "\"pass\"", "\"auth_token\""] {
            #expect(!json.contains(absent))
        }
        let doc = try Self.connectDocument(options)
        #expect(doc.headers)
        #expect(doc.no_responders)
        #expect(doc.protocol == 1)
        #expect(!doc.verbose)
        #expect(!doc.pedantic)
        #expect(doc.echo)
        #expect(!doc.tls_required)
        #expect(doc.lang == "swift")
        #expect(doc.version == options.version)
        #expect(doc.name == nil && doc.user == nil && doc.pass == nil && doc.auth_token == nil)
    }

    @Test func connectExactBytes() {
        let out = Self.written { ClientOp.connect(ConnectOptions(), into: &$0) }
        #expect(out == "CONNECT {\"verbose\":false,\"pedantic\":false,\"tls_required\":false,\"lang\":\"swift\","
            + "\"version\":\"0.1.0\",\"protocol\":1,\"echo\":true,\"headers\":true,\"no_responders\":true}\r\n")
    }

    @Test func connectWithCredentials() throws {
        var options = ConnectOptions()
        options.name = "kvsh \"prod\""
        options.user = "alice"
        options.password = "p\\a\"ss\nword"
        options.token = "t0k\u{01}en"
        options.echo = false
        options.tlsRequired = true
        options.version = "1.2.3"
        let doc = try Self.connectDocument(options)
        #expect(doc.name == "kvsh \"prod\"")
        #expect(doc.user == "alice")
        #expect(doc.pass == "p\\a\"ss\nword")
        #expect(doc.auth_token == "t0k\u{01}en")
        #expect(!doc.echo)
        #expect(doc.tls_required)
        #expect(doc.version == "1.2.3")
        #expect(doc.headers && doc.no_responders)
        let json = options.json()
        #expect(json.contains("\"pass\":\"p\\\\a\\\"ss\\nword\""))
        #expect(json.contains("\"auth_token\":\"t0k\\u0001en\""))
    }

    @Test func connectWithSignature() throws {
        struct Signed: Decodable { var jwt: String?; var nkey: String?; var sig: String? }
        func signed(_ options: ConnectOptions) throws -> Signed {
            let line = Self.written { ClientOp.connect(options, into: &$0) }
            let json = Array(line.utf8).dropFirst("CONNECT ".utf8.count).dropLast(2)
            return try JSONDecoder().decode(Signed.self, from: Data(json))
        }
        var options = ConnectOptions()
        options.jwt = "eyJhIn0.eyJiIn0.c2ln"
        options.sig = "-_8A"
        let doc = try signed(options)
        #expect(doc.jwt == "eyJhIn0.eyJiIn0.c2ln" && doc.sig == "-_8A" && doc.nkey == nil)
        options.jwt = nil
        options.nkey = "UABC"
        #expect(try signed(options).nkey == "UABC")
        // Without them the document is the one the exact-bytes test pins.
        #expect(!ConnectOptions().json().contains("sig"))
    }

    @Test func quoteEscapes() {
        #expect(ConnectOptions.quote("") == "\"\"")
        #expect(ConnectOptions.quote("plain") == "\"plain\"")
        #expect(ConnectOptions.quote("a\"b") == "\"a\\\"b\"")
        #expect(ConnectOptions.quote("a\\b") == "\"a\\\\b\"")
        #expect(ConnectOptions.quote("\n\r\t") == "\"\\n\\r\\t\"")
        #expect(ConnectOptions.quote("\u{00}\u{01}\u{08}\u{0C}\u{1B}\u{1F}")
            == "\"\\u0000\\u0001\\u0008\\u000c\\u001b\\u001f\"")
        #expect(ConnectOptions.quote("é ✓ 😀 \u{7F}") == "\"é ✓ 😀 \u{7F}\"")
        #expect(ConnectOptions.quote("\r\n") == "\"\\r\\n\"")
    }

    @Test func quoteProducesValidJSONForAnyScalars() throws {
        var rng = SplitMix64(seed: 0x0_0071E)
        let specials: [Unicode.Scalar] = ["\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "😀", "/"]
        for _ in 0..<300 {
            var s = String.UnicodeScalarView()
            for _ in 0..<rng.below(24) {
                if rng.below(3) == 0 {
                    s.append(specials[rng.below(specials.count)])
                } else {
                    s.append(Unicode.Scalar(UInt8(rng.below(0x80))))
                }
            }
            let original = String(s)
            let quoted = ConnectOptions.quote(original)
            let decoded = try JSONDecoder().decode([String].self, from: Data("[\(quoted)]".utf8))
            #expect(decoded == [original], "\(quoted)")
            #expect(!quoted.unicodeScalars.contains { $0.value < 0x20 })
        }
    }
}
