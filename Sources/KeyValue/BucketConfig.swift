/// Where a bucket keeps its data.
public enum StorageKind: String, Sendable, Equatable, Codable {
    case file
    case memory
}

/// Where a cluster places a bucket's stream: natscli's `--cluster` and `--tags`. Only a
/// server has a cluster; the embedded store refuses any placement.
public struct Placement: Sendable, Equatable {
    /// The cluster by name; nil lets the server choose.
    public var cluster: String?
    /// Tags every server holding a replica must have.
    public var tags: [String]

    public init(cluster: String? = nil, tags: [String] = []) {
        self.cluster = cluster
        self.tags = tags
    }
}

/// Settings of a new bucket. Limits use `nil` for "unlimited".
public struct BucketConfig: Sendable, Equatable {
    public var bucket: String
    public var description: String?
    /// Revisions kept per key, 1...64.
    public var history: Int = 1
    /// Maximum age of an entry in nanoseconds; nil keeps entries forever.
    public var ttlNanos: Int64?
    /// Largest value in bytes.
    public var maxValueSize: Int32?
    /// Largest total size of the bucket in bytes.
    public var maxBucketSize: Int64?
    public var storage: StorageKind = .file
    public var replicas: Int = 1
    public var compression = false
    /// nil: wherever the server puts new streams.
    public var placement: Placement?
    /// How long the markers of expired and purged keys stay, in nanoseconds (at least 1 s);
    /// set, the bucket also takes a TTL per key (`Nats-TTL`, server 2.11). nil: neither.
    public var limitMarkerTTLNanos: Int64?

    /// The shortest marker TTL a server accepts.
    public static let minimumLimitMarkerTTLNanos: Int64 = 1_000_000_000

    /// The largest history a bucket can keep.
    public static let maxHistory = 64

    public init(bucket: String) { self.bucket = bucket }

    /// Checks the settings before anything is written.
    public func validate() throws(KeyValueError) {
        try KeyNames.validateBucket(bucket)
        guard history >= 1 else { throw .invalidConfig("history must be at least 1") }
        guard history <= Self.maxHistory else { throw .invalidConfig("history limited to a max of 64") }
        if let ttlNanos, ttlNanos < 0 { throw .invalidConfig("ttl must not be negative") }
        if let maxValueSize, maxValueSize < 1 { throw .invalidConfig("max value size must be positive") }
        if let maxBucketSize, maxBucketSize < 1 { throw .invalidConfig("max bucket size must be positive") }
        guard (1...5).contains(replicas) else { throw .invalidConfig("replicas must be between 1 and 5") }
        if let marker = limitMarkerTTLNanos, marker < Self.minimumLimitMarkerTTLNanos {
            throw .invalidConfig("limit marker TTL must be at least 1s")
        }
        if let placement {
            if placement.cluster?.isEmpty == true { throw .invalidConfig("placement cluster name must not be empty") }
            if placement.tags.contains("") { throw .invalidConfig("placement tags must not be empty") }
        }
    }
}
