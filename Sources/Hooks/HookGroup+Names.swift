import Foundation
import KeyValue
import Shell

/// Where a hook group keeps its state: the lease bucket, its keys, the partitions' checkpoint
/// names, and this member's name.
extension HookGroup {
    static func bucketName(_ group: String) -> String { "kvsh_group_" + group }
    static func partitionKey(_ partition: Int) -> String { "partitions.\(partition)" }
    static func memberKey(_ member: String) -> String { "members." + member }
    static func checkpointName(_ group: String, partition: Int) -> String { "\(group).p\(partition)" }

    /// A member name no other registration has: the host (letters, digits and `-` kept), the
    /// pid and 48 random bits.
    static func newMemberName() -> String {
        let host = ProcessInfo.processInfo.hostName.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
        let random = String(UInt64.random(in: 0..<(1 << 48)), radix: 16)
        return "\(String(host.prefix(32)))_\(ProcessInfo.processInfo.processIdentifier)_\(random)"
    }

    /// Opens (creating when missing) the group's lease bucket: max age = the lease, one value
    /// per key, the replicas of the watched bucket.
    /// - Throws: `CommandError` when the group exists with another lease; the store's errors.
    static func leaseBucket(for spec: HookSpec, in store: any KeyValueStore, like watched: any KeyValueBucket)
        async throws -> any KeyValueBucket {
        let name = bucketName(spec.group ?? "")
        let bucket: any KeyValueBucket
        do {
            bucket = try await store.bucket(name)
        } catch KeyValueError.bucketNotFound {
            var config = BucketConfig(bucket: name)
            config.description = "kvsh: leases of hook group \(spec.group ?? "")"
            config.ttlNanos = spec.lease.totalNanoseconds
            config.replicas = try await watched.status().replicas
            _ = try await store.createBucket(config)
            return try await store.bucket(name)
        }
        let existing = try await bucket.status().ttlNanos
        guard existing == spec.lease.totalNanoseconds else {
            let text = existing.map { Duration.nanoseconds($0).shortText } ?? "none"
            throw CommandError("on: group \(spec.group ?? "") has a lease of \(text) (bucket \(name)), not "
                               + "\(spec.lease.shortText): give --lease \(existing == nil ? "10s" : text) or another group name")
        }
        return bucket
    }
}

extension Duration {
    /// The whole duration in nanoseconds (leases are seconds to minutes: no overflow).
    var totalNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
