import Foundation
import KeyValue
import KeyValueTestSupport
import Testing
import TestSupport

@Suite("KV conformance: key operations", .natsServer)
struct KeyOperationTests {
    @Test("put returns increasing revisions; get returns the latest and any retained revision", arguments: Backend.allCases)
    func putGet(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("putget") { $0.history = 5 }
            let r1 = try await bucket.put("Key1", b("Value1"))
            let r2 = try await bucket.put("Key1", b("Value2"))
            let other = try await bucket.put("Other", b("x"))
            #expect(r1 == 1 && r2 == 2 && other == 3)

            let latest = try await bucket.get("Key1", revision: nil)
            #expect(latest.bucket == bucket.name)
            #expect(latest.key == "Key1")
            #expect(latest.value == b("Value2"))
            #expect(latest.revision == r2)
            #expect(latest.operation == .put)
            #expect(latest.delta == 0)
            #expect(abs(latest.created.timeIntervalSinceNow) < 60)

            let old = try await bucket.get("Key1", revision: r1)
            #expect(old.value == b("Value1"))
            #expect(old.revision == r1)
            #expect(old.key == "Key1")
            #expect(try await bucket.get("Key1", revision: r2).value == b("Value2"))

            // A revision that belongs to another key is not this key's.
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "Key1")) {
                _ = try await bucket.get("Key1", revision: other)
            }
            // Revision 0 (never a revision), a revision past the end, and a key never written.
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "Key1")) {
                _ = try await bucket.get("Key1", revision: 0)
            }
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "Key1")) {
                _ = try await bucket.get("Key1", revision: 999)
            }
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "Nope")) {
                _ = try await bucket.get("Nope", revision: nil)
            }
            #expect(KeyValueError.keyNotFound(bucket: bucket.name, key: "Nope").description == "key not found")
        }
    }

    @Test("history 1 keeps only the latest revision", arguments: Backend.allCases)
    func historyOne(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("h1")
            let r1 = try await bucket.put("k", b("a"))
            let r2 = try await bucket.put("k", b("b"))
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "k")) { _ = try await bucket.get("k", revision: r1) }
            #expect(try await bucket.get("k", revision: r2).value == b("b"))
            #expect(try await bucket.history("k").map(\.revision) == [r2])
            #expect(try await client.messageCount(bucket.name) == 1)
        }
    }

    @Test("create succeeds once; then key exists with the nats wording", arguments: Backend.allCases)
    func createOnce(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("create") { $0.history = 5 }
            _ = try await bucket.put("filler", b("f"))
            let r = try await bucket.create("Semaphore1", b("Value1"))
            let error = await #expect(throws: KeyValueError.self) {
                _ = try await bucket.create("Semaphore1", b("Value1"))
            }
            #expect(error == .keyExists(bucket: bucket.name, key: "Semaphore1", lastRevision: r))
            #expect(error?.description == "wrong last sequence: \(r): key exists")
            #expect(try await bucket.get("Semaphore1", revision: nil).revision == r)
            #expect(try await client.messageCount(bucket.name) == 2)
        }
    }

    @Test("create after delete and after purge succeeds (a marker counts as absent)", arguments: Backend.allCases)
    func createAfterMarkers(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("marker") { $0.history = 10 }
            let r1 = try await bucket.create("lock", b("holder-1"))
            let del = try await bucket.delete("lock", revision: nil)
            #expect(del > r1)
            let r2 = try await bucket.create("lock", b("holder-2"))
            #expect(r2 == del + 1)
            #expect(try await bucket.get("lock", revision: nil).value == b("holder-2"))
            await #expect(throws: KeyValueError.keyExists(bucket: bucket.name, key: "lock", lastRevision: r2)) {
                _ = try await bucket.create("lock", b("holder-3"))
            }
            let purge = try await bucket.purge("lock", revision: nil)
            let r3 = try await bucket.create("lock", b("holder-3"))
            #expect(r3 == purge + 1)
            #expect(try await bucket.get("lock", revision: nil).value == b("holder-3"))
            #expect(try await bucket.history("lock").map(\.operation) == [.purge, .put])
        }
    }

    @Test("update with the latest revision wins; a stale revision fails with the nats wording", arguments: Backend.allCases)
    func updateCompareAndSet(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("cas") { $0.history = 5 }
            let r1 = try await bucket.put("Semaphore1", b("Value1"))
            let r2 = try await bucket.update("Semaphore1", b("Value2"), revision: r1)
            #expect(r2 > r1)
            let error = await #expect(throws: KeyValueError.self) {
                _ = try await bucket.update("Semaphore1", b("Value3"), revision: r1)
            }
            #expect(error == .wrongLastRevision(bucket: bucket.name, key: "Semaphore1", expected: r1, actual: r2))
            #expect(error?.description == "wrong last sequence: \(r2)")
            #expect(try await bucket.get("Semaphore1", revision: nil).value == b("Value2"))
            // Revision 0 means "must not exist".
            await #expect(throws: KeyValueError.wrongLastRevision(bucket: bucket.name, key: "Semaphore1", expected: 0, actual: r2)) {
                _ = try await bucket.update("Semaphore1", b("x"), revision: 0)
            }
            #expect(try await client.messageCount(bucket.name) == 2)
        }
    }

    @Test("update of a deleted key works with the delete marker's revision", arguments: Backend.allCases)
    func updateDeletedKey(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("upddel") { $0.history = 5 }
            let r1 = try await bucket.put("k", b("v1"))
            let marker = try await bucket.delete("k", revision: nil)
            await #expect(throws: KeyValueError.wrongLastRevision(bucket: bucket.name, key: "k", expected: r1, actual: marker)) {
                _ = try await bucket.update("k", b("v2"), revision: r1)
            }
            let r3 = try await bucket.update("k", b("v2"), revision: marker)
            #expect(try await bucket.get("k", revision: nil).revision == r3)
        }
    }

    @Test("of many concurrent updates with the same revision exactly one wins", arguments: Backend.allCases)
    func optimisticLocking(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("race") { $0.history = 20 }
            let start = try await bucket.put("counter", b("0"))
            let results = await withTaskGroup(of: Result<UInt64, any Error>.self) { group in
                for i in 0..<10 {
                    group.addTask {
                        do { return .success(try await bucket.update("counter", b("\(i + 1)"), revision: start)) }
                        catch { return .failure(error) }
                    }
                }
                var all: [Result<UInt64, any Error>] = []
                for await r in group { all.append(r) }
                return all
            }
            let winners = results.compactMap { try? $0.get() }
            #expect(winners.count == 1)
            for case .failure(let error) in results {
                #expect(error as? KeyValueError == .wrongLastRevision(bucket: bucket.name, key: "counter", expected: start,
                                                                      actual: winners.first ?? 0))
            }
            #expect(try await bucket.history("counter").count == 2)

            // The same holds for create: one lock holder.
            let creates = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<10 {
                    group.addTask { (try? await bucket.create("lock", b("holder-\(i)"))) != nil }
                }
                var wins = 0
                for await won in group where won { wins += 1 }
                return wins
            }
            #expect(creates == 1)
        }
    }

    @Test("delete writes a DEL marker; a missing key is fine; guarded delete checks the revision", arguments: Backend.allCases)
    func deleteKey(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("delete") { $0.history = 5 }
            let missing = try await bucket.delete("never-written", revision: nil)
            #expect(missing == 1)
            let r = try await bucket.put("Key1", b("Value1"))
            let stale = r - 1
            await #expect(throws: KeyValueError.wrongLastRevision(bucket: bucket.name, key: "Key1", expected: stale, actual: r)) {
                _ = try await bucket.delete("Key1", revision: stale)
            }
            #expect(try await bucket.get("Key1", revision: nil).value == b("Value1"))
            let marker = try await bucket.delete("Key1", revision: r)
            #expect(marker == r + 1)
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "Key1")) { _ = try await bucket.get("Key1", revision: nil) }
            // The marker's own revision is not a value either; the old value still is.
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "Key1")) { _ = try await bucket.get("Key1", revision: marker) }
            #expect(try await bucket.get("Key1", revision: r).value == b("Value1"))
            // Deleting again is fine.
            _ = try await bucket.delete("Key1", revision: nil)
            let history = try await bucket.history("Key1")
            #expect(history.map(\.operation) == [.put, .delete, .delete])
            #expect(history.map(\.value) == [b("Value1"), [], []])
        }
    }

    @Test("purge collapses a key's history to one PURGE marker; guarded purge checks the revision", arguments: Backend.allCases)
    func purgeKey(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("purge") { $0.history = 10 }
            for i in 1...4 { _ = try await bucket.put("k", b("v\(i)")) }
            _ = try await bucket.put("other", b("stays"))
            let latest = try await bucket.get("k", revision: nil).revision
            await #expect(throws: KeyValueError.wrongLastRevision(bucket: bucket.name, key: "k", expected: 1, actual: latest)) {
                _ = try await bucket.purge("k", revision: 1)
            }
            #expect(try await client.messageCount(bucket.name) == 5)
            let marker = try await bucket.purge("k", revision: latest)
            let history = try await bucket.history("k")
            #expect(history.count == 1)
            #expect(history.first?.operation == .purge)
            #expect(history.first?.revision == marker)
            #expect(history.first?.value == [])
            #expect(try await client.messageCount(bucket.name) == 2)
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "k")) { _ = try await bucket.get("k", revision: nil) }
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "k")) { _ = try await bucket.get("k", revision: 1) }
            #expect(try await bucket.get("other", revision: nil).value == b("stays"))
            #expect(try await bucket.keys(filters: []) == ["other"])
        }
    }

    @Test("history lists PUT, DEL and PURGE in order with deltas counting down to 0", arguments: Backend.allCases)
    func history(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("history") { $0.history = 10 }
            _ = try await bucket.put("k", b("1"))
            _ = try await bucket.put("noise", b("n"))
            _ = try await bucket.put("k", b("2"))
            _ = try await bucket.delete("k", revision: nil)
            _ = try await bucket.put("k", b("3"))
            _ = try await bucket.put("k.sub", b("not k"))
            let history = try await bucket.history("k")
            #expect(history.map(\.revision) == [1, 3, 4, 5])
            #expect(history.map(\.operation) == [.put, .put, .delete, .put])
            #expect(history.map(\.delta) == [3, 2, 1, 0])
            #expect(history.map(\.key) == ["k", "k", "k", "k"])
            #expect(history.allSatisfy { $0.bucket == bucket.name })
            #expect(history.map(\.created) == history.map(\.created).sorted())

            _ = try await bucket.purge("k", revision: nil)
            _ = try await bucket.put("k", b("4"))
            let afterPurge = try await bucket.history("k")
            #expect(afterPurge.map(\.operation) == [.purge, .put])
            #expect(afterPurge.map(\.delta) == [1, 0])

            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "missing")) { _ = try await bucket.history("missing") }
        }
    }

    @Test("keys are sorted, exclude deleted and purged keys, and honour filters", arguments: Backend.allCases)
    func keys(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("keys") { $0.history = 3 }
            #expect(try await bucket.keys(filters: []) == [])
            for key in ["b", "a.x", "a.y.z", "c", "a.x", "zz.1", "d", "e"] {
                _ = try await bucket.put(key, b("v"))
            }
            _ = try await bucket.delete("d", revision: nil)
            _ = try await bucket.purge("e", revision: nil)
            #expect(try await bucket.keys(filters: []) == ["a.x", "a.y.z", "b", "c", "zz.1"])
            #expect(try await bucket.keys(filters: [">"]) == ["a.x", "a.y.z", "b", "c", "zz.1"])
            #expect(try await bucket.keys(filters: ["a.*"]) == ["a.x"])
            #expect(try await bucket.keys(filters: ["a.>"]) == ["a.x", "a.y.z"])
            #expect(try await bucket.keys(filters: ["*"]) == ["b", "c"])
            #expect(try await bucket.keys(filters: ["a.*", "zz.*"]) == ["a.x", "zz.1"])
            #expect(try await bucket.keys(filters: ["b", "c", "d"]) == ["b", "c"])
            #expect(try await bucket.keys(filters: ["nothing.*"]) == [])
            #expect(try await bucket.keys(filters: ["d"]) == [])
            // Overlapping and repeated filters mean their union (the server refuses such lists as is).
            #expect(try await bucket.keys(filters: ["a.*", "a.>"]) == ["a.x", "a.y.z"])
            #expect(try await bucket.keys(filters: ["a.x", "a.x"]) == ["a.x"])
            #expect(try await bucket.keys(filters: ["a.x", "a.*", "b", "*"]) == ["a.x", "b", "c"])
            #expect(try await bucket.keys(filters: ["a.*", "*.x"]) == ["a.x"])
            #expect(try await bucket.keys(filters: ["a.>", ">"]) == ["a.x", "a.y.z", "b", "c", "zz.1"])
            // A deleted key that comes back is listed again.
            _ = try await bucket.put("d", b("back"))
            #expect(try await bucket.keys(filters: ["d", "e"]) == ["d"])
        }
    }

    @Test("binary values: every byte value round-trips, and an empty value is a value", arguments: Backend.allCases)
    func binaryValues(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("binary") { $0.history = 5 }
            let allBytes = (0...255).map(UInt8.init)
            let tricky = b("\r\nPUB x 1\r\n") + [0, 0xFF, 0x0D, 0x0A] + b("NATS/1.0\r\n\r\n")
            let r1 = try await bucket.put("all", allBytes)
            _ = try await bucket.put("tricky", tricky)
            let empty = try await bucket.put("empty", [])
            #expect(try await bucket.get("all", revision: nil).value == allBytes)
            #expect(try await bucket.get("all", revision: r1).value == allBytes)
            #expect(try await bucket.get("tricky", revision: nil).value == tricky)

            let emptyEntry = try await bucket.get("empty", revision: nil)
            #expect(emptyEntry.value == [])
            #expect(emptyEntry.operation == .put)
            #expect(emptyEntry.revision == empty)
            #expect(try await bucket.keys(filters: []) == ["all", "empty", "tricky"])
            #expect(try await bucket.history("empty").map(\.operation) == [.put])
            // create refuses an empty value as an existing value
            await #expect(throws: KeyValueError.keyExists(bucket: bucket.name, key: "empty", lastRevision: empty)) {
                _ = try await bucket.create("empty", b("x"))
            }
            // and an empty update is allowed
            let r = try await bucket.update("all", [], revision: r1)
            #expect(try await bucket.get("all", revision: nil).value == [])
            #expect(try await bucket.get("all", revision: nil).revision == r)

            // 256 values of one byte each, pipelined.
            let items = allBytes.map { (key: "byte.\($0)", value: [$0]) }
            let revisions = try await bucket.putAll(items)
            #expect(revisions.count == 256)
            #expect(revisions == revisions.sorted())
            for value in [UInt8(0), 10, 13, 127, 128, 255] {
                #expect(try await bucket.get("byte.\(value)", revision: nil).value == [value])
            }
            #expect(try await bucket.keys(filters: ["byte.*"]).count == 256)
        }
    }

    @Test("putAll stores in input order: revisions increase and the last write of a key wins", arguments: Backend.allCases)
    func putAllInOrder(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("putall") { $0.history = 64 }
            let items = (0..<3000).map { (key: "k\($0 % 3)", value: b("\($0)")) }
            let revisions = try await bucket.putAll(items)
            #expect(revisions == Array(1...3000))
            #expect(try await bucket.get("k0", revision: nil).valueString == "2997")
            #expect(try await bucket.get("k1", revision: nil).valueString == "2998")
            #expect(try await bucket.get("k2", revision: nil).valueString == "2999")
            for (i, r) in revisions.enumerated().suffix(150) where i % 7 == 0 { // still in the 64-deep history
                #expect(try await bucket.get(items[i].key, revision: r).value == items[i].value)
            }
            #expect(try await bucket.putAll([]) == [])
        }
    }

    @Test("keys with every allowed character class round-trip", arguments: Backend.allCases)
    func keyCharacters(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("keychars")
            let keys = ["a-b", "a/b", "a_b", "a=b", "A.Z.0.9", "_kv.x", "x.y-z/=_"]
            for key in keys { _ = try await bucket.put(key, b(key)) }
            for key in keys { #expect(try await bucket.get(key, revision: nil).valueString == key) }
            #expect(try await bucket.keys(filters: []) == keys.sorted())
        }
    }

    @Test("bucket TTL: a value expires from get and keys", arguments: Backend.allCases)
    func ttlExpiry(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            // 3 s: time enough to read the value back on a loaded machine before it expires.
            let bucket = try await client.makeBucket("ttl") { $0.ttlNanos = 3_000_000_000 }
            let status = try await bucket.status()
            #expect(status.ttlNanos == 3_000_000_000)
            _ = try await bucket.put("lease", b("held"))
            #expect(try await bucket.get("lease", revision: nil).value == b("held"))
            #expect(try await bucket.keys(filters: []) == ["lease"])
            let expired = try await eventually(timeout: .seconds(15)) {
                (try? await bucket.get("lease", revision: nil)) == nil
            }
            #expect(expired, "the value should expire about 3 s after it was written")
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "lease")) { _ = try await bucket.get("lease", revision: nil) }
            #expect(try await bucket.keys(filters: []) == [])
            #expect(try await client.messageCount(bucket.name) == 0)
            // Once expired, the key can be created again (the semaphore pattern).
            _ = try await bucket.create("lease", b("next holder"))
        }
    }

    @Test("a bucket handle keeps working across connections (bind by name)", arguments: Backend.allCases)
    func bindFromAnotherConnection(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("bind") { $0.history = 2 }
            _ = try await bucket.put("k", b("v"))
            try await client.withSecondHandle { other in
                let same = try await other.bucket(bucket.name)
                #expect(try await same.get("k", revision: nil).value == b("v"))
            }
        }
    }
}
