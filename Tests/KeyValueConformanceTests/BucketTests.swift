import Foundation
import KeyValue
import KeyValueTestSupport
import Testing
import TestSupport

@Suite("KV conformance: buckets", .natsServer)
struct BucketTests {
    @Test("createBucket applies every option and status reports it", arguments: Backend.allCases)
    func createWithOptions(_ backend: Backend) async throws {
        try await withStore(backend) { client in
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
            #expect(created.backingStore == (client.backend == .nats ? "JetStream" : "embedded"))
            #expect(created.streamName == (client.backend == .nats ? "KV_\(config.bucket)" : nil))
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

    @Test("defaults: history 1, file storage, no limits, no compression", arguments: Backend.allCases)
    func defaults(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let name = uniqueBucketName("defaults")
            let status = try await client.store.createBucket(BucketConfig(bucket: name))
            #expect(status.history == 1)
            #expect(status.storage == .file)
            #expect(status.ttlNanos == nil)
            #expect(status.maxValueSize == nil)
            #expect(status.maxBucketSize == nil)
            #expect(status.compressed == false)
            #expect(status.description == nil)
        }
    }

    @Test("re-creating with identical settings is idempotent and keeps the data", arguments: Backend.allCases)
    func idempotentCreate(_ backend: Backend) async throws {
        try await withStore(backend) { client in
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
          arguments: Backend.allCases, ["history", "ttl", "maxValueSize", "maxBucketSize", "storage", "description", "compression"])
    func recreateDifferent(_ backend: Backend, _ change: String) async throws {
        try await withStore(backend) { client in
            var config = BucketConfig(bucket: uniqueBucketName("diff"))
            config.history = 2
            config.description = "original"
            _ = try await client.store.createBucket(config)
            let before = try await client.store.bucket(config.bucket).status()

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
            let after = try await client.store.bucket(config.bucket).status()
            #expect(after == before, "the existing bucket must not be modified")
            #expect(KeyValueError.bucketExists(config.bucket).description
                == "bucket name already in use: \(config.bucket)")
        }
    }

    @Test("bucketStatuses lists buckets sorted by name with their figures", arguments: Backend.allCases)
    func listBuckets(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let prefix = uniqueBucketName("list")
            let names = ["\(prefix)_c", "\(prefix)_a", "\(prefix)_b"]
            for (i, name) in names.enumerated() {
                var config = BucketConfig(bucket: name)
                config.history = i + 1
                _ = try await client.store.createBucket(config)
            }
            let a = try await client.store.bucket("\(prefix)_a")
            _ = try await a.put("x", b("1"))
            _ = try await a.put("y", b("2"))

            let all = try await client.store.bucketStatuses()
            #expect(all.map(\.bucket) == all.map(\.bucket).sorted())
            let mine = all.filter { $0.bucket.hasPrefix(prefix) }
            #expect(mine.map(\.bucket) == ["\(prefix)_a", "\(prefix)_b", "\(prefix)_c"])
            #expect(mine.map(\.history) == [2, 3, 1])
            #expect(mine.map(\.values) == [2, 0, 0])
        }
    }

    @Test("deleteBucket removes the bucket and its data; a missing bucket is bucketNotFound", arguments: Backend.allCases)
    func deleteBucket(_ backend: Backend) async throws {
        try await withStore(backend) { client in
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
            await #expect(throws: KeyValueError.keyNotFound(bucket: fresh.name, key: "k")) { _ = try await fresh.get("k", revision: nil) }
        }
    }

    @Test("invalid configurations are rejected before anything is created",
          arguments: Backend.allCases, [
            (0, KeyValueError.invalidConfig("history must be at least 1")),
            (65, KeyValueError.invalidConfig("history limited to a max of 64")),
          ])
    func invalidHistory(_ backend: Backend, _ c: (Int, KeyValueError)) async throws {
        let (history, expected) = c
        try await withStore(backend) { client in
            var config = BucketConfig(bucket: uniqueBucketName("hist"))
            config.history = history
            await #expect(throws: expected) { _ = try await client.store.createBucket(config) }
            await #expect(throws: KeyValueError.bucketNotFound(config.bucket)) {
                _ = try await client.store.bucket(config.bucket)
            }
        }
    }

    @Test("history 64 is the largest accepted", arguments: Backend.allCases)
    func maxHistory(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("h64") { $0.history = 64 }
            for i in 0..<70 { _ = try await bucket.put("k", b("\(i)")) }
            let history = try await bucket.history("k")
            #expect(history.count == 64)
            #expect(history.first?.valueString == "6")
            #expect(history.last?.valueString == "69")
        }
    }
}
