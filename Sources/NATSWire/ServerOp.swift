import NIOCore

/// A message delivered by `MSG` or `HMSG`.
public struct InboundMessage: Sendable, Equatable {
    public var subject: String
    public var sid: UInt64
    public var replyTo: String?
    /// Present for `HMSG` only.
    public var headers: NATSHeaders?
    public var payload: ByteBuffer
    /// Bytes of headers and payload on the wire (the `MSG`/`HMSG` size), which is what a
    /// subscription's pending-bytes limit counts. Not part of equality.
    public var size: Int

    public init(subject: String, sid: UInt64, replyTo: String? = nil,
                headers: NATSHeaders? = nil, payload: ByteBuffer, size: Int? = nil) {
        self.subject = subject
        self.sid = sid
        self.replyTo = replyTo
        self.headers = headers
        self.payload = payload
        self.size = size ?? payload.readableBytes + (headers?.encodedLength ?? 0)
    }

    public static func == (a: InboundMessage, b: InboundMessage) -> Bool {
        a.subject == b.subject && a.sid == b.sid && a.replyTo == b.replyTo && a.headers == b.headers
            && a.payload == b.payload
    }
}

/// One operation sent by the server.
public enum ServerOp: Sendable, Equatable {
    case info(ServerInfo)
    case message(InboundMessage)
    case ping
    case pong
    case ok
    /// `-ERR '<text>'`: the text without its quotes, and its kind.
    case err(ServerError)
}
