import NIOCore

/// A message delivered by `MSG` or `HMSG`.
public struct InboundMessage: Sendable, Equatable {
    public var subject: String
    public var sid: UInt64
    public var replyTo: String?
    /// Present for `HMSG` only.
    public var headers: NATSHeaders?
    public var payload: ByteBuffer

    public init(subject: String, sid: UInt64, replyTo: String? = nil,
                headers: NATSHeaders? = nil, payload: ByteBuffer) {
        self.subject = subject
        self.sid = sid
        self.replyTo = replyTo
        self.headers = headers
        self.payload = payload
    }
}

/// One operation sent by the server.
public enum ServerOp: Sendable, Equatable {
    case info(ServerInfo)
    case message(InboundMessage)
    case ping
    case pong
    case ok
    /// `-ERR '<text>'`, quotes removed.
    case err(String)
}
