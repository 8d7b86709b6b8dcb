/// `$JS.API.INFO`.
public struct AccountInfo: Sendable, Equatable, Codable {
    public struct Limits: Sendable, Equatable, Codable {
        public var maxMemory: Int64 = -1
        public var maxStorage: Int64 = -1
        public var maxStreams: Int = -1
        public var maxConsumers: Int = -1
        enum CodingKeys: String, CodingKey {
            case maxMemory = "max_memory", maxStorage = "max_storage", maxStreams = "max_streams"
            case maxConsumers = "max_consumers"
        }
    }
    public struct API: Sendable, Equatable, Codable {
        public var level: Int?
        public var total: UInt64 = 0
        public var errors: UInt64 = 0
    }
    public var memory: UInt64 = 0
    public var storage: UInt64 = 0
    public var streams: Int = 0
    public var consumers: Int = 0
    public var limits: Limits = Limits()
    public var api: API?
    public var domain: String?
}
