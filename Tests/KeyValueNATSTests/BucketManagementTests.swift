import Foundation
import JetStream
import KeyValue
import KeyValueNATS
import KeyValueTestSupport
import Testing
import TestSupport

// JetStream-specific bucket behaviour; what every backend does is in the conformance suite.
@Suite("NATS KV: buckets", .natsServer)
struct BucketManagementTests {
    @Test("a default bucket's stream has the nats.go limits")
    func defaultStreamLimits() async throws {
        try await withClient { client in
            let name = uniqueBucketName("defaults")
            _ = try await client.store.createBucket(BucketConfig(bucket: name))
            let stream = try await client.js.streamInfo("KV_\(name)").config
            #expect(stream.storage == "file")
            #expect(stream.compression == "none")
            #expect(stream.maxBytes == -1)
            #expect(stream.maxMsgSize == -1)
            #expect(stream.maxAge == 0)
        }
    }

    @Test("bucketStatuses lists KV streams only")
    func listSkipsOtherStreams() async throws {
        try await withClient { client in
            let prefix = uniqueBucketName("list")
            _ = try await client.store.createBucket(BucketConfig(bucket: "\(prefix)_a"))
            var plain = StreamConfig(name: "PLAIN_\(prefix)")
            plain.subjects = ["plain.\(prefix).>"]
            _ = try await client.js.createStream(plain)
            let all = try await client.store.bucketStatuses()
            #expect(all.contains { $0.bucket == "\(prefix)_a" })
            #expect(!all.contains { $0.streamName == "PLAIN_\(prefix)" })
            #expect(!all.contains { !($0.streamName ?? "").hasPrefix("KV_") })
        }
    }

    @Test("an old bucket that differs only in discard and allow_direct is upgraded, as nats.go does")
    func upgradeLegacyBucket() async throws {
        try await withClient { client in
            let name = uniqueBucketName("legacy")
            var legacy = StreamLayoutMirror.config(name)
            legacy.maxMsgsPerSubject = 3
            legacy.discard = "old"
            legacy.allowDirect = false
            _ = try await client.js.createStream(legacy)
            let old = try await client.store.bucket(name)
            let r = try await old.put("k", b("kept"))
            #expect(try await old.get("k", revision: nil).revision == r) // through STREAM.MSG.GET

            var config = BucketConfig(bucket: name)
            config.history = 3
            let status = try await client.store.createBucket(config)
            #expect(status.values == 1)
            let upgraded = try await client.js.streamInfo("KV_\(name)").config
            #expect(upgraded.discard == "new")
            #expect(upgraded.allowDirect == true)
            let bucket = try await client.store.bucket(name)
            #expect(try await bucket.get("k", revision: nil).value == b("kept"))

            // Anything else differing is still "bucket exists".
            config.history = 4
            await #expect(throws: KeyValueError.bucketExists(name)) { _ = try await client.store.createBucket(config) }
        }
    }

    @Test("a stream that is not a KV bucket cannot be bound")
    func notAKVStream() async throws {
        try await withClient { client in
            let name = uniqueBucketName("fake")
            var config = StreamConfig(name: "KV_\(name)")
            config.subjects = ["$KV.\(name).>"]
            config.maxMsgsPerSubject = -1
            _ = try await client.js.createStream(config)
            let error = await #expect(throws: KeyValueError.self) { _ = try await client.store.bucket(name) }
            #expect(error == .notKeyValueBucket(name))
        }
    }

    @Test("an unbound handle reports a missing bucket as bucket() does, from every operation")
    func lazyHandleMissing() async throws {
        try await withClient { client in
            let never = uniqueBucketName("lazynever")
            let bucket = try await client.store.lazyBucket(never)
            let ops: [(String, () async throws -> Void)] = [
                ("put", { _ = try await bucket.put("k", b("v")) }),
                ("create", { _ = try await bucket.create("k", b("v")) }),
                ("update", { _ = try await bucket.update("k", b("v"), revision: 1) }),
                ("delete", { _ = try await bucket.delete("k", revision: nil) }),
                ("purge", { _ = try await bucket.purge("k", revision: 1) }),
                ("putAll", { _ = try await bucket.putAll([("a", b("1")), ("b", b("2"))]) }),
                ("get", { _ = try await bucket.get("k", revision: nil) }),
                ("get revision", { _ = try await bucket.get("k", revision: 1) }),
                ("status", { _ = try await bucket.status() }),
                ("history", { _ = try await bucket.history("k") }),
                ("keys", { _ = try await bucket.keys(filters: []) }),
                ("watch", { _ = try await bucket.watch(filters: [], options: WatchOptions()) }),
            ]
            for (what, op) in ops {
                await #expect(throws: KeyValueError.bucketNotFound(never), "\(what)") { try await op() }
            }
            await #expect(throws: JetStreamError.self) { _ = try await client.js.streamInfo("KV_\(never)") }
        }
    }

    @Test("an unbound handle on a stream that is not a KV bucket refuses reads as bucket() does")
    func lazyHandleNotAKVStream() async throws {
        try await withClient { client in
            let name = uniqueBucketName("lazyfake")
            var config = StreamConfig(name: "KV_\(name)")
            config.subjects = ["$KV.\(name).>"]
            config.maxMsgsPerSubject = -1
            _ = try await client.js.createStream(config)
            let refused = KeyValueError.notKeyValueBucket(name)
            let reads: [(String, () async throws -> Void)] = [
                ("get", { _ = try await client.store.lazyBucket(name).get("k", revision: nil) }),
                ("status", { _ = try await client.store.lazyBucket(name).status() }),
                ("history", { _ = try await client.store.lazyBucket(name).history("k") }),
                ("keys", { _ = try await client.store.lazyBucket(name).keys(filters: []) }),
                ("watch", { _ = try await client.store.lazyBucket(name).watch(filters: [], options: WatchOptions()) }),
            ]
            for (what, read) in reads {
                await #expect(throws: refused, "\(what)") { try await read() }
            }
        }
    }

    @Test("an unbound handle writes and reads like a bound one")
    func lazyHandleWorks() async throws {
        try await withClient { client in
            let name = try await client.makeBucket("lazy") { $0.history = 3 }.name
            let bucket = try await client.store.lazyBucket(name)
            let r1 = try await bucket.put("k", b("1"))
            await #expect(throws: KeyValueError.keyExists(bucket: bucket.name, key: "k", lastRevision: r1)) {
                _ = try await bucket.create("k", b("2"))
            }
            let r2 = try await client.store.lazyBucket(name).update("k", b("2"), revision: r1)
            #expect(try await client.store.lazyBucket(name).get("k", revision: nil).value == b("2"))
            #expect(try await bucket.get("k", revision: r1).value == b("1"))
            #expect(try await bucket.history("k").map(\.revision) == [r1, r2])
        }
    }
}
