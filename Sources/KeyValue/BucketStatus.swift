#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `kv status` shows of a bucket.
public struct BucketStatus: Sendable, Equatable {
    public var bucket: String
    public var description: String?
    /// Entries stored, history and markers included.
    public var values: UInt64
    public var history: Int
    public var ttlNanos: Int64?
    public var bytes: UInt64
    public var maxValueSize: Int32?
    public var maxBucketSize: Int64?
    public var storage: StorageKind
    public var replicas: Int
    public var compressed: Bool
    public var perKeyTTL: Bool
    public var limitMarkerTTLNanos: Int64?
    /// "JetStream" or "embedded".
    public var backingStore: String
    /// The JetStream stream (`KV_<bucket>`), nil for the embedded store.
    public var streamName: String?
    public var created: Date?
    /// Time of the last write, if known.
    public var lastUpdate: Date?
    public var cluster: ClusterInfo?

    public init(bucket: String, values: UInt64 = 0, history: Int = 1, bytes: UInt64 = 0,
                storage: StorageKind = .file, backingStore: String) {
        self.bucket = bucket
        self.values = values
        self.history = history
        self.bytes = bytes
        self.storage = storage
        self.replicas = 1
        self.compressed = false
        self.perKeyTTL = false
        self.backingStore = backingStore
    }
}

/// Cluster placement of a bucket's stream.
public struct ClusterInfo: Sendable, Equatable {
    public struct Replica: Sendable, Equatable {
        public var name: String
        public var current: Bool
        public var offline: Bool
        public var activeNanos: Int64
        public var lag: UInt64
        public init(name: String, current: Bool, offline: Bool, activeNanos: Int64, lag: UInt64) {
            self.name = name
            self.current = current
            self.offline = offline
            self.activeNanos = activeNanos
            self.lag = lag
        }
    }
    public var name: String?
    public var leader: String?
    public var replicas: [Replica]
    public init(name: String?, leader: String?, replicas: [Replica]) {
        self.name = name
        self.leader = leader
        self.replicas = replicas
    }
}
