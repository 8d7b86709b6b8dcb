import NATSWire
import NIOCore
import Synchronization

/// Messages on one subject, in the order the server sent them. Iterate it, or read it in
/// bursts with `batches()`; call `unsubscribe()` (or let the connection close) to end it.
public final class Subscription: AsyncSequence, Sendable {
    public typealias Element = InboundMessage
    public let sid: UInt64
    public let subject: String
    let stream: AsyncThrowingStream<InboundMessage, any Error>
    let continuation: AsyncThrowingStream<InboundMessage, any Error>.Continuation
    /// Messages counted by the connection before it puts them in `stream` and not yet
    /// taken by a `BatchIterator`: those can be read without waiting.
    let backlog = Atomic<Int>(0)
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

    /// Reads the messages in bursts: each step waits for one message and returns it with
    /// every message already buffered behind it (up to `limit`), so a reader that fell
    /// idle wakes once per burst rather than once per message. Use either this or the
    /// plain iterator on one subscription, not both.
    public func batches(limit: Int = 1024) -> BatchIterator {
        BatchIterator(subscription: self, base: stream.makeAsyncIterator(), limit: Swift.max(1, limit))
    }

    public struct BatchIterator {
        let subscription: Subscription
        var base: AsyncThrowingStream<InboundMessage, any Error>.AsyncIterator
        let limit: Int
        var failure: (any Error)?

        /// The next messages in order, at least one; nil at the end.
        public mutating func next() async throws -> [InboundMessage]? {
            if let failure {
                self.failure = nil
                throw failure
            }
            guard let first = try await base.next() else { return nil }
            var batch = [first]
            // The connection counts a message before yielding it, so `first` is counted and
            // the others counted are buffered (or being yielded at this moment).
            let ready = Swift.min(subscription.backlog.load(ordering: .acquiring), limit)
            batch.reserveCapacity(Swift.max(1, ready))
            do {
                while batch.count < ready, let msg = try await base.next() { batch.append(msg) }
            } catch {
                failure = error // after the messages that came before it
            }
            subscription.backlog.subtract(batch.count, ordering: .relaxed)
            return batch
        }
    }

    /// Stops delivery and tells the server. Safe to call more than once.
    public func unsubscribe() {
        connection?.unsubscribe(sid: sid)
        continuation.finish()
    }
}
