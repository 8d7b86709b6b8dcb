/// A place that holds buckets: a NATS account or an embedded file.
public protocol KeyValueStore: Sendable {
    /// Creates a bucket, or returns the existing one when its settings are identical.
    func createBucket(_ config: BucketConfig) async throws -> BucketStatus
    /// Opens an existing bucket; throws `KeyValueError.bucketNotFound`.
    func bucket(_ name: String) async throws -> any KeyValueBucket
    /// A handle that finds out whether the bucket exists at its first operation instead of
    /// now: every operation then throws what `bucket(_:)` would have. Spares a one-shot
    /// write a round trip on a server.
    func lazyBucket(_ name: String) async throws -> any KeyValueBucket
    /// Removes a bucket and all its data.
    func deleteBucket(_ name: String) async throws
    /// Status of every bucket, sorted by name.
    func bucketStatuses() async throws -> [BucketStatus]
    /// Ends the store's watches (each reader gets what was buffered, then the end) and waits for
    /// their backends to stop, then releases connections and files.
    func close() async
}

/// One bucket. Every write returns the revision it was stored at.
public protocol KeyValueBucket: Sendable {
    var name: String { get }
    func status() async throws -> BucketStatus
    /// Stores a value whatever the key holds.
    func put(_ key: String, _ value: [UInt8]) async throws -> UInt64
    /// The latest entry, or the entry at `revision`; deleted keys are `keyNotFound`.
    func get(_ key: String, revision: UInt64?) async throws -> Entry
    /// Stores only when the key has no value (never written, deleted or purged).
    func create(_ key: String, _ value: [UInt8]) async throws -> UInt64
    /// Stores only when `revision` is the key's latest revision.
    func update(_ key: String, _ value: [UInt8], revision: UInt64) async throws -> UInt64
    /// Writes a delete marker, guarded by `revision` when given. Deleting a missing key succeeds.
    func delete(_ key: String, revision: UInt64?) async throws -> UInt64
    /// Removes every revision of the key, leaving one purge marker.
    func purge(_ key: String, revision: UInt64?) async throws -> UInt64
    /// Every retained revision of a key, oldest first; `keyNotFound` when there is none.
    func history(_ key: String) async throws -> [Entry]
    /// Keys with a live value, sorted, matching any of `filters` (all keys when empty).
    func keys(filters: [String]) async throws -> [String]
    /// Latest values then live changes for keys matching `filters` (all when empty).
    func watch(filters: [String], options: WatchOptions) async throws -> KeyWatch
    /// `create` with a per-key TTL (nil: none), for a bucket that allows them. The default
    /// throws `KeyValueError.invalidConfig` for a TTL: the store cannot honour one.
    func create(_ key: String, _ value: [UInt8], ttl: Duration?) async throws -> UInt64
    /// `update` with a per-key TTL, sent again with every write that should extend it.
    func update(_ key: String, _ value: [UInt8], revision: UInt64, ttl: Duration?) async throws -> UInt64
    /// Stores many values, in order; backends may pipeline. Returns each revision.
    func putAll(_ items: [(key: String, value: [UInt8])]) async throws -> [UInt64]
}

extension KeyValueStore {
    /// Where opening costs nothing worth saving, the checked handle.
    public func lazyBucket(_ name: String) async throws -> any KeyValueBucket {
        try await bucket(name)
    }
}

extension KeyValueBucket {
    public func create(_ key: String, _ value: [UInt8], ttl: Duration?) async throws -> UInt64 {
        guard ttl == nil else { throw KeyValueError.invalidConfig(KeyValueError.perKeyTTLUnsupported) }
        return try await create(key, value)
    }

    public func update(_ key: String, _ value: [UInt8], revision: UInt64, ttl: Duration?) async throws -> UInt64 {
        guard ttl == nil else { throw KeyValueError.invalidConfig(KeyValueError.perKeyTTLUnsupported) }
        return try await update(key, value, revision: revision)
    }

    public func putAll(_ items: [(key: String, value: [UInt8])]) async throws -> [UInt64] {
        var revisions: [UInt64] = []
        revisions.reserveCapacity(items.count)
        for item in items { revisions.append(try await put(item.key, item.value)) }
        return revisions
    }
}
