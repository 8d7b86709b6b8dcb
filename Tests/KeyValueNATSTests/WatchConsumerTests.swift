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
}
