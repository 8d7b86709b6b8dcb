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

/// A live watch: an async sequence of events that stops when cancelled or when
/// the backend fails for good.
public struct KeyWatch: AsyncSequence, Sendable {
    public typealias Element = WatchEvent
    private let stream: AsyncThrowingStream<WatchEvent, any Error>

    public init(_ stream: AsyncThrowingStream<WatchEvent, any Error>) { self.stream = stream }

    public func makeAsyncIterator() -> AsyncThrowingStream<WatchEvent, any Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }
}
