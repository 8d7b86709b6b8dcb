/// The `error` object of a JetStream API reply.
public struct APIError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The HTTP-like status: 400, 404, 503…
    public let code: Int
    /// What went wrong, as the server numbers it (`err_code`).
    public let errCode: APIErrorCode
    /// The server's text.
    public let errorDescription: String
    /// For `wrongLastSequence` (10071), the subject's last sequence, which the server gives
    /// only in its text (`wrong last sequence: 14`); nil for any other code, and for
    /// `wrongLastSequenceConstant` (10164), whose text has no number.
    public let lastSequence: UInt64?

    enum CodingKeys: String, CodingKey {
        case code, errCode = "err_code", errorDescription = "description"
    }

    public init(code: Int, errCode: APIErrorCode, description: String) {
        self.code = code
        self.errCode = errCode
        self.errorDescription = description
        self.lastSequence = errCode == .wrongLastSequence ? Self.lastSequence(in: description) : nil
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(code: try c.decode(Int.self, forKey: .code),
                  errCode: APIErrorCode(rawValue: try c.decode(Int.self, forKey: .errCode)),
                  description: try c.decode(String.self, forKey: .errorDescription))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code)
        try c.encode(errCode.rawValue, forKey: .errCode)
        try c.encode(errorDescription, forKey: .errorDescription)
    }

    /// nats.go's wording, without its `nats: `.
    public var description: String {
        "API error: code=\(code) err_code=\(errCode.rawValue) description=\(errorDescription)"
    }

    /// The number after the last colon of `wrong last sequence: N`; nil when there is none.
    static func lastSequence(in text: String) -> UInt64? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let digits = text[text.index(after: colon)...].drop { $0 == " " }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return UInt64(digits)
    }
}

/// JetStream's API error codes (`err_code`), named after the server's constants
/// (nats-server `errors.json`). Codes kvsh has no name for stay `other(code)`, so every code
/// goes back out as it came in.
public enum APIErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// 10008 `JSClusterNotAvailErr`: JetStream system temporarily unavailable.
    case clusterNotAvailable
    /// 10023 `JSInsufficientResourcesErr`.
    case insufficientResources
    /// 10026 `JSMaximumConsumersLimitErr`.
    case maximumConsumersLimit
    /// 10037 `JSNoMessageFoundErr`.
    case noMessageFound
    /// 10039 `JSNotEnabledForAccountErr`.
    case notEnabledForAccount
    /// 10054 `JSStreamMessageExceedsMaximumErr`: message size exceeds maximum allowed.
    case messageExceedsMaximum
    /// 10058 `JSStreamNameExistErr`: stream name already in use with a different configuration.
    case streamNameInUse
    /// 10059 `JSStreamNotFoundErr`.
    case streamNotFound
    /// 10071 `JSStreamWrongLastSequenceErrF`: `wrong last sequence: {seq}`.
    case wrongLastSequence
    /// 10076 `JSNotEnabledErr`.
    case notEnabled
    /// 10077 `JSStreamStoreFailedF`: the store refused the message (e.g. maximum bytes exceeded).
    case streamStoreFailed
    /// 10138 `JSConsumerOverlappingSubjectFilters`.
    case overlappingFilterSubjects
    /// 10164 `JSStreamWrongLastSequenceConstantErr`: `wrong last sequence`, sent instead of
    /// 10071 for replicated streams.
    case wrongLastSequenceConstant
    /// A code without a name here.
    case other(Int)

    private static let named: [APIErrorCode] = [
        .clusterNotAvailable, .insufficientResources, .maximumConsumersLimit, .noMessageFound, .notEnabledForAccount,
        .messageExceedsMaximum, .streamNameInUse, .streamNotFound, .wrongLastSequence, .notEnabled,
        .streamStoreFailed, .overlappingFilterSubjects, .wrongLastSequenceConstant,
    ]

    /// The named case for `rawValue`, else `other(rawValue)`. Make codes with this: a `switch`
    /// matches cases, so an `other(10059)` made by hand would not match `.streamNotFound`.
    public init(rawValue: Int) {
        self = Self.named.first { $0.rawValue == rawValue } ?? .other(rawValue)
    }

    public var rawValue: Int {
        switch self {
        case .clusterNotAvailable: 10008
        case .insufficientResources: 10023
        case .maximumConsumersLimit: 10026
        case .noMessageFound: 10037
        case .notEnabledForAccount: 10039
        case .messageExceedsMaximum: 10054
        case .streamNameInUse: 10058
        case .streamNotFound: 10059
        case .wrongLastSequence: 10071
        case .notEnabled: 10076
        case .streamStoreFailed: 10077
        case .overlappingFilterSubjects: 10138
        case .wrongLastSequenceConstant: 10164
        case .other(let code): code
        }
    }

    /// By number: `other(10059)` is `streamNotFound`.
    public static func == (a: APIErrorCode, b: APIErrorCode) -> Bool { a.rawValue == b.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// The number.
    public var description: String { String(rawValue) }
}
