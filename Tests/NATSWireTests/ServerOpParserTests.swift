import NIOCore
import Testing
@testable import NATSWire

extension WireSample: CustomTestStringConvertible {
    var testDescription: String { name }
}

@Suite("ServerOpParser: well-formed ops")
struct ServerOpParserTests {
    @Test("every catalogue sample parses to its op and consumes exactly its bytes",
          arguments: Samples.catalogue)
    func catalogueSample(sample: WireSample) throws {
        var buffer = ByteBuffer(bytes: sample.wire)
        let op = try ServerOpParser().next(&buffer)
        #expect(op == sample.op, "\(sample.name)")
        #expect(buffer.readableBytes == 0, "\(sample.name)")
        #expect(try ServerOpParser().next(&buffer) == nil)
    }

    @Test func infoFrom2_15Server() throws {
        let op = try parseOne("INFO \(Samples.infoJSON)\r\n")
        guard case .info(let info) = op else {
            Issue.record("expected INFO, got \(String(describing: op))")
            return
        }
        #expect(info == Samples.expectedInfo)
        #expect(info.serverID == "NDJWE4SOUJOJT2TY5Y2YQEOAHGAK5VIGXTGKWJSFHVCII4ITI3LBHXLR")
        #expect(info.version == "2.15.0")
        #expect(info.proto == 1)
        #expect(info.headers)
        #expect(info.jetstream)
        #expect(info.maxPayload == 8_388_608)
        #expect(info.clientID == 117)
        #expect(info.connectURLs == ["10.0.1.10:4222", "10.0.1.11:4222", "[fd00::12]:4222"])
        #expect(info.lameDuckMode)
        #expect(info.apiLevel == 2)
        #expect(info.domain == "core")
        #expect(!info.tlsRequired)
    }

    @Test func infoWithMissingFieldsUsesDefaults() throws {
        let op = try parseOne("INFO {}\r\n")
        #expect(op == .info(ServerInfo()))
        guard case .info(let info) = op else { return }
        #expect(info.maxPayload == 1_048_576)
        #expect(info.connectURLs.isEmpty)
        #expect(!info.lameDuckMode)
        #expect(info.apiLevel == nil)
        #expect(info.clientID == nil)
    }

    @Test func infoWithTabSeparatorAndNoLeadingSpaceInJSONValue() throws {
        let op = try parseOne("INFO\t{\"port\":4223,\"ldm\":false}\r\n")
        var expected = ServerInfo()
        expected.port = 4223
        #expect(op == .info(expected))
    }

    @Test func msgWithoutReply() throws {
        let op = try parseOne("MSG foo.bar 9 5\r\nhello\r\n")
        let m = try #require(op?.message)
        #expect(m.subject == "foo.bar")
        #expect(m.sid == 9)
        #expect(m.replyTo == nil)
        #expect(m.headers == nil)
        #expect(m.payload == ByteBuffer(string: "hello"))
    }

    @Test func msgWithReply() throws {
        let op = try parseOne("MSG foo.bar 90 _INBOX.abc.7 11\r\nhello world\r\n")
        let m = try #require(op?.message)
        #expect(m.subject == "foo.bar")
        #expect(m.sid == 90)
        #expect(m.replyTo == "_INBOX.abc.7")
        #expect(m.headers == nil)
        #expect(String(buffer: m.payload) == "hello world")
    }

    @Test func msgWithExtraWhitespaceBetweenArguments() throws {
        let op = try parseOne("MSG  foo \t 1   reply\t3\r\nabc\r\n")
        let m = try #require(op?.message)
        #expect(m.subject == "foo")
        #expect(m.sid == 1)
        #expect(m.replyTo == "reply")
        #expect(String(buffer: m.payload) == "abc")
    }

    @Test func msgWithEmptyPayload() throws {
        let op = try parseOne("MSG foo 1 0\r\n\r\n")
        let m = try #require(op?.message)
        #expect(m.payload.readableBytes == 0)
    }

    @Test func msgPayloadMayContainCRLFAndOpNames() throws {
        let body = "\r\nPING\r\nMSG x 1 2\r\n\r\n"
        let op = try parseOne("MSG foo 1 \(body.utf8.count)\r\n\(body)\r\n")
        let m = try #require(op?.message)
        #expect(String(buffer: m.payload) == body)
    }

    @Test func msgWithMaxSid() throws {
        let op = try parseOne("MSG foo 9999999999999999999 1\r\nx\r\n")
        #expect(op?.message?.sid == 9_999_999_999_999_999_999)
    }

    @Test func hmsgWithoutReply() throws {
        let block = "NATS/1.0\r\nFoo: bar\r\nBaz: qux quux\r\n\r\n"
        let op = try parseOne("HMSG s.1 4 \(block.utf8.count) \(block.utf8.count + 4)\r\n\(block)data\r\n")
        let m = try #require(op?.message)
        #expect(m.subject == "s.1")
        #expect(m.sid == 4)
        #expect(m.replyTo == nil)
        let h = try #require(m.headers)
        #expect(h.status == nil)
        #expect(h.statusDescription == nil)
        #expect(h["Foo"] == "bar")
        #expect(h["Baz"] == "qux quux")
        #expect(h.fields.count == 2)
        #expect(String(buffer: m.payload) == "data")
    }

    @Test func hmsgWithReply() throws {
        let block = "NATS/1.0\r\nNats-Msg-Id: abc\r\n\r\n"
        let op = try parseOne("HMSG s.1 4 my.reply \(block.utf8.count) \(block.utf8.count + 2)\r\n\(block)ok\r\n")
        let m = try #require(op?.message)
        #expect(m.replyTo == "my.reply")
        #expect(m.headers?["Nats-Msg-Id"] == "abc")
        #expect(String(buffer: m.payload) == "ok")
    }

    @Test func hmsgNoResponders503() throws {
        let op = try parseOne("HMSG _INBOX.a.1 2 16 16\r\nNATS/1.0 503\r\n\r\n\r\n")
        let m = try #require(op?.message)
        #expect(m.headers?.status == 503)
        #expect(m.headers?.statusDescription == nil)
        #expect(m.headers?.fields.isEmpty == true)
        #expect(m.payload.readableBytes == 0)
    }

    @Test func hmsgIdleHeartbeat() throws {
        let block = "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 0\r\nNats-Last-Stream: 1234\r\n\r\n"
        let n = block.utf8.count
        let op = try parseOne("HMSG _INBOX.hb 3 \(n) \(n)\r\n\(block)\r\n")
        let h = try #require(op?.message?.headers)
        #expect(h.status == 100)
        #expect(h.statusDescription == "Idle Heartbeat")
        #expect(h["Nats-Last-Consumer"] == "0")
        #expect(h["Nats-Last-Stream"] == "1234")
    }

    @Test func hmsgMessageNotFound404() throws {
        let block = "NATS/1.0 404 Message Not Found\r\n\r\n"
        let n = block.utf8.count
        let op = try parseOne("HMSG $JS.API.x 1 \(n) \(n)\r\n\(block)\r\n")
        let h = try #require(op?.message?.headers)
        #expect(h.status == 404)
        #expect(h.statusDescription == "Message Not Found")
    }

    @Test func hmsgFlowControlRequest() throws {
        let block = "NATS/1.0 100 FlowControl Request\r\n\r\n"
        let n = block.utf8.count
        let op = try parseOne("HMSG push.inbox 8 $JS.FC.S.abc.1 \(n) \(n)\r\n\(block)\r\n")
        let m = try #require(op?.message)
        #expect(m.replyTo == "$JS.FC.S.abc.1")
        #expect(m.headers?.status == 100)
        #expect(m.headers?.statusDescription == "FlowControl Request")
    }

    @Test func hmsgStatusWithHeadersAndPayload() throws {
        let block = "NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 5\r\nNats-Pending-Bytes: 0\r\n\r\n"
        let n = block.utf8.count
        let op = try parseOne("HMSG i 1 \(n) \(n + 3)\r\n\(block)abc\r\n")
        let m = try #require(op?.message)
        #expect(m.headers?.status == 408)
        #expect(m.headers?.statusDescription == "Request Timeout")
        #expect(m.headers?["Nats-Pending-Messages"] == "5")
        #expect(String(buffer: m.payload) == "abc")
    }

    @Test func pingPongOk() throws {
        #expect(try parseAll("PING\r\nPONG\r\n+OK\r\n") == [.ping, .pong, .ok])
    }

    @Test func errStripsQuotes() throws {
        #expect(try parseOne("-ERR 'Authorization Violation'\r\n") == .err(ServerError("Authorization Violation")))
        #expect(try parseOne("-ERR 'Maximum Payload Violation'\r\n") == .err(ServerError("Maximum Payload Violation")))
        #expect(try parseOne("-ERR unquoted text\r\n") == .err(ServerError("unquoted text")))
        #expect(try parseOne("-ERR\r\n") == .err(ServerError("")))
    }

    @Test func lowercaseAndMixedCaseOpNames() throws {
        let ops = try parseAll(
            "ping\r\npong\r\n+ok\r\n-err 'x'\r\nPiNg\r\nmsg a 1 1\r\nz\r\nhmsg a 1 12 13\r\nNATS/1.0\r\n\r\nz\r\ninfo {}\r\n")
        #expect(ops.count == 8)
        #expect(Array(ops.prefix(5)) == [.ping, .pong, .ok, .err(ServerError("x")), .ping])
        #expect(ops[5].message?.subject == "a")
        #expect(ops[6].message?.headers == NATSHeaders())
        #expect(ops[7] == .info(ServerInfo()))
    }

    @Test func manyOpsInOneBuffer() throws {
        let (wire, ops, _) = Samples.concat(Samples.catalogue)
        #expect(try parseAll(wire) == ops)
    }

    @Test func incompleteInputReturnsNilAndConsumesNothing() throws {
        let parser = ServerOpParser()
        for partial in ["", "P", "PING", "PING\r", "MSG foo 1 5", "MSG foo 1 5\r\n", "MSG foo 1 5\r\nhello",
                        "MSG foo 1 5\r\nhello\r", "HMSG a 1 12 12\r\nNATS/1.0\r\n", "INFO {\"port\":1"] {
            var buffer = ByteBuffer(string: partial)
            let before = buffer.readerIndex
            #expect(try parser.next(&buffer) == nil, "\(partial.debugDescription)")
            #expect(buffer.readerIndex == before)
            #expect(buffer.readableBytes == partial.utf8.count)
        }
    }

    @Test func resumesAfterMoreBytesArrive() throws {
        let parser = ServerOpParser()
        var buffer = ByteBuffer(string: "MSG foo 1 5\r\nhel")
        #expect(try parser.next(&buffer) == nil)
        buffer.writeString("lo\r\nPI")
        #expect(try parser.next(&buffer)?.message?.payload == ByteBuffer(string: "hello"))
        #expect(try parser.next(&buffer) == nil)
        buffer.writeString("NG\r\n")
        #expect(try parser.next(&buffer) == .ping)
        #expect(buffer.readableBytes == 0)
    }

    @Test func payloadSurvivesBufferReuse() throws {
        let parser = ServerOpParser()
        var buffer = ByteBuffer(string: "MSG foo 1 5\r\nhello\r\n")
        let m = try #require(try parser.next(&buffer)?.message)
        buffer.discardReadBytes()
        buffer.writeString("MSG foo 1 5\r\nWORLD\r\n")
        buffer.clear()
        buffer.writeString("XXXXXXXXXXXXXXXXXXXXXXXXXX")
        #expect(String(buffer: m.payload) == "hello")
    }

    @Test func controlLineExactlyAtLimitIsAccepted() throws {
        let parser = ServerOpParser(maxControlLine: 16)
        let line = "MSG abcdefgh 1 0" // 16 bytes
        #expect(line.utf8.count == 16)
        let wire = Array("\(line)\r\n\r\n".utf8)
        let whole = parseWhole(wire, parser: parser)
        #expect(whole.error == nil)
        #expect(whole.ops.count == 1)
        // Whatever the read boundaries, including right after the CR.
        for cut in 0...wire.count {
            #expect(parseChunked(wire, cuts: [cut], parser: parser) == whole, "cut at \(cut)")
        }
        #expect(parseBytewise(wire, parser: parser) == whole)
    }

    @Test func defaultLimitsMatchTheServer() {
        let parser = ServerOpParser()
        #expect(parser.maxControlLine == 4096)
        #expect(parser.maxMessageSize == 64 << 20)
    }

    @Test func messageAtMaxSizeIsAccepted() throws {
        let parser = ServerOpParser(maxMessageSize: 8)
        let op = try parseOne("MSG a 1 8\r\n12345678\r\n", parser: parser)
        #expect(op?.message?.payload.readableBytes == 8)
    }
}
