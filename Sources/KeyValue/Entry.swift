#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a revision of a key records.
public enum Operation: String, Sendable, Equatable, Codable {
    case put = "PUT"
    case delete = "DEL"
    case purge = "PURGE"

    /// The word natscli prints for the operation (`PUT`, `DELETE`, `PURGE`).
    public var displayName: String {
        switch self {
        case .put: "PUT"
        case .delete: "DELETE"
        case .purge: "PURGE"
        }
    }
}

/// One revision of one key.
public struct Entry: Sendable, Equatable {
    public var bucket: String
    public var key: String
    /// The stored bytes; empty for delete and purge markers (and for an empty put).
    public var value: [UInt8]
    /// The bucket-wide sequence number of this write.
    public var revision: UInt64
    /// When the server stored it.
    public var created: Date
    /// How many newer entries the watch or history still has to deliver; 0 from `get`.
    public var delta: UInt64
    public var operation: Operation

    public init(bucket: String, key: String, value: [UInt8], revision: UInt64,
                created: Date, delta: UInt64 = 0, operation: Operation = .put) {
        self.bucket = bucket
        self.key = key
        self.value = value
        self.revision = revision
        self.created = created
        self.delta = delta
        self.operation = operation
    }

    /// The value as text when it is valid UTF-8.
    public var valueString: String? { String(validating: value, as: UTF8.self) }
}
