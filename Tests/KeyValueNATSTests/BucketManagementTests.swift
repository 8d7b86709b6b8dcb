import Foundation
import JetStream
import KeyValue
import KeyValueNATS
import Testing
import TestSupport

@Suite("NATS KV: buckets", .natsServer)
struct BucketManagementTests {
    @Test("createBucket applies every option and status reports it")
    func createWithOptions() async throws {
        try await withClient { client in
            var config = BucketConfig(bucket: uniqueBucketName("opts"))
            config.description = "all the options"
            config.history = 7
            config.ttlNanos = 3_600_000_000_000
            config.maxValueSize = 4096
            config.maxBucketSize = 1 << 20
            config.storage = .memory
            config.compression = true
            let created = try await client.store.createBucket(config)
            #expect(created.bucket == config.bucket)
            #expect(created.description == "all the options")
            #expect(created.history == 7)
            #expect(created.ttlNanos == 3_600_000_000_000)
            #expect(created.maxValueSize == 4096)
            #expect(created.maxBucketSize == 1 << 20)
            #expect(created.storage == .memory)
            #expect(created.compressed)
            #expect(created.replicas == 1)
            #expect(created.values == 0)
            #expect(created.bytes == 0)
            #expect(created.backingStore == "JetStream")
            #expect(created.streamName == "KV_\(config.bucket)")
            #expect(created.perKeyTTL == false)
            #expect(created.limitMarkerTTLNanos == nil)
            let created1 = try #require(created.created)
            #expect(abs(created1.timeIntervalSinceNow) < 60)

            let bucket = try await client.store.bucket(config.bucket)
            #expect(bucket.name == config.bucket)
            _ = try await bucket.put("k", b("v1"))
            _ = try await bucket.put("k", b("v2"))
            _ = try await bucket.delete("gone", revision: nil)
            let status = try await bucket.status()
            #expect(status.values == 3)
            #expect(status.bytes > 0)
            #expect(status.history == 7)
            #expect(status.description == "all the options")
            #expect(status.storage == .memory)
            #expect(status.compressed)
            let last = try #require(status.lastUpdate)
            #expect(abs(last.timeIntervalSinceNow) < 60)
        }
    }

    @Test("defaults: history 1, file storage, no limits, no compression")
    func defaults() async throws {
        try await withClient { client in
            let name = uniqueBucketName("defaults")
            let status = try await client.store.createBucket(BucketConfig(bucket: name))
            #expect(status.history == 1)
            #expect(status.storage == .file)
            #expect(status.ttlNanos == nil)
            #expect(status.maxValueSize == nil)
            #expect(status.maxBucketSize == nil)
            #expect(status.compressed == false)
            #expect(status.description == nil)
            let stream = try await client.js.streamInfo("KV_\(name)").config
            #expect(stream.storage == "file")
            #expect(stream.compression == "none")
            #expect(stream.maxBytes == -1)
            #expect(stream.maxMsgSize == -1)
            #expect(stream.maxAge == 0)
        }
    }

    @Test("re-creating with identical settings is idempotent and keeps the data")
    func idempotentCreate() async throws {
        try await withClient { client in
            var config = BucketConfig(bucket: uniqueBucketName("idem"))
            config.history = 3
            config.description = "same"
            config.ttlNanos = 60_000_000_000
            config.maxValueSize = 1000
            config.compression = true
            _ = try await client.store.createBucket(config)
            let bucket = try await client.store.bucket(config.bucket)
            let revision = try await bucket.put("k", b("kept"))
            let again = try await client.store.createBucket(config)
            #expect(again.bucket == config.bucket)
            #expect(again.values == 1)
            #expect(try await bucket.get("k", revision: nil).value == b("kept"))
            #expect(try await bucket.get("k", revision: nil).revision == revision)
            #expect(try await client.store.bucketStatuses().filter { $0.bucket == config.bucket }.count == 1)
        }
    }

    @Test("re-creating with different settings fails with bucketExists and changes nothing",
          arguments: ["history", "ttl", "maxValueSize", "maxBucketSize", "storage", "description", "compression"])
    func recreateDifferent(_ change: String) async throws {
        try await withClient { client in
            var config = BucketConfig(bucket: uniqueBucketName("diff"))
            config.history = 2
            config.description = "original"
            _ = try await client.store.createBucket(config)
            let before = try await client.js.streamInfo("KV_\(config.bucket)").config

            var other = config
            switch change {
            case "history": other.history = 3
            case "ttl": other.ttlNanos = 5_000_000_000
            case "maxValueSize": other.maxValueSize = 512
            case "maxBucketSize": other.maxBucketSize = 1 << 16
            case "storage": other.storage = .memory
            case "description": other.description = "changed"
            case "compression": other.compression = true
            default: Issue.record("unknown change \(change)")
            }
            await #expect(throws: KeyValueError.bucketExists(config.bucket)) {
                _ = try await client.store.createBucket(other)
            }
            let after = try await client.js.streamInfo("KV_\(config.bucket)").config
            #expect(after == before, "the existing bucket must not be modified")
            #expect(KeyValueError.bucketExists(config.bucket).description
                == "nats: bucket name already in use: \(config.bucket)")
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

    @Test("bucketStatuses lists kvsh buckets sorted by name, and not other streams")
    func listBuckets() async throws {
        try await withClient { client in
            let prefix = uniqueBucketName("list")
            let names = ["\(prefix)_c", "\(prefix)_a", "\(prefix)_b"]
            for (i, name) in names.enumerated() {
                var config = BucketConfig(bucket: name)
                config.history = i + 1
                _ = try await client.store.createBucket(config)
            }
            var plain = StreamConfig(name: "PLAIN_\(prefix)")
            plain.subjects = ["plain.\(prefix).>"]
            _ = try await client.js.createStream(plain)

            let a = try await client.store.bucket("\(prefix)_a")
            _ = try await a.put("x", b("1"))
            _ = try await a.put("y", b("2"))

            let all = try await client.store.bucketStatuses()
            #expect(all.map(\.bucket) == all.map(\.bucket).sorted())
            #expect(!all.contains { $0.streamName == "PLAIN_\(prefix)" })
            #expect(!all.contains { !($0.streamName ?? "").hasPrefix("KV_") })
            let mine = all.filter { $0.bucket.hasPrefix(prefix) }
            #expect(mine.map(\.bucket) == ["\(prefix)_a", "\(prefix)_b", "\(prefix)_c"])
            #expect(mine.map(\.history) == [2, 3, 1])
            #expect(mine.map(\.values) == [2, 0, 0])
        }
    }

    @Test("deleteBucket removes the bucket and its data; a missing bucket is bucketNotFound")
    func deleteBucket() async throws {
        try await withClient { client in
            let name = uniqueBucketName("del")
            _ = try await client.store.createBucket(BucketConfig(bucket: name))
            let bucket = try await client.store.bucket(name)
            _ = try await bucket.put("k", b("v"))
            try await client.store.deleteBucket(name)
            await #expect(throws: KeyValueError.bucketNotFound(name)) {
                _ = try await client.store.bucket(name)
            }
            #expect(!(try await client.store.bucketStatuses()).contains { $0.bucket == name })
            await #expect(throws: KeyValueError.bucketNotFound(name)) {
                try await client.store.deleteBucket(name)
            }
            // The name can be used again, starting empty.
            _ = try await client.store.createBucket(BucketConfig(bucket: name))
            let fresh = try await client.store.bucket(name)
            #expect(try await fresh.status().values == 0)
            await #expect(throws: KeyValueError.keyNotFound("k")) { _ = try await fresh.get("k", revision: nil) }
        }
    }

    @Test("invalid configurations are rejected before anything is created",
          arguments: [
            (0, KeyValueError.invalidConfig("history must be at least 1")),
            (65, KeyValueError.invalidConfig("history limited to a max of 64")),
          ])
    func invalidHistory(_ history: Int, _ expected: KeyValueError) async throws {
        try await withClient { client in
            var config = BucketConfig(bucket: uniqueBucketName("hist"))
            config.history = history
            await #expect(throws: expected) { _ = try await client.store.createBucket(config) }
            await #expect(throws: KeyValueError.bucketNotFound(config.bucket)) {
                _ = try await client.store.bucket(config.bucket)
            }
        }
    }

    @Test("history 64 is the largest accepted")
    func maxHistory() async throws {
        try await withClient { client in
            let bucket = try await client.makeBucket("h64") { $0.history = 64 }
            for i in 0..<70 { _ = try await bucket.put("k", b("\(i)")) }
            let history = try await bucket.history("k")
            #expect(history.count == 64)
            #expect(history.first?.valueString == "6")
            #expect(history.last?.valueString == "69")
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
            #expect(error == .backend("nats: bucket not valid key-value store: \(name)"))
        }
    }
}
