import NATSWire
import NIOCore
import Synchronization

/// Messages on one subject, in the order the server sent them. Iterate it, or read it in
/// bursts with `batches()`; call `unsubscribe()` (or let the connection close) to end it.
/// Cancelling the task that waits for a message ends the subscription's delivery too.
public final class Subscription: AsyncSequence, Sendable {
    public typealias Element = InboundMessage
    public let sid: UInt64
    public let subject: String
    let queue = MessageQueue()
    private weak let connection: NATSConnection?

    init(sid: UInt64, subject: String, connection: NATSConnection) {
        self.sid = sid
        self.subject = subject
        self.connection = connection
    }

    public struct Iterator: AsyncIteratorProtocol {
        let queue: MessageQueue
        /// The next message; nil once the subscription ended (or throws the connection's
        /// reason after the messages that came before it).
        public mutating func next() async throws -> InboundMessage? {
            try await queue.next()
        }
    }

    public func makeAsyncIterator() -> Iterator { Iterator(queue: queue) }

    /// Reads the messages in bursts: each step waits for one message and returns it with
    /// every message already buffered behind it (up to `limit`), so a reader that fell
    /// idle wakes once per burst rather than once per message. Use either this or the
    /// plain iterator on one subscription, not both.
    public func batches(limit: Int = 1024) -> BatchIterator {
        BatchIterator(queue: queue, limit: Swift.max(1, limit))
    }

    public struct BatchIterator {
        let queue: MessageQueue
        let limit: Int

        /// The next messages in order, at least one; nil at the end.
        public mutating func next() async throws -> [InboundMessage]? {
            try await queue.next(limit: limit)
        }
    }

    /// Stops delivery and tells the server. Safe to call more than once.
    public func unsubscribe() {
        connection?.unsubscribe(sid: sid)
        queue.finish()
    }
}

/// A subscription's buffer between the connection (which must never wait, so it is
/// unbounded; flow control bounds it one level up) and its one reader. Hand-written rather
/// than an `AsyncThrowingStream` because a reader takes a whole burst under one lock, and
/// the stream's unspecialized generic code cost a metadata lookup per message.
final class MessageQueue: Sendable {
    private struct State {
        var messages: [InboundMessage] = []
        var head = 0
        var finished = false
        var failure: (any Error)?
        var waiter: UnsafeContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Adds a message; false when the reader is gone.
    @discardableResult
    func push(_ message: InboundMessage) -> Bool {
        let (accepted, waiter) = state.withLock { s -> (Bool, UnsafeContinuation<Void, Never>?) in
            guard !s.finished else { return (false, nil) }
            s.messages.append(message)
            defer { s.waiter = nil }
            return (true, s.waiter)
        }
        waiter?.resume()
        return accepted
    }

    /// Ends delivery after the buffered messages; `error` is thrown to the reader after them.
    func finish(throwing error: (any Error)? = nil) {
        let waiter = state.withLock { s -> UnsafeContinuation<Void, Never>? in
            guard !s.finished else { return nil }
            s.finished = true
            s.failure = error
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    /// The next buffered message, waiting for one; nil at the end.
    func next() async throws -> InboundMessage? {
        try await take { s in
            defer { s.head += 1 }
            return s.messages[s.head]
        }
    }

    /// Up to `limit` buffered messages, waiting for the first; nil at the end.
    func next(limit: Int) async throws -> [InboundMessage]? {
        try await take { s in
            let end = s.head + Swift.min(s.messages.count - s.head, limit)
            defer { s.head = end }
            return Array(s.messages[s.head..<end])
        }
    }

    /// Runs `body` under the lock once a message is buffered (it advances `head`); nil
    /// once finished and drained, after throwing the failure if there is one.
    private func take<R>(_ body: (inout State) -> R) async throws -> R? {
        while true {
            let outcome = state.withLock { s -> Result<R?, any Error>? in
                if s.head < s.messages.count {
                    let taken = body(&s)
                    if s.head == s.messages.count {
                        s.messages.removeAll(keepingCapacity: true)
                        s.head = 0
                    } else if s.head >= 4096 && s.head * 2 >= s.messages.count {
                        s.messages.removeFirst(s.head)
                        s.head = 0
                    }
                    return .success(taken)
                }
                guard s.finished else { return nil }
                if let failure = s.failure {
                    s.failure = nil
                    return .failure(failure)
                }
                return .success(nil)
            }
            if let outcome { return try outcome.get() }
            await waitForMore()
        }
    }

    private func waitForMore() async {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let wakeNow = state.withLock { s -> Bool in
                    if s.head < s.messages.count || s.finished { return true }
                    s.waiter = continuation
                    return false
                }
                if wakeNow { continuation.resume() }
            }
        } onCancel: {
            finish()
        }
    }
}
