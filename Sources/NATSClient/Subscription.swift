import NATSWire
import NIOCore

/// Messages on one subject, in the order the server sent them. Iterate it; call
/// `unsubscribe()` (or let the connection close) to end it.
public final class Subscription: AsyncSequence, Sendable {
    public typealias Element = InboundMessage
    public let sid: UInt64
    public let subject: String
    let stream: AsyncThrowingStream<InboundMessage, any Error>
    let continuation: AsyncThrowingStream<InboundMessage, any Error>.Continuation
    private weak let connection: NATSConnection?

    init(sid: UInt64, subject: String, connection: NATSConnection) {
        self.sid = sid
        self.subject = subject
        self.connection = connection
        (stream, continuation) = AsyncThrowingStream.makeStream(bufferingPolicy: .unbounded)
    }

    public func makeAsyncIterator() -> AsyncThrowingStream<InboundMessage, any Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }

    /// Stops delivery and tells the server. Safe to call more than once.
    public func unsubscribe() {
        connection?.unsubscribe(sid: sid)
        continuation.finish()
    }
}
