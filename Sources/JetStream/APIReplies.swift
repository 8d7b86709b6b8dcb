// The envelope every JetStream API reply shares, and the replies that carry only a result.

struct ErrorEnvelope: Decodable {
    var error: APIError?
}

struct SuccessResponse: Decodable {
    var success: Bool
}

struct PurgeResponse: Decodable {
    var success: Bool
    var purged: UInt64?
}
