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
            #expect(error == .backend("nats: bucket not valid key-value store: \(name)"))
        }
    }
}
