// Consumers: the configuration of the ordered consumers a watch uses, and CONSUMER.INFO.

public struct ConsumerConfig: Sendable, Equatable, Codable {
    public var name: String?
    public var deliverSubject: String?
    public var deliverPolicy: String = "all"
    public var optStartSeq: UInt64?
    public var ackPolicy: String = "none"
    public var ackWait: Int64?
    public var maxDeliver: Int?
    public var filterSubject: String?
    public var filterSubjects: [String]?
    public var replayPolicy: String = "instant"
    public var flowControl: Bool?
    public var idleHeartbeat: Int64?
    public var headersOnly: Bool?
    public var inactiveThreshold: Int64?
    public var numReplicas: Int?
    public var memStorage: Bool?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case name, deliverSubject = "deliver_subject", deliverPolicy = "deliver_policy"
        case optStartSeq = "opt_start_seq", ackPolicy = "ack_policy", ackWait = "ack_wait"
        case maxDeliver = "max_deliver", filterSubject = "filter_subject", filterSubjects = "filter_subjects"
        case replayPolicy = "replay_policy", flowControl = "flow_control", idleHeartbeat = "idle_heartbeat"
        case headersOnly = "headers_only", inactiveThreshold = "inactive_threshold"
        case numReplicas = "num_replicas", memStorage = "mem_storage"
    }
}

struct CreateConsumerRequest: Encodable {
    var streamName: String
    var config: ConsumerConfig
    enum CodingKeys: String, CodingKey { case streamName = "stream_name", config }
}

public struct ConsumerInfo: Sendable, Equatable, Codable {
    public struct SequenceInfo: Sendable, Equatable, Codable {
        public var consumerSeq: UInt64
        public var streamSeq: UInt64
        enum CodingKeys: String, CodingKey { case consumerSeq = "consumer_seq", streamSeq = "stream_seq" }
    }
    public var name: String
    public var delivered: SequenceInfo
    public var numPending: UInt64

    enum CodingKeys: String, CodingKey { case name, delivered, numPending = "num_pending" }
}
