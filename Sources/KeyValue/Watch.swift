/// How a watch starts and what it reports.
public struct WatchOptions: Sendable, Equatable {
    /// Every retained revision, not only the latest per key.
    public var includeHistory = false
    /// No initial values; only changes made after the watch starts.
    public var updatesOnly = false
    /// Skip delete and purge markers.
    public var ignoreDeletes = false
    /// Keys and revisions only; values arrive empty.
    public var metaOnly = false
    /// Start at this revision (inclusive) instead of the latest values.
    public var fromRevision: UInt64?

    public init(includeHistory: Bool = false, updatesOnly: Bool = false, ignoreDeletes: Bool = false,
                metaOnly: Bool = false, fromRevision: UInt64? = nil) {
        self.includeHistory = includeHistory
        self.updatesOnly = updatesOnly
        self.ignoreDeletes = ignoreDeletes
        self.metaOnly = metaOnly
        self.fromRevision = fromRevision
    }
}

/// What a watch yields.
public enum WatchEvent: Sendable, Equatable {
    case entry(Entry)
    /// Every initial value has been delivered; what follows is live. Sent exactly once,
    /// at once for an empty bucket and for `updatesOnly`.
    case initialValuesDone
}

/// A live watch: an async sequence of events that ends when the reader stops (its task is
/// cancelled, `stop()` is called, or the last copy of the watch and of its iterators is
/// dropped), when its store closes, or when the backend fails for good.
/// Events are buffered up to a bound; a slow reader paces the backend.
public struct KeyWatch: AsyncSequence, Sendable {
    public typealias Element = WatchEvent
    private let lifetime: Lifetime

    /// Wraps the queue a backend fills; the backend stops when `send` returns false.
    public init(_ queue: BoundedQueue<WatchEvent>) { lifetime = Lifetime(queue) }

    /// A watch whose events `pump` sends to the queue it is given, on a task of `owner` (the
    /// store's, which cancels and awaits it when the store closes). The task is cancelled when
    /// the reader stops; either way a `send` under way returns false and the queue ends after
    /// what it holds. Nil when `owner` is closed: nothing was started. The pump runs on
    /// `executor` when one is given: a backend's connection, so that a delivery reaches the
    /// pump without waking a thread of the pool.
    public static func pumped(by owner: TaskSet, on executor: (any TaskExecutor)? = nil, capacity: Int = 256,
                              _ pump: @escaping @Sendable (BoundedQueue<WatchEvent>) async -> Void) -> KeyWatch? {
        let queue = BoundedQueue<WatchEvent>(capacity: capacity)
        let task = owner.start(on: executor) {
            await withTaskCancellationHandler { await pump(queue) } onCancel: { queue.finish() }
        }
        guard let task else { return nil }
        // When the reader stops, end the pump now instead of at its next event, which may be never.
        queue.onCancel { task.cancel() }
        return KeyWatch(queue)
    }

    /// Ends the watch; the backend releases its consumer.
    public func stop() { lifetime.queue.cancel() }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let lifetime: Lifetime
        public mutating func next() async throws -> WatchEvent? { try await lifetime.queue.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(lifetime: lifetime) }

    /// Shared by a watch's copies and iterators: when the last goes, the reader has gone.
    final class Lifetime: Sendable {
        let queue: BoundedQueue<WatchEvent>
        init(_ queue: BoundedQueue<WatchEvent>) { self.queue = queue }
        deinit { queue.cancel() }
    }
}
