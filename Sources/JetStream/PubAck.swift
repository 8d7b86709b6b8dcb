/// Reply to a JetStream publish.
public struct PubAck: Sendable, Equatable, Codable {
    public var stream: String
    public var seq: UInt64
    public var duplicate: Bool?
    public var domain: String?
}

struct PubAckEnvelope: Decodable {
    var stream: String?
    var seq: UInt64?
    var duplicate: Bool?
    var domain: String?
    var error: APIError?
}
