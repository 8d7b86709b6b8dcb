import NATSWire
import NIOCore

/// One line per protocol op for the trace log: `>>>` for what the client sends, `<<<` for
/// what the server sends. Sizes, never payloads; CONNECT's credentials are masked.
enum ProtocolTrace {
    /// What replaces a credential in the trace.
    static let redacted = "[REDACTED]"

    static func publish(_ subject: String, replyTo: String?, headers: NATSHeaders?, payload: ByteBuffer) -> String {
        let reply = replyTo.map { " " + $0 } ?? ""
        guard let headers else { return ">>> PUB \(subject)\(reply) \(payload.readableBytes)" }
        let headerBytes = headers.encodedLength
        return ">>> HPUB \(subject)\(reply) \(headerBytes) \(headerBytes + payload.readableBytes)"
    }

    static func subscribe(_ subject: String, queue: String?, sid: UInt64) -> String {
        ">>> SUB \(subject)\(queue.map { " " + $0 } ?? "") \(sid)"
    }

    /// CONNECT's JSON as sent, with the user, password, token, user JWT and nonce signature
    /// (when given) replaced by `[REDACTED]`. A public nkey is no secret and is shown.
    static func connect(_ options: ConnectOptions) -> String {
        var shown = options
        if shown.user != nil { shown.user = redacted }
        if shown.password != nil { shown.password = redacted }
        if shown.token != nil { shown.token = redacted }
        if shown.jwt != nil { shown.jwt = redacted }
        if shown.sig != nil { shown.sig = redacted }
        return shown.json()
    }

    static func received(_ op: ServerOp) -> String {
        switch op {
        case .message(let m):
            let reply = m.replyTo.map { " " + $0 } ?? ""
            guard let headers = m.headers else { return "<<< MSG \(m.subject) \(m.sid)\(reply) \(m.size)" }
            let status = headers.status.map { " (status \($0))" } ?? ""
            return "<<< HMSG \(m.subject) \(m.sid)\(reply) \(headers.encodedLength) \(m.size)\(status)"
        case .info(let i):
            var line = "<<< INFO server_id=\(i.serverID) version=\(i.version) max_payload=\(i.maxPayload)"
            if i.jetstream { line += " jetstream" }
            if i.tlsRequired { line += " tls_required" }
            if i.authRequired { line += " auth_required" }
            if !i.connectURLs.isEmpty { line += " connect_urls=\(i.connectURLs.count)" }
            if i.lameDuckMode { line += " ldm" }
            return line
        case .ping: return "<<< PING"
        case .pong: return "<<< PONG"
        case .ok: return "<<< +OK"
        case .err(let text): return "<<< -ERR '\(text)'"
        }
    }
}
