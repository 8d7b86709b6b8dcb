#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KeyValue

/// What to lock: `limit` slots of `name` in a bucket, how long to wait for one, and the lease.
public struct LockRequest: Sendable {
    public var bucket: any KeyValueBucket
    public var name: String
    /// Holders at once, at least 1; above 1 the keys are `NAME.0` … `NAME.(limit-1)`.
    public var limit: Int
    /// nil waits forever; zero fails at once when every slot is held.
    public var wait: Duration?
    /// A per-key TTL as the lease instead of the bucket's maximum age.
    public var ttl: Duration?

    public init(bucket: any KeyValueBucket, name: String, limit: Int = 1, wait: Duration? = nil,
                ttl: Duration? = nil) {
        self.bucket = bucket
        self.name = name
        self.limit = limit
        self.wait = wait
        self.ttl = ttl
    }

    /// The key of slot `slot`: the name itself for a plain lock.
    public func key(slot: Int) -> String { limit == 1 ? name : "\(name).\(slot)" }

    public var keys: [String] { (0..<limit).map { key(slot: $0) } }
}

/// Why a lock could not be taken or kept, as data.
public enum LockError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidLimit(Int)
    /// Neither a maximum age on the bucket nor a per-key TTL: nothing would ever free the key.
    case noLease(bucket: String)
    case ttlNotAllowed(bucket: String)
    case ttlLongerThanMaxAge(ttl: Duration, maxAge: Duration)
    case ttlTooShort(Duration)
    /// Every slot still held when the wait ran out; the holders as their records say.
    case notAcquired(name: String, holders: [String])
    /// The lease could not be kept: someone else wrote the key, or no keep-alive got through
    /// for a whole lease.
    case lost(key: String, reason: String)

    public var description: String {
        switch self {
        case .invalidLimit(let n):
            "lock limit must be at least 1, not \(n)"
        case .noLease(let bucket):
            "bucket \(bucket) has no maximum age, so a lock in it would never expire: "
                + "make a bucket for locks with `kvsh kv add locks --ttl 30s` or pass --ttl"
        case .ttlNotAllowed(let bucket):
            "bucket \(bucket) does not allow per-key TTLs: "
                + "make one with `kvsh kv add \(bucket) --marker-ttl 1s`, or leave out --ttl to use its maximum age"
        case .ttlLongerThanMaxAge(let ttl, let maxAge):
            "--ttl \(LeaseTiming.text(ttl)) is longer than the bucket's maximum age of \(LeaseTiming.text(maxAge))"
        case .ttlTooShort(let ttl):
            "--ttl \(LeaseTiming.text(ttl)) is too short: a lease is at least 1s"
        case .notAcquired(let name, let holders):
            holders.isEmpty ? "lock \(name) not acquired: it is held"
                : "lock \(name) not acquired: held by \(holders.joined(separator: ", "))"
        case .lost(let key, let reason):
            "lost lock \(key): \(reason)"
        }
    }
}
