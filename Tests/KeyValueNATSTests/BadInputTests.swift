import Foundation
import JetStream
import KeyValue
import KeyValueNATS
import NATSClient
import KeyValueTestSupport
import Testing
import TestSupport

// JetStream-specific bad input; what every backend refuses is in the conformance suite.
@Suite("NATS KV: bad input", .natsServer)
struct BadInputTests {
    @Test("an invalid bucket name creates no stream", arguments: ["kv$", "a/b", "$KV"])
    func invalidBucketNameNoStream(_ name: String) async throws {
        try await withClient { client in
            await #expect(throws: KeyValueError.invalidBucketName(name)) {
                _ = try await client.store.createBucket(BucketConfig(bucket: name))
            }
            await #expect(throws: JetStreamError.self) { _ = try await client.js.streamInfo("KV_\(name)") }
        }
    }

    @Test("a refused watch filter leaves no consumer behind")
    func invalidFilterNoConsumer() async throws {
        try await withClient { client in
            let bucket = try await client.makeBucket("badfilter")
            await #expect(throws: KeyValueError.self) {
                _ = try await bucket.watch(filters: ["a..b"], options: WatchOptions())
            }
            #expect(try await client.js.streamInfo("KV_\(bucket.name)").state.consumerCount == 0)
        }
    }

    @Test("a consumer the server refuses fails keys, history and watch at once (no endless retry)")
    func consumerRefused() async throws {
        try await withClient { client in
            // A KV-shaped stream that allows a single consumer.
            let name = uniqueBucketName("onecons")
            var stream = StreamLayoutMirror.config(name)
            stream.maxConsumers = 1
            _ = try await client.js.createStream(stream)
            let bucket = try await client.store.bucket(name)
            _ = try await bucket.put("k", b("v"))
            let watch = WatchRecorder(try await bucket.watch(filters: [], options: WatchOptions()))
            try await watch.waitForMarker()

            let clock = ContinuousClock()
            let start = clock.now
            let keysError = await #expect(throws: JetStreamError.self) { _ = try await bucket.keys(filters: []) }
            #expect(keysError?.errCode == .maximumConsumersLimit, "maximum consumers limit reached: \(String(describing: keysError))")
            await #expect(throws: JetStreamError.self) { _ = try await bucket.history("k") }
            let second = WatchRecorder(try await bucket.watch(filters: [], options: WatchOptions()))
            try await second.wait("the second watch to fail") { _ in second.isFinished }
            #expect(second.failure?.contains("10026") == true, "\(second.failure ?? "no failure")")
            #expect(clock.now - start < .seconds(5))
            await second.stop()
            await watch.stop()
        }
    }
}

@Suite("NATS KV: server limits and capabilities")
struct ServerCapabilityTests {
    @Test("a value over the server's max_payload is valueTooLarge and is not sent")
    func overMaxPayload() async throws {
        try await withServer(config: "max_payload: 1024\n") { server in try await withClient(url: server.url) { client in
            #expect(client.connection.serverInfo.maxPayload == 1024)
            let bucket = try await client.makeBucket("maxpayload")
            _ = try await bucket.put("small", [UInt8](repeating: 1, count: 900))
            let big = [UInt8](repeating: 2, count: 2000)
            for (what, op) in [
                ("put", { _ = try await bucket.put("big", big) }),
                ("create", { _ = try await bucket.create("big", big) }),
                ("update", { _ = try await bucket.update("small", big, revision: 1) }),
                ("putAll", { _ = try await bucket.putAll([("big", big)]) }),
            ] as [(String, () async throws -> Void)] {
                let error = await #expect(throws: KeyValueError.self, "\(what)") { try await op() }
                guard case .valueTooLarge(_, let limit)? = error else {
                    Issue.record("\(what): expected valueTooLarge, got \(String(describing: error))")
                    continue
                }
                #expect(limit == 1024, "\(what)")
            }
            #expect(client.connection.isConnected, "the client must not have sent the oversized message")
            #expect(try await client.messageCount(bucket.name) == 1)
            #expect(try await bucket.get("small", revision: nil).value.count == 900)
        } }
    }

    @Test("a watch keeps going across a server restart, without lost or repeated changes")
    func watchAcrossRestart() async throws {
        try await withServer { server in try await withClient(url: server.url) { client in
            let bucket = try await client.makeBucket("restart") { $0.history = 5 }
            _ = try await bucket.put("a", b("1"))
            let watch = WatchRecorder(try await bucket.watch(filters: [], options: WatchOptions()))
            try await watch.waitForMarker()
            _ = try await bucket.put("a", b("2"))
            try await watch.waitForEntries(2)

            try await blocking { try server.restart() }
            let back = try await eventually(timeout: .seconds(10)) {
                guard client.connection.isConnected else { return false }
                return (try? await client.js.accountInfo()) != nil
            }
            #expect(back, "the client should reconnect to the restarted server")
            _ = try await bucket.put("a", b("3"))
            _ = try await bucket.put("b", b("4"))
            let entries = try await watch.waitForEntries(4)
            #expect(summary(entries) == ["PUT a=1", "PUT a=2", "PUT a=3", "PUT b=4"])
            #expect(entries.map(\.revision) == [1, 2, 3, 4])
            #expect(watch.markerCount == 1)
            #expect(watch.failure == nil)
            await watch.stop()
        } }
    }

    @Test("a server without JetStream: every store call is notEnabled with a hint to run nats-server -js")
    func noJetStream() async throws {
        try await withServer(jetstream: false) { server in try await withClient(url: server.url) { client in
            #expect(JetStreamError.notEnabled.description.contains("nats-server -js"))
            let calls: [(String, () async throws -> Void)] = [
                ("createBucket", { _ = try await client.store.createBucket(BucketConfig(bucket: "my-kv")) }),
                ("bucket", { _ = try await client.store.bucket("my-kv") }),
                ("put on an unbound handle", { _ = try await client.store.lazyBucket("my-kv").put("k", b("v")) }),
                ("deleteBucket", { try await client.store.deleteBucket("my-kv") }),
                ("bucketStatuses", { _ = try await client.store.bucketStatuses() }),
                ("accountInfo", { _ = try await client.js.accountInfo() }),
            ]
            for (what, call) in calls {
                do {
                    try await call()
                    Issue.record("\(what) succeeded without JetStream")
                } catch {
                    #expect(error as? JetStreamError == .notEnabled, "\(what): \(error)")
                    #expect(String(describing: error).contains("nats-server -js"), "\(what)")
                }
            }
        } }
    }
}
