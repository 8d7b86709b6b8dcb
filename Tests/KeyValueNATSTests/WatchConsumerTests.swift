import Foundation
import JetStream
import KeyValue
import KeyValueNATS
import KeyValueTestSupport
import Testing
import TestSupport

// What a watch leaves on the server; the watch semantics themselves are in the conformance suite.
@Suite("NATS KV: watch consumers", .natsServer)
struct WatchConsumerTests {
    @Test("stopping a watch releases its server-side consumer")
    func stopReleasesConsumer() async throws {
        try await withClient { client in
            let bucket = try await client.makeBucket("wstop")
            _ = try await bucket.put("k", b("v"))
            let watch = WatchRecorder(try await bucket.watch(filters: [], options: WatchOptions()))
            try await watch.waitForMarker()
            #expect(try await client.js.streamInfo("KV_\(bucket.name)").state.consumerCount == 1)
            await watch.stop()
            let released = try await eventually(timeout: .seconds(3)) {
                try await client.js.streamInfo("KV_\(bucket.name)").state.consumerCount == 0
            }
            #expect(released, "the consumer of a stopped watch should be deleted")
            // keys and history clean up after themselves too
            _ = try await bucket.keys(filters: [])
            _ = try await bucket.history("k")
            let clean = try await eventually(timeout: .seconds(3)) {
                try await client.js.streamInfo("KV_\(bucket.name)").state.consumerCount == 0
            }
            #expect(clean)
        }
    }

    @Test("a watch dropped without stop releases its consumer")
    func droppedWatchReleasesConsumer() async throws {
        try await withClient { client in
            let bucket = try await client.makeBucket("wdrop")
            _ = try await bucket.put("k", b("v"))
            try await readMarkerAndDrop(bucket)
            // Nothing holds the watch any more: its pump must end and delete the consumer.
            let released = try await eventually(timeout: .seconds(3)) {
                try await client.js.streamInfo("KV_\(bucket.name)").state.consumerCount == 0
            }
            #expect(released, "the consumer of a dropped watch should be deleted")
        }
    }

    @Test("closing the store ends its watches and deletes their consumers before it returns")
    func closeEndsWatches() async throws {
        try await withClient { observer in
            let url = try SuiteServer.require().url
            let client = try await KVClient.connect(url)
            let name = uniqueBucketName("wclose")
            _ = try await client.store.createBucket(BucketConfig(bucket: name))
            let bucket = try await client.store.bucket(name)
            _ = try await bucket.put("k", b("v"))
            let watch = WatchRecorder(try await bucket.watch(filters: [], options: WatchOptions()))
            try await watch.waitForMarker()
            #expect(try await observer.js.streamInfo("KV_\(name)").state.consumerCount == 1)
            await client.store.close()
            // No waiting: the close itself deleted the consumer.
            #expect(try await observer.js.streamInfo("KV_\(name)").state.consumerCount == 0)
            try await watch.wait("the end of the watch") { _ in watch.isFinished }
            #expect(watch.failure == nil, "a closed store ends its watches, without an error")
            try await observer.store.deleteBucket(name)
        }
    }
}
