/// Errors every backend reports the same way. The descriptions follow the nats CLI
/// wording where it has one, so scripts and people see familiar text.
public enum KeyValueError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidBucketName(String)
    case invalidKey(String, reason: String)
    case invalidConfig(String)
    case bucketNotFound(String)
    case bucketExists(String)
    case keyNotFound(String)
    /// `create` found a live value; carries the key's latest revision.
    case keyExists(key: String, lastRevision: UInt64)
    /// `update`, or a guarded `del`/`purge`, named a revision that is not the latest.
    case wrongLastRevision(key: String, actual: UInt64)
    case valueTooLarge(size: Int, limit: Int)
    case bucketFull(String)
    /// Anything else the backend reported, already phrased for a person.
    case backend(String)

    public var description: String {
        switch self {
        case .invalidBucketName(let name):
            "nats: invalid bucket name \(quoted(name)): use letters, digits, '_' and '-'"
        case .invalidKey(let key, let reason):
            "nats: invalid key \(quoted(key)): \(reason)"
        case .invalidConfig(let text):
            "nats: \(text)"
        case .bucketNotFound(let name):
            "nats: bucket not found: \(name)"
        case .bucketExists(let name):
            "nats: bucket name already in use: \(name)"
        case .keyNotFound:
            "nats: key not found"
        case .keyExists(_, let last):
            "nats: wrong last sequence: \(last): key exists"
        case .wrongLastRevision(_, let actual):
            "nats: wrong last sequence: \(actual)"
        case .valueTooLarge(let size, let limit):
            "nats: value of \(size) bytes is larger than the maximum of \(limit) bytes"
        case .bucketFull(let name):
            "nats: bucket \(name) is full: maximum bytes exceeded"
        case .backend(let text):
            text
        }
    }

    private func quoted(_ s: String) -> String { DisplayText.quoted(s) }
}
