import NATSWire
import NIOCore

extension FuzzTargets {
    /// `ServerOpParser` and `NATSHeaders.parse`: every input ends in operations or a
    /// `WireError`, the same whether it arrives whole or split in two, and always progresses.
    static let wire = FuzzTarget(
        "wire",
        seeds: [
            "INFO {\"server_id\":\"x\",\"max_payload\":1048576,\"connect_urls\":[\"10.0.0.1:4222\"]}\r\n",
            "MSG foo.bar 1 5\r\nhello\r\n", "MSG foo 12 _INBOX.abc 0\r\n\r\n",
            "HMSG $KV.b.k 3 $JS.ACK.KV_b.c.1.2.3.1795584467528691484.0 33 35\r\nNATS/1.0\r\nKV-Operation: DEL\r\n\r\nhi\r\n",
            "HMSG _INBOX.x 2 16 16\r\nNATS/1.0 503\r\n\r\n\r\n",
            "HMSG in 9 45 45\r\nNATS/1.0 100 FlowControl Request\r\nA: b\r\n\r\n\r\n",
            "PING\r\nPONG\r\n+OK\r\n-ERR 'Authorization Violation'\r\n",
        ],
        tokens: ["MSG ", "HMSG ", "INFO ", "PING\r\n", "PONG\r\n", "+OK\r\n", "-ERR ", "\r\n", "\r", "\n", " ", "\t",
                 "NATS/1.0", "NATS/1.0 503", " 100 Idle Heartbeat", "Nats-Last-Consumer: 1", ":", "{}", "\"", "é"],
        run: { bytes in
            // Small limits half of the time, so that the limit checks are reached too.
            let parser = bytes.count % 2 == 0
                ? ServerOpParser() : ServerOpParser(maxControlLine: 24, maxInfoLine: 48, maxMessageSize: 40)
            let whole = WireOutcome(bytes, parser: parser, cut: nil)
            let cut = bytes.isEmpty ? 0 : Int(bytes[bytes.count / 2]) % (bytes.count + 1)
            let split = WireOutcome(bytes, parser: parser, cut: cut)
            if let stuck = whole.stuck ?? split.stuck { return stuck }
            if whole != split { return "whole gave \(whole), split at \(cut) gave \(split)" }
            if let headers = try? NATSHeaders.parse(ByteBuffer(bytes: bytes)) {
                if headers.fields.count > NATSHeaders.maxFields { return "\(headers.fields.count) header fields" }
                if let status = headers.status, !(0...999).contains(status) { return "status \(status)" }
            }
            return nil
        })
}

/// The operations parsed from an input fed in one or two reads, and how it ended.
struct WireOutcome: Equatable, CustomStringConvertible {
    var ops: [ServerOp] = []
    var error: WireError?
    var leftover = 0
    /// Set when the parser returned an op without consuming anything (it would loop forever).
    var stuck: String?

    init(_ bytes: [UInt8], parser: ServerOpParser, cut: Int?) {
        var buffer = ByteBuffer()
        let chunks = cut.map { [bytes[..<$0], bytes[$0...]] } ?? [bytes[...]]
        for chunk in chunks {
            buffer.writeBytes(chunk)
            do {
                while true {
                    let before = buffer.readableBytes
                    guard let op = try parser.next(&buffer) else { break }
                    ops.append(op)
                    if buffer.readableBytes >= before {
                        stuck = "\(op) consumed nothing"
                        return
                    }
                }
            } catch {
                self.error = error
                return
            }
        }
        leftover = buffer.readableBytes
    }

    static func == (a: WireOutcome, b: WireOutcome) -> Bool {
        a.ops == b.ops && a.error == b.error && a.leftover == b.leftover
    }

    var description: String { "\(ops.count) ops, error \(error.map(\.description) ?? "none"), \(leftover) left" }
}
