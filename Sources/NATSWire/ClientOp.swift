import NIOCore

/// Encoders for the operations a client sends. Each appends one complete operation.
public enum ClientOp {
    public static func connect(_ options: ConnectOptions, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("CONNECT ")
        buffer.writeString(options.json())
        buffer.writeStaticString("\r\n")
    }

    /// `PUB`, or `HPUB` when `headers` is non-empty.
    public static func publish(subject: String, replyTo: String? = nil, headers: NATSHeaders? = nil,
                               payload: ByteBuffer, into buffer: inout ByteBuffer) {
        let body = payload.readableBytes
        if let headers, !headers.isEmpty {
            let hlen = headers.encodedLength
            buffer.writeStaticString("HPUB ")
            writeSubjectAndReply(subject, replyTo, into: &buffer)
            buffer.writeString("\(hlen) \(hlen + body)\r\n")
            headers.write(into: &buffer)
        } else {
            buffer.writeStaticString("PUB ")
            writeSubjectAndReply(subject, replyTo, into: &buffer)
            buffer.writeString("\(body)\r\n")
        }
        var payload = payload
        buffer.writeBuffer(&payload)
        buffer.writeStaticString("\r\n")
    }

    /// Size in bytes that `publish` counts against the server's `max_payload`.
    public static func payloadSize(headers: NATSHeaders?, payload: Int) -> Int {
        guard let headers, !headers.isEmpty else { return payload }
        return headers.encodedLength + payload
    }

    public static func subscribe(subject: String, queue: String? = nil, sid: UInt64,
                                 into buffer: inout ByteBuffer) {
        buffer.writeStaticString("SUB ")
        buffer.writeString(subject)
        if let queue { buffer.writeString(" " + queue) }
        buffer.writeString(" \(sid)\r\n")
    }

    public static func unsubscribe(sid: UInt64, max: Int? = nil, into buffer: inout ByteBuffer) {
        if let max {
            buffer.writeString("UNSUB \(sid) \(max)\r\n")
        } else {
            buffer.writeString("UNSUB \(sid)\r\n")
        }
    }

    public static func ping(into buffer: inout ByteBuffer) { buffer.writeStaticString("PING\r\n") }
    public static func pong(into buffer: inout ByteBuffer) { buffer.writeStaticString("PONG\r\n") }

    private static func writeSubjectAndReply(_ subject: String, _ reply: String?, into buffer: inout ByteBuffer) {
        buffer.writeString(subject)
        buffer.writeStaticString(" ")
        if let reply {
            buffer.writeString(reply)
            buffer.writeStaticString(" ")
        }
    }
}

/// Fields of the `CONNECT` document. JetStream needs `headers` and `noResponders`.
public struct ConnectOptions: Sendable, Equatable {
    public var name: String?
    public var version: String = "0.1.0"
    public var tlsRequired = false
    public var user: String?
    public var password: String?
    public var token: String?
    public var echo = true

    public init() {}

    /// The JSON text. Hand-written so the hot path links no JSON encoder and the
    /// field order is stable for tests.
    public func json() -> String {
        var parts = [
            "\"verbose\":false", "\"pedantic\":false", "\"tls_required\":\(tlsRequired)",
            "\"lang\":\"swift\"", "\"version\":\(Self.quote(version))", "\"protocol\":1",
            "\"echo\":\(echo)", "\"headers\":true", "\"no_responders\":true",
        ]
        if let name { parts.append("\"name\":\(Self.quote(name))") }
        if let user { parts.append("\"user\":\(Self.quote(user))") }
        if let password { parts.append("\"pass\":\(Self.quote(password))") }
        if let token { parts.append("\"auth_token\":\(Self.quote(token))") }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// A JSON string literal.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
