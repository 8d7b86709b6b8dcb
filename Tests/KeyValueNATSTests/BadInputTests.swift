import Foundation
import JetStream
import KeyValue
import KeyValueNATS
import NATSClient
import Testing
import TestSupport

@Suite("NATS KV: bad input", .natsServer)
struct BadInputTests {
    static let invalidBucketNames = ["", " ", "my kv", "my.kv", "kv*", "kv>", "a/b", "é", "a\n", "a$", "$KV"]

    @Test("invalid bucket names are refused by every store call, and nothing is created",
          arguments: invalidBucketNames)
    func invalidBucketName(_ name: String) async throws {
        try await withClient { client in
            await #expect(throws: KeyValueError.invalidBucketName(name)) {
                _ = try await client.store.createBucket(BucketConfig(bucket: name))
            }
            await #expect(throws: KeyValueError.invalidBucketName(name)) { _ = try await client.store.bucket(name) }
            await #expect(throws: KeyValueError.invalidBucketName(name)) { try await client.store.deleteBucket(name) }
            let names = try await client.store.bucketStatuses().map(\.bucket)
            #expect(!names.contains(name))
            // No stream named after it either.
            let plain = name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && !".*>".unicodeScalars.contains($0) }
            if !name.isEmpty, plain {
                await #expect(throws: JetStreamError.self) { _ = try await client.js.streamInfo("KV_\(name)") }
            }
        }
    }

    static let invalidKeys = ["a..b", ".a", "a.", "a b", "*", "a.*", ">", "a.>", "a*b", "", "é", "a\tb", "a$b", "a\r\nPUB"]

    @Test("invalid keys are refused by every operation without writing", arguments: invalidKeys)
    func invalidKey(_ key: String) async throws {
        try await withClient { client in
            let bucket = try await client.makeBucket("badkey") { $0.history = 5 }
            _ = try await bucket.put("good", b("v"))
            let before = try await client.messageCount(bucket.name)

            func expectInvalid(_ what: String, _ body: () async throws -> Void) async {
                do {
                    try await body()
                    Issue.record("\(what)(\(key.debugDescription)) succeeded")
                } catch let error as KeyValueError {
                    guard case .invalidKey(let k, _) = error else {
                        Issue.record("\(what): expected invalidKey, got \(error)")
                        return
                    }
                    #expect(k == key)
                    #expect(error.description.hasPrefix("nats: invalid key"))
                } catch {
                    Issue.record("\(what): expected invalidKey, got \(error)")
                }
            }
            await expectInvalid("put") { _ = try await bucket.put(key, b("x")) }
            await expectInvalid("create") { _ = try await bucket.create(key, b("x")) }
            await expectInvalid("update") { _ = try await bucket.update(key, b("x"), revision: 1) }
            await expectInvalid("delete") { _ = try await bucket.delete(key, revision: nil) }
            await expectInvalid("purge") { _ = try await bucket.purge(key, revision: nil) }
            await expectInvalid("get") { _ = try await bucket.get(key, revision: nil) }
            await expectInvalid("get revision") { _ = try await bucket.get(key, revision: 1) }
            await expectInvalid("history") { _ = try await bucket.history(key) }
            await expectInvalid("putAll") { _ = try await bucket.putAll([("fine", b("1")), (key, b("2"))]) }

            #expect(try await client.messageCount(bucket.name) == before)
            #expect(try await bucket.keys(filters: []) == ["good"])
        }
    }

    @Test("invalid filters are refused by keys and watch", arguments: ["a..b", ".a", "a.", "a b", "a*", "a.>.b", ">.a", "*a", ""])
    func invalidFilter(_ filter: String) async throws {
        try await withClient { client in
            let bucket = try await client.makeBucket("badfilter")
            _ = try await bucket.put("good", b("v"))
            await #expect(throws: KeyValueError.self) { _ = try await bucket.keys(filters: [filter]) }
            await #expect(throws: KeyValueError.self) { _ = try await bucket.keys(filters: ["good", filter]) }
            await #expect(throws: KeyValueError.self) {
                _ = try await bucket.watch(filters: [filter], options: WatchOptions())
            }
            #expect(try await client.js.streamInfo("KV_\(bucket.name)").state.consumerCount == 0)
        }
    }

    @Test("a value over the bucket's max value size is valueTooLarge and is not stored")
    func overMaxValueSize() async throws {
        try await withClient { client in
            let bucket = try await client.makeBucket("maxval") { $0.maxValueSize = 100 }
            _ = try await bucket.put("fits", [UInt8](repeating: 1, count: 100))
            let before = try await client.messageCount(bucket.name)
            let big = [UInt8](repeating: 2, count: 101)
            for (what, op) in [
                ("put", { _ = try await bucket.put("big", big) }),
                ("create", { _ = try await bucket.create("big", big) }),
                ("update", { _ = try await bucket.update("fits", big, revision: 1) }),
                ("putAll", { _ = try await bucket.putAll([("big", big)]) }),
            ] as [(String, () async throws -> Void)] {
                let error = await #expect(throws: KeyValueError.self, "\(what)") { try await op() }
                guard case .valueTooLarge(let size, let limit)? = error else {
                    Issue.record("\(what): expected valueTooLarge, got \(String(describing: error))")
                    continue
                }
                #expect(limit == 100, "\(what): the limit should be the bucket's max value size")
                #expect(size == 101 || what == "putAll", "\(what)")
            }
            #expect(try await client.messageCount(bucket.name) == before)
            #expect(try await bucket.get("fits", revision: nil).value.count == 100)
            await #expect(throws: KeyValueError.keyNotFound("big")) { _ = try await bucket.get("big", revision: nil) }
        }
    }

    @Test("a full bucket (max bucket size, discard new) refuses writes with bucketFull")
    func bucketFull() async throws {
        try await withClient { client in
            let bucket = try await client.makeBucket("full") {
                $0.maxBucketSize = 2048
                $0.storage = .memory
            }
            var stored = 0
            var failure: (any Error)?
            for i in 0..<100 {
                do {
                    _ = try await bucket.put("k\(i)", [UInt8](repeating: 7, count: 200))
                    stored += 1
                } catch {
                    failure = error
                    break
                }
            }
            #expect(stored > 3 && stored < 12, "stored \(stored) values of 200 bytes in 2 KiB")
            #expect(failure as? KeyValueError == .bucketFull(bucket.name))
            #expect(KeyValueError.bucketFull(bucket.name).description == "nats: bucket \(bucket.name) is full: maximum bytes exceeded")
            let count = try await client.messageCount(bucket.name)
            #expect(count == UInt64(stored))
            // The failing write left nothing behind; reads still work.
            await #expect(throws: KeyValueError.keyNotFound("k\(stored)")) {
                _ = try await bucket.get("k\(stored)", revision: nil)
            }
            await #expect(throws: KeyValueError.bucketFull(bucket.name)) { _ = try await bucket.create("new", b(String(repeating: "x", count: 300))) }
            #expect(try await client.messageCount(bucket.name) == count)
            #expect(try await bucket.keys(filters: []).count == stored)
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
            #expect(keysError?.errCode == 10026, "maximum consumers limit reached: \(String(describing: keysError))")
            await #expect(throws: JetStreamError.self) { _ = try await bucket.history("k") }
            let second = WatchRecorder(try await bucket.watch(filters: [], options: WatchOptions()))
            try await second.wait("the second watch to fail") { _ in second.isFinished }
            #expect(second.failure?.contains("10026") == true, "\(second.failure ?? "no failure")")
            #expect(clock.now - start < .seconds(5))
            await second.stop()
            await watch.stop()
        }
    }

    @Test("every operation on a missing bucket is bucketNotFound")
    func missingBucket() async throws {
        try await withClient { client in
            let never = uniqueBucketName("never")
            await #expect(throws: KeyValueError.bucketNotFound(never)) { _ = try await client.store.bucket(never) }
            await #expect(throws: KeyValueError.bucketNotFound(never)) { try await client.store.deleteBucket(never) }
            #expect(KeyValueError.bucketNotFound(never).description == "nats: bucket not found: \(never)")

            // A handle whose bucket is deleted afterwards.
            let bucket = try await client.makeBucket("gone") { $0.history = 3 }
            let r = try await bucket.put("k", b("v"))
            try await client.store.deleteBucket(bucket.name)
            let missing = KeyValueError.bucketNotFound(bucket.name)
            let ops: [(String, () async throws -> Void)] = [
                ("status", { _ = try await bucket.status() }),
                ("put", { _ = try await bucket.put("k", b("v")) }),
                ("get", { _ = try await bucket.get("k", revision: nil) }),
                ("get revision", { _ = try await bucket.get("k", revision: r) }),
                ("create", { _ = try await bucket.create("k", b("v")) }),
                ("update", { _ = try await bucket.update("k", b("v"), revision: r) }),
                ("delete", { _ = try await bucket.delete("k", revision: nil) }),
                ("delete guarded", { _ = try await bucket.delete("k", revision: r) }),
                ("purge", { _ = try await bucket.purge("k", revision: nil) }),
                ("history", { _ = try await bucket.history("k") }),
                ("keys", { _ = try await bucket.keys(filters: []) }),
                ("keys filtered", { _ = try await bucket.keys(filters: ["a.*", "b"]) }),
                ("watch", { _ = try await bucket.watch(filters: [], options: WatchOptions()) }),
                ("putAll", { _ = try await bucket.putAll([("a", b("1")), ("b", b("2"))]) }),
            ]
            for (what, op) in ops {
                do {
                    try await op()
                    Issue.record("\(what) on a deleted bucket succeeded")
                } catch {
                    #expect(error as? KeyValueError == missing, "\(what): \(error)")
                }
            }
            // Nothing was re-created by the writes.
            await #expect(throws: missing) { _ = try await client.store.bucket(bucket.name) }
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
