// Streams: the configuration kvsh creates buckets with, and what STREAM.INFO, STREAM.NAMES and STREAM.LIST answer.

/// The part of a STREAM.INFO reply that opening a KV bucket needs (see `streamBrief`).
public struct StreamBrief: Sendable, Decodable {
    public struct Config: Sendable, Decodable {
        public var allowDirect: Bool?
        public var maxMsgsPerSubject: Int64?
        enum CodingKeys: String, CodingKey {
            case allowDirect = "allow_direct", maxMsgsPerSubject = "max_msgs_per_subject"
        }
    }
    public var config: Config
}

/// A stream's configuration; fields the server adds that kvsh does not use are dropped, so
/// this type only creates streams: updates start from the server's JSON (`updateStream`).
public struct StreamConfig: Sendable, Equatable, Codable {
    public var name: String
    public var description: String?
    public var subjects: [String]?
    public var retention: String? = "limits"
    public var maxConsumers: Int? = -1
    public var maxMsgs: Int64? = -1
    public var maxBytes: Int64? = -1
    public var discard: String? = "new"
    public var maxAge: Int64? = 0
    public var maxMsgsPerSubject: Int64?
    public var maxMsgSize: Int32? = -1
    public var storage: String? = "file"
    public var numReplicas: Int? = 1
    public var duplicateWindow: Int64?
    public var denyDelete: Bool?
    public var denyPurge: Bool?
    public var allowRollupHdrs: Bool?
    public var compression: String?
    public var allowDirect: Bool?
    public var mirrorDirect: Bool?
    public var allowMsgTTL: Bool?
    public var subjectDeleteMarkerTTL: Int64?
    public var metadata: [String: String]?
    public var placement: StreamPlacement?

    public init(name: String) { self.name = name }

    enum CodingKeys: String, CodingKey {
        case name, description, subjects, retention, discard, storage, compression, metadata, placement
        case maxConsumers = "max_consumers", maxMsgs = "max_msgs", maxBytes = "max_bytes"
        case maxAge = "max_age", maxMsgsPerSubject = "max_msgs_per_subject", maxMsgSize = "max_msg_size"
        case numReplicas = "num_replicas", duplicateWindow = "duplicate_window"
        case denyDelete = "deny_delete", denyPurge = "deny_purge", allowRollupHdrs = "allow_rollup_hdrs"
        case allowDirect = "allow_direct", mirrorDirect = "mirror_direct", allowMsgTTL = "allow_msg_ttl"
        case subjectDeleteMarkerTTL = "subject_delete_marker_ttl"
    }
}

/// Where a cluster puts a stream's replicas. Encoded as nats.go encodes it: `cluster` always
/// (`""` for any cluster), `tags` when there are some; the server may leave either out.
public struct StreamPlacement: Sendable, Equatable, Codable {
    public var cluster: String
    public var tags: [String]

    public init(cluster: String = "", tags: [String] = []) {
        self.cluster = cluster
        self.tags = tags
    }

    enum CodingKeys: String, CodingKey { case cluster, tags }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cluster = try container.decodeIfPresent(String.self, forKey: .cluster) ?? ""
        tags = try container.decodeIfPresent([String].self, forKey: .tags) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cluster, forKey: .cluster)
        if !tags.isEmpty { try container.encode(tags, forKey: .tags) }
    }
}

/// A STREAM.INFO reply decoded twice: as `StreamInfo` and, for its `config`, as raw JSON.
struct StreamInfoWithConfig: Decodable {
    var info: StreamInfo
    var config: [String: RawJSON]

    private enum Keys: String, CodingKey { case config }

    init(from decoder: any Decoder) throws {
        info = try StreamInfo(from: decoder)
        config = try decoder.container(keyedBy: Keys.self).decode([String: RawJSON].self, forKey: .config)
    }
}

public struct StreamState: Sendable, Equatable, Codable {
    public var messages: UInt64 = 0
    public var bytes: UInt64 = 0
    public var firstSeq: UInt64 = 0
    public var lastSeq: UInt64 = 0
    public var lastTime: String?
    public var consumerCount: Int = 0

    enum CodingKeys: String, CodingKey {
        case messages, bytes, firstSeq = "first_seq", lastSeq = "last_seq", lastTime = "last_ts"
        case consumerCount = "consumer_count"
    }
}

public struct PeerInfo: Sendable, Equatable, Codable {
    public var name: String
    public var current: Bool?
    public var offline: Bool?
    public var active: Int64?
    public var lag: UInt64?
}

public struct StreamClusterInfo: Sendable, Equatable, Codable {
    public var name: String?
    public var leader: String?
    public var replicas: [PeerInfo]?
}

public struct StreamInfo: Sendable, Equatable, Codable {
    public var config: StreamConfig
    public var created: String?
    public var state: StreamState
    public var cluster: StreamClusterInfo?
}

struct StreamNamesResponse: Decodable {
    var total: Int
    var offset: Int
    var limit: Int
    var streams: [String]?
}

struct StreamListResponse: Decodable {
    var total: Int
    var offset: Int
    var limit: Int
    var streams: [StreamInfo]?
}
