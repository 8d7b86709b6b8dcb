import Foundation
import KeyValue
import KeyValueTestSupport
import Testing
import TestSupport

@Suite("KV conformance: bad input", .natsServer)
struct BadInputTests {
    static let invalidBucketNames = ["", " ", "my kv", "my.kv", "kv*", "kv>", "a/b", "é", "a\n", "a$", "$KV"]

    @Test("invalid bucket names are refused by every store call, and nothing is created",
          arguments: Backend.allCases, invalidBucketNames)
    func invalidBucketName(_ backend: Backend, _ name: String) async throws {
        try await withStore(backend) { client in
            await #expect(throws: KeyValueError.invalidBucketName(name)) {
                _ = try await client.store.createBucket(BucketConfig(bucket: name))
            }
            await #expect(throws: KeyValueError.invalidBucketName(name)) { _ = try await client.store.bucket(name) }
            await #expect(throws: KeyValueError.invalidBucketName(name)) { try await client.store.deleteBucket(name) }
            let names = try await client.store.bucketStatuses().map(\.bucket)
            #expect(!names.contains(name))
        }
    }

    static let invalidKeys = ["a..b", ".a", "a.", "a b", "*", "a.*", ">", "a.>", "a*b", "", "é", "a\tb", "a$b", "a\r\nPUB"]

    @Test("invalid keys are refused by every operation without writing", arguments: Backend.allCases, invalidKeys)
    func invalidKey(_ backend: Backend, _ key: String) async throws {
        try await withStore(backend) { client in
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
                    #expect(error.description.hasPrefix("invalid key"))
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

    @Test("invalid filters are refused by keys and watch", arguments: Backend.allCases, ["a..b", ".a", "a.", "a b", "a*", "a.>.b", ">.a", "*a", ""])
    func invalidFilter(_ backend: Backend, _ filter: String) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("badfilter")
            _ = try await bucket.put("good", b("v"))
            await #expect(throws: KeyValueError.self) { _ = try await bucket.keys(filters: [filter]) }
            await #expect(throws: KeyValueError.self) { _ = try await bucket.keys(filters: ["good", filter]) }
            await #expect(throws: KeyValueError.self) {
                _ = try await bucket.watch(filters: [filter], options: WatchOptions())
            }
        }
    }

    @Test("a value over the bucket's max value size is valueTooLarge and is not stored", arguments: Backend.allCases)
    func overMaxValueSize(_ backend: Backend) async throws {
        try await withStore(backend) { client in
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
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "big")) { _ = try await bucket.get("big", revision: nil) }
        }
    }

    @Test("a full bucket (max bucket size, discard new) refuses writes with bucketFull", arguments: Backend.allCases)
    func bucketFull(_ backend: Backend) async throws {
        try await withStore(backend) { client in
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
            #expect(KeyValueError.bucketFull(bucket.name).description == "bucket \(bucket.name) is full: maximum bytes exceeded")
            let count = try await client.messageCount(bucket.name)
            #expect(count == UInt64(stored))
            // The failing write left nothing behind; reads still work.
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "k\(stored)")) {
                _ = try await bucket.get("k\(stored)", revision: nil)
            }
            await #expect(throws: KeyValueError.bucketFull(bucket.name)) { _ = try await bucket.create("new", b(String(repeating: "x", count: 300))) }
            #expect(try await client.messageCount(bucket.name) == count)
            #expect(try await bucket.keys(filters: []).count == stored)
        }
    }

    @Test("every operation on a missing bucket is bucketNotFound", arguments: Backend.allCases)
    func missingBucket(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let never = uniqueBucketName("never")
            await #expect(throws: KeyValueError.bucketNotFound(never)) { _ = try await client.store.bucket(never) }
            await #expect(throws: KeyValueError.bucketNotFound(never)) { try await client.store.deleteBucket(never) }
            #expect(KeyValueError.bucketNotFound(never).description == "bucket not found: \(never)")

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
