/// Errors every backend reports the same way, as data. `description` says it in the nats
/// CLI's words where it has them, without the `nats: ` that the command line puts before it
/// (kvsh's `ErrorMessage`).
public enum KeyValueError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidBucketName(String)
    case invalidKey(String, reason: String)
    /// A bucket setting out of range; the text says which and how.
    case invalidConfig(String)
    case bucketNotFound(String)
    case bucketExists(String)
    /// The bucket's stream exists but is not a KV bucket (no per-subject message limit).
    case notKeyValueBucket(String)
    case keyNotFound(bucket: String, key: String)
    /// `create` found a live value; carries the key's latest revision.
    case keyExists(bucket: String, key: String, lastRevision: UInt64)
    /// `update`, or a guarded `del`/`purge`, named `expected` while the key's latest revision
    /// is `actual` (nil when the server did not say, as for a replicated stream).
    case wrongLastRevision(bucket: String, key: String, expected: UInt64, actual: UInt64?)
    case valueTooLarge(size: Int, limit: Int)
    case bucketFull(String)
    /// Anything else the backend reported, already phrased for a person (the embedded store's
    /// file checks); the command line shows it as it is.
    case backend(String)

    public var description: String {
        switch self {
        case .invalidBucketName(let name):
            "invalid bucket name \(quoted(name)): use letters, digits, '_' and '-'"
        case .invalidKey(let key, let reason):
            "invalid key \(quoted(key)): \(reason)"
        case .invalidConfig(let text):
            text
        case .bucketNotFound(let name):
            "bucket not found: \(name)"
        case .bucketExists(let name):
            "bucket name already in use: \(name)"
        case .notKeyValueBucket(let name):
            "bucket not valid key-value store: \(name)"
        case .keyNotFound:
            "key not found"
        case .keyExists(_, _, let last):
            "wrong last sequence: \(last): key exists"
        case .wrongLastRevision(_, _, _, let actual?):
            "wrong last sequence: \(actual)"
        case .wrongLastRevision(_, _, _, nil):
            "wrong last sequence"
        case .valueTooLarge(let size, let limit):
            "value of \(size) bytes is larger than the maximum of \(limit) bytes"
        case .bucketFull(let name):
            "bucket \(name) is full: maximum bytes exceeded"
        case .backend(let text):
            text
        }
    }

    /// What a store without per-key TTLs (the embedded one) says to a write that asks for one.
    public static let perKeyTTLUnsupported = "per-key TTL is not supported on the embedded store"

    private func quoted(_ s: String) -> String { DisplayText.quoted(s) }
}
