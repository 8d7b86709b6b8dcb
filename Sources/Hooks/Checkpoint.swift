import KeyValue

/// Where a `--durable` hook keeps its place: a key in the bucket `kvsh_hooks` of the same
/// store (any backend), named after the durable name. The value is text:
/// `WATERMARK [DONE…]` — every revision up to WATERMARK is handled, and so are the listed
/// revisions above it (runs of `--parallel` hooks that finished out of order).
struct Checkpoint: Sendable, Equatable {
    var watermark: UInt64
    var done: [UInt64] = []

    static let bucketName = "kvsh_hooks"

    var text: String { ([watermark] + done).map(String.init).joined(separator: " ") }

    init(watermark: UInt64, done: [UInt64] = []) {
        self.watermark = watermark
        self.done = done
    }

    init?(text: String) {
        let numbers = text.split(separator: " ").map { UInt64($0) }
        guard let first = numbers.first, let watermark = first, numbers.allSatisfy({ $0 != nil }) else { return nil }
        self.watermark = watermark
        done = numbers.dropFirst().compactMap { $0 }
    }

    /// The first revision the hook has not handled: the watermark's successor.
    /// - Throws: `KeyValueError.backend` when the watermark is the largest revision there is
    ///   (no store hands one out; anyone who can write the bucket can store it).
    func nextRevision(durable name: String) throws(KeyValueError) -> UInt64 {
        let (next, overflow) = watermark.addingReportingOverflow(1)
        guard !overflow else { throw Self.damaged(name, "revision \(watermark) is the largest possible") }
        return next
    }

    static func damaged(_ name: String, _ detail: String? = nil) -> KeyValueError {
        .backend("the checkpoint of --durable \(name) in bucket \(bucketName) is damaged"
                 + (detail.map { " (\($0))" } ?? "") + ": delete it (kv del \(bucketName) \(name)) to start afresh")
    }

    /// Opens (creating when missing) the checkpoint bucket. A new one gets the replicas of
    /// `watched`, the bucket of the hook: in a cluster the checkpoint must outlive the loss
    /// of a node as the events do, or the hook stalls until that node is back.
    static func bucket(in store: any KeyValueStore, like watched: any KeyValueBucket) async throws
        -> any KeyValueBucket {
        do {
            return try await store.bucket(bucketName)
        } catch KeyValueError.bucketNotFound {
            var config = BucketConfig(bucket: bucketName)
            config.description = "kvsh: last handled revision of each --durable hook"
            config.replicas = try await watched.status().replicas
            _ = try await store.createBucket(config)
            return try await store.bucket(bucketName)
        }
    }

    /// The saved checkpoint of `name`, nil when there is none yet.
    static func load(_ name: String, from bucket: any KeyValueBucket) async throws -> Checkpoint? {
        do {
            let entry = try await bucket.get(name, revision: nil)
            guard let text = entry.valueString, let checkpoint = Checkpoint(text: text) else { throw damaged(name) }
            return checkpoint
        } catch KeyValueError.keyNotFound {
            return nil
        }
    }
}
