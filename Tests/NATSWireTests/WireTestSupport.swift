import TestSupport
import NIOCore
@testable import NATSWire

// Shared helpers for the NATSWire tests: a deterministic RNG, the chunked parsing
// protocol, and a catalogue of wire samples with the ops they must parse to.

/// What feeding a byte stream to the parser produced.
struct ParseOutcome: Equatable, CustomStringConvertible {
    /// Ops parsed before the stream ended or an error was thrown.
    var ops: [ServerOp]
    /// The error that stopped parsing, if any.
    var error: WireError?
    /// Unconsumed bytes at the end (only meaningful when `error == nil`).
    var leftover: Int

    var failed: Bool { error != nil }

    /// Same ops, same failure-or-not, and (when no failure) same leftover.
    /// Error texts are not compared: only whether the stream was rejected.
    static func == (lhs: ParseOutcome, rhs: ParseOutcome) -> Bool {
        lhs.ops == rhs.ops && lhs.failed == rhs.failed && (lhs.failed || lhs.leftover == rhs.leftover)
    }

    var description: String {
        "ParseOutcome(ops: \(ops.count), error: \(error?.description ?? "nil"), leftover: \(leftover))"
    }
}

/// Feeds `data` to the parser in chunks cut at `cuts` (ascending offsets into `data`):
/// append each chunk to an accumulating buffer, then call `next` until it returns nil.
/// With `discardConsumed`, consumed bytes are discarded after every chunk, like a real
/// channel handler would, which also checks that parsed payloads survive buffer reuse.
func parseChunked(_ data: [UInt8], cuts: [Int], parser: ServerOpParser = ServerOpParser(),
                  discardConsumed: Bool = false) -> ParseOutcome {
    var buffer = ByteBuffer()
    var ops: [ServerOp] = []
    var start = 0
    for cut in cuts + [data.count] {
        let end = max(start, min(cut, data.count))
        buffer.writeBytes(data[start..<end])
        start = end
        do {
            while let op = try parser.next(&buffer) { ops.append(op) }
        } catch {
            return ParseOutcome(ops: ops, error: error, leftover: buffer.readableBytes)
        }
        if discardConsumed { buffer.discardReadBytes() }
    }
    return ParseOutcome(ops: ops, error: nil, leftover: buffer.readableBytes)
}

/// Feeds the whole of `data` at once.
func parseWhole(_ data: [UInt8], parser: ServerOpParser = ServerOpParser()) -> ParseOutcome {
    parseChunked(data, cuts: [], parser: parser)
}

/// Feeds `data` one byte at a time.
func parseBytewise(_ data: [UInt8], parser: ServerOpParser = ServerOpParser(),
                   discardConsumed: Bool = false) -> ParseOutcome {
    data.isEmpty ? parseWhole(data, parser: parser)
        : parseChunked(data, cuts: Array(1..<data.count), parser: parser, discardConsumed: discardConsumed)
}

/// Parses a complete stream, throwing the parser's error.
func parseAll(_ data: [UInt8], parser: ServerOpParser = ServerOpParser()) throws(WireError) -> [ServerOp] {
    var buffer = ByteBuffer(bytes: data)
    var ops: [ServerOp] = []
    while let op = try parser.next(&buffer) { ops.append(op) }
    return ops
}

func parseAll(_ text: String, parser: ServerOpParser = ServerOpParser()) throws(WireError) -> [ServerOp] {
    try parseAll(Array(text.utf8), parser: parser)
}

/// Parses exactly one op from `text` and requires the whole input to be consumed.
func parseOne(_ text: String, parser: ServerOpParser = ServerOpParser()) throws(WireError) -> ServerOp? {
    var buffer = ByteBuffer(string: text)
    let op = try parser.next(&buffer)
    return buffer.readableBytes == 0 ? op : nil
}

extension ServerOp {
    /// The message carried by `.message`, else nil.
    var message: InboundMessage? {
        if case .message(let m) = self { return m }
        return nil
    }
}

/// One server operation on the wire and the op it must parse to.
struct WireSample: Sendable {
    var name: String
    var wire: [UInt8]
    var op: ServerOp
}

enum Samples {
    static func raw(_ name: String, _ wire: String, _ op: ServerOp) -> WireSample {
        WireSample(name: name, wire: Array(wire.utf8), op: op)
    }

    static func msg(_ subject: String, sid: UInt64, reply: String? = nil, payload: [UInt8],
                    verb: String = "MSG") -> WireSample {
        var wire = Array("\(verb) \(subject) \(sid) ".utf8)
        if let reply { wire += Array("\(reply) ".utf8) }
        wire += Array("\(payload.count)\r\n".utf8) + payload + [0x0D, 0x0A]
        let message = InboundMessage(subject: subject, sid: sid, replyTo: reply,
                                     payload: ByteBuffer(bytes: payload))
        return WireSample(name: "\(verb) \(subject)", wire: wire, op: .message(message))
    }

    /// `headers` is the expected parse of `headerBlock`, written out by hand.
    static func hmsg(_ subject: String, sid: UInt64, reply: String? = nil, headerBlock: String,
                     headers: NATSHeaders, payload: [UInt8], verb: String = "HMSG") -> WireSample {
        let block = Array(headerBlock.utf8)
        var wire = Array("\(verb) \(subject) \(sid) ".utf8)
        if let reply { wire += Array("\(reply) ".utf8) }
        wire += Array("\(block.count) \(block.count + payload.count)\r\n".utf8) + block + payload + [0x0D, 0x0A]
        let message = InboundMessage(subject: subject, sid: sid, replyTo: reply, headers: headers,
                                     payload: ByteBuffer(bytes: payload))
        return WireSample(name: "\(verb) \(subject)", wire: wire, op: .message(message))
    }

    static func headers(_ status: Int? = nil, _ description: String? = nil,
                        _ fields: [(String, String)] = []) -> NATSHeaders {
        var h = NATSHeaders(status: status, statusDescription: description)
        for (name, value) in fields { h.append(name, value) }
        return h
    }

    /// An INFO document as a NATS 2.15 server sends it, including fields we ignore.
    static let infoJSON = """
    {"server_id":"NDJWE4SOUJOJT2TY5Y2YQEOAHGAK5VIGXTGKWJSFHVCII4ITI3LBHXLR",\
    "server_name":"hub-n1","version":"2.15.0","proto":1,"git_commit":"3c5d4a1",\
    "go":"go1.25.4","host":"0.0.0.0","port":4222,"headers":true,"auth_required":true,\
    "tls_available":true,"max_payload":8388608,"jetstream":true,"client_id":117,\
    "client_ip":"10.0.1.23","nonce":"kJ9-2zQxLw0bT5a","cluster":"hub","domain":"core",\
    "connect_urls":["10.0.1.10:4222","10.0.1.11:4222","[fd00::12]:4222"],\
    "ws_connect_urls":["10.0.1.10:8080"],"ldm":true,"api_lvl":2,\
    "xkey":"XDLRTWBFHRS3BNXBSNK5HNHHRYUFJVRDPMYXTVGUS7I2WKOEZQYP3KZB"}
    """

    static var expectedInfo: ServerInfo {
        var info = ServerInfo()
        info.serverID = "NDJWE4SOUJOJT2TY5Y2YQEOAHGAK5VIGXTGKWJSFHVCII4ITI3LBHXLR"
        info.serverName = "hub-n1"
        info.version = "2.15.0"
        info.proto = 1
        info.host = "0.0.0.0"
        info.port = 4222
        info.headers = true
        info.authRequired = true
        info.tlsAvailable = true
        info.maxPayload = 8_388_608
        info.jetstream = true
        info.clientID = 117
        info.clientIP = "10.0.1.23"
        info.nonce = "kJ9-2zQxLw0bT5a"
        info.cluster = "hub"
        info.domain = "core"
        info.connectURLs = ["10.0.1.10:4222", "10.0.1.11:4222", "[fd00::12]:4222"]
        info.lameDuckMode = true
        info.apiLevel = 2
        return info
    }

    static var info: WireSample {
        raw("INFO 2.15", "INFO \(infoJSON)\r\n", .info(expectedInfo))
    }

    /// Every kind of server op, each once or more, none of them large.
    static var catalogue: [WireSample] {
        [
            info,
            raw("PING", "PING\r\n", .ping),
            raw("PONG", "PONG\r\n", .pong),
            raw("+OK", "+OK\r\n", .ok),
            raw("-ERR", "-ERR 'Authorization Violation'\r\n", .err(ServerError("Authorization Violation"))),
            msg("foo.bar", sid: 9, payload: Array("hello".utf8)),
            msg("foo.bar", sid: 10, reply: "_INBOX.x7Kq.1", payload: Array("hello, world".utf8)),
            msg("empty", sid: 1, payload: []),
            msg("crlf.inside", sid: 2, payload: Array("\r\nMSG a 1 3\r\n\r\nPING\r\n".utf8)),
            msg("binary", sid: 3, payload: (0...255).map { UInt8($0) }),
            hmsg("orders.new", sid: 4, headerBlock: "NATS/1.0\r\nFoo: bar\r\n\r\n",
                 headers: headers(nil, nil, [("Foo", "bar")]), payload: Array("body".utf8)),
            hmsg("orders.new", sid: 4, reply: "$JS.ACK.ORDERS.c1.1.42.42.1700000000000000000.0",
                 headerBlock: "NATS/1.0\r\nNats-Msg-Id: 42\r\nNats-Msg-Id: 43\r\nX: a: b\r\n\r\n",
                 headers: headers(nil, nil, [("Nats-Msg-Id", "42"), ("Nats-Msg-Id", "43"), ("X", "a: b")]),
                 payload: Array("{\"id\":42}".utf8)),
            hmsg("_INBOX.req.1", sid: 5, headerBlock: "NATS/1.0 503\r\n\r\n",
                 headers: headers(503), payload: []),
            hmsg("_INBOX.hb", sid: 6,
                 headerBlock: "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 17\r\nNats-Last-Stream: 42\r\n\r\n",
                 headers: headers(100, "Idle Heartbeat",
                                  [("Nats-Last-Consumer", "17"), ("Nats-Last-Stream", "42")]),
                 payload: []),
            hmsg("_INBOX.get.1", sid: 7, headerBlock: "NATS/1.0 404 Message Not Found\r\n\r\n",
                 headers: headers(404, "Message Not Found"), payload: []),
            hmsg("_INBOX.push", sid: 8, reply: "$JS.FC.KV_cfg.x1.7",
                 headerBlock: "NATS/1.0 100 FlowControl Request\r\n\r\n",
                 headers: headers(100, "FlowControl Request"), payload: []),
            hmsg("hdr.only", sid: 11, headerBlock: "NATS/1.0\r\n\r\n", headers: headers(), payload: []),
            raw("ping lower", "ping\r\n", .ping),
            raw("pong lower", "pong\r\n", .pong),
            raw("+ok lower", "+ok\r\n", .ok),
            raw("-err lower", "-err 'Stale Connection'\r\n", .err(ServerError("Stale Connection"))),
            msg("lower", sid: 12, payload: Array("hi".utf8), verb: "msg"),
            hmsg("lower.h", sid: 13, headerBlock: "NATS/1.0\r\nA: 1\r\n\r\n",
                 headers: headers(nil, nil, [("A", "1")]), payload: Array("x".utf8), verb: "hmsg"),
            raw("info lower", "info {\"server_id\":\"S\",\"headers\":true}\r\n", .info({
                var i = ServerInfo()
                i.serverID = "S"
                i.headers = true
                return i
            }())),
        ]
    }

    /// `count` bytes containing every byte value, many CRLFs, CR/LF halves, and fake
    /// control lines, starting and ending with CRLF.
    static func bigPayload(count: Int, seed: UInt64 = 0xC0FFEE) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        var out: [UInt8] = [0x0D, 0x0A]
        out += (0...255).map { UInt8($0) }
        let fragments: [[UInt8]] = [
            [0x0D, 0x0A], [0x0D], [0x0A], [0x0D, 0x0D, 0x0A], Array("\r\nMSG x 1 2\r\n".utf8),
            Array("PING\r\n".utf8), Array("NATS/1.0\r\n\r\n".utf8),
        ]
        while out.count < count - 2 {
            if rng.below(8) == 0 {
                out += fragments[rng.below(fragments.count)]
            } else {
                out += rng.bytes(1 + rng.below(64))
            }
        }
        out = Array(out.prefix(count - 2)) + [0x0D, 0x0A]
        return out
    }

    static func concat(_ samples: [WireSample]) -> (wire: [UInt8], ops: [ServerOp], boundaries: [Int]) {
        var wire: [UInt8] = []
        var boundaries: [Int] = []
        for s in samples {
            boundaries.append(wire.count)
            wire += s.wire
        }
        boundaries.append(wire.count)
        return (wire, samples.map(\.op), boundaries)
    }
}
