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
        publish(subject: subject, reply: replyTo.map { ($0, nil) }, headers: headers, payload: payload,
                into: &buffer)
    }

    /// `publish` with the reply subject `replyPrefix.replyIndex`, written without building
    /// a string per message (pipelined publishing sends thousands).
    public static func publish(subject: String, replyPrefix: String, replyIndex: Int,
                               headers: NATSHeaders? = nil, payload: ByteBuffer, into buffer: inout ByteBuffer) {
        publish(subject: subject, reply: (replyPrefix, replyIndex), headers: headers, payload: payload,
                into: &buffer)
    }

    private static func publish(subject: String, reply: (String, Int?)?, headers: NATSHeaders?,
                                payload: ByteBuffer, into buffer: inout ByteBuffer) {
        let body = payload.readableBytes
        let hlen = headers.map { $0.isEmpty ? 0 : $0.encodedLength } ?? 0
        buffer.writeStaticString(hlen > 0 ? "HPUB " : "PUB ")
        buffer.writeString(subject)
        buffer.writeStaticString(" ")
        if let (prefix, index) = reply {
            buffer.writeString(prefix)
            if let index {
                buffer.writeStaticString(".")
                writeDecimal(index, into: &buffer)
            }
            buffer.writeStaticString(" ")
        }
        if hlen > 0 {
            writeDecimal(hlen, into: &buffer)
            buffer.writeStaticString(" ")
            writeDecimal(hlen + body, into: &buffer)
            buffer.writeStaticString("\r\n")
            headers?.write(into: &buffer)
        } else {
            writeDecimal(body, into: &buffer)
            buffer.writeStaticString("\r\n")
        }
        var payload = payload
        buffer.writeBuffer(&payload)
        buffer.writeStaticString("\r\n")
    }

    /// A non-negative integer in decimal ASCII, without an intermediate String.
    static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        precondition(value >= 0, "sizes and indices are never negative")
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 20 digits, on the stack
        var count = 0
        var rest = UInt64(value)
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[raw.count - 1 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[(raw.count - count)...]))
        }
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

}

/// Fields of the `CONNECT` document. JetStream needs `headers` and `noResponders`.
public struct ConnectOptions: Sendable, Equatable {
    public var name: String?
    public var version: String = "0.1.0"
    public var tlsRequired = false
    public var user: String?
    public var password: String?
    public var token: String?
    /// The user JWT (decentralized auth); sent with `sig`.
    public var jwt: String?
    /// The user's public nkey (an nkey user); sent with `sig`.
    public var nkey: String?
    /// The signature of INFO's nonce, base64url without padding (nats.go's encoding; the
    /// signer makes the text).
    public var sig: String?
    public var echo = true

    public init() {}

    /// The JSON text. Hand-written so the hot path links no JSON encoder and the
    /// field order is stable for tests; appended, not joined: `joined(separator:)` ran as
    /// unspecialized generic code, 0.24 M instructions of a cold start.
    public func json() -> String {
        var out = "{\"verbose\":false,\"pedantic\":false,\"tls_required\":\(tlsRequired),\"lang\":\"swift\","
        out += "\"version\":" + Self.quote(version) + ",\"protocol\":1,\"echo\":\(echo),"
        out += "\"headers\":true,\"no_responders\":true"
        if let name { out += ",\"name\":" + Self.quote(name) }
        if let user { out += ",\"user\":" + Self.quote(user) }
        if let password { out += ",\"pass\":" + Self.quote(password) }
        if let token { out += ",\"auth_token\":" + Self.quote(token) }
        if let jwt { out += ",\"jwt\":" + Self.quote(jwt) }
        if let nkey { out += ",\"nkey\":" + Self.quote(nkey) }
        if let sig { out += ",\"sig\":" + Self.quote(sig) }
        return out + "}"
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
