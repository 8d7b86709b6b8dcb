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

/// A live watch: an async sequence of events that ends when the reader stops
/// (its task is cancelled or `stop()` is called) or when the backend fails for good.
/// Events are buffered up to a bound; a slow reader paces the backend.
public struct KeyWatch: AsyncSequence, Sendable {
    public typealias Element = WatchEvent
    private let queue: BoundedQueue<WatchEvent>

    /// Wraps the queue a backend fills; the backend stops when `send` returns false.
    public init(_ queue: BoundedQueue<WatchEvent>) { self.queue = queue }

    /// Ends the watch; the backend releases its consumer.
    public func stop() { queue.cancel() }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let queue: BoundedQueue<WatchEvent>
        public mutating func next() async throws -> WatchEvent? { try await queue.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: queue) }
}
