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
    let queue: MessageQueue
    private weak let connection: NATSConnection?

    init(sid: UInt64, subject: String, limits: PendingLimits, connection: NATSConnection) {
        self.sid = sid
        self.subject = subject
        self.queue = MessageQueue(subject: subject, limits: limits)
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

/// How far a subscription's reader may fall behind before the subscription ends with
/// `NATSError.slowConsumer` (nats.go's pending limits, with its defaults). Flow control keeps
/// a JetStream consumer far below them; they stop a reader that stalled on a plain subject,
/// or a peer that floods, from growing memory without bound.
public struct PendingLimits: Sendable, Equatable {
    /// Messages received and not yet read.
    public var messages: Int
    /// Their `InboundMessage.size` in total.
    public var bytes: Int

    public init(messages: Int, bytes: Int) {
        self.messages = Swift.max(1, messages)
        self.bytes = Swift.max(1, bytes)
    }

    /// 512 Ki messages, 64 MiB.
    public static let standard = PendingLimits(messages: 512 * 1024, bytes: 64 << 20)
}

/// A subscription's buffer between the connection (which must never wait) and its one
/// reader, bounded by `PendingLimits` (flow control bounds a JetStream consumer well below
/// them). Hand-written rather than an `AsyncThrowingStream` because a reader takes a whole
/// burst under one lock, and the stream's unspecialized generic code cost a metadata lookup
/// per message.
final class MessageQueue: Sendable {
    private struct State {
        var messages: [InboundMessage] = []
        var head = 0
        /// Sum of `size` of the messages from `head` on.
        var bytes = 0
        var finished = false
        var failure: (any Error)?
        var waiter: UnsafeContinuation<Void, Never>?
    }

    enum PushOutcome { case accepted, readerGone, overflowed }

    private let state = Mutex(State())
    private let subject: String
    private let limits: PendingLimits

    init(subject: String = "", limits: PendingLimits = .standard) {
        self.subject = subject
        self.limits = limits
    }

    /// Adds a message. Past the limits the queue ends instead (the reader gets what was
    /// buffered, then `slowConsumer`) and the message is dropped.
    @discardableResult
    func push(_ message: InboundMessage) -> PushOutcome {
        let (outcome, waiter) = state.withLock { s -> (PushOutcome, UnsafeContinuation<Void, Never>?) in
            guard !s.finished else { return (.readerGone, nil) }
            defer { s.waiter = nil }
            guard s.messages.count - s.head < limits.messages, message.size <= limits.bytes - s.bytes else {
                s.finished = true
                s.failure = NATSError.slowConsumer(subject: subject, limits: limits)
                return (.overflowed, s.waiter)
            }
            s.messages.append(message)
            s.bytes += message.size
            return (.accepted, s.waiter)
        }
        waiter?.resume()
        return outcome
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
            s.bytes -= s.messages[s.head].size
            return s.messages[s.head]
        }
    }

    /// Up to `limit` buffered messages, waiting for the first; nil at the end.
    func next(limit: Int) async throws -> [InboundMessage]? {
        try await take { s in
            let end = s.head + Swift.min(s.messages.count - s.head, limit)
            defer { s.head = end }
            for i in s.head..<end { s.bytes -= s.messages[i].size }
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
                        s.bytes = 0
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
