import Foundation
import KeyValue
import KeyValueTestSupport
import Testing
import TestSupport

/// Corners of the JetStream KV semantics the embedded store must reproduce exactly.
@Suite("KV conformance: edge cases", .natsServer)
struct EdgeCaseTests {
    @Test("revisions are per bucket: two buckets count independently, and purges never reuse one",
          arguments: Backend.allCases)
    func revisionsPerBucket(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let a = try await client.makeBucket("seqa") { $0.history = 3 }
            let other = try await client.makeBucket("seqb")
            #expect(try await a.put("x", b("1")) == 1)
            #expect(try await other.put("x", b("1")) == 1)
            #expect(try await a.put("y", b("2")) == 2)
            #expect(try await a.purge("x", revision: nil) == 3)
            #expect(try await a.purge("y", revision: nil) == 4)
            #expect(try await a.put("z", b("3")) == 5)
            #expect(try await other.put("x", b("2")) == 2)
        }
    }

    @Test("update and guarded delete with revision 0 succeed only for a key never written",
          arguments: Backend.allCases)
    func revisionZero(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("zero") { $0.history = 5 }
            let r1 = try await bucket.update("fresh", b("v"), revision: 0)
            #expect(try await bucket.get("fresh", revision: nil).revision == r1)
            await #expect(throws: KeyValueError.wrongLastRevision(bucket: bucket.name, key: "fresh", expected: 0, actual: r1)) {
                _ = try await bucket.update("fresh", b("w"), revision: 0)
            }
            let d = try await bucket.delete("other", revision: 0)
            #expect(d == r1 + 1)
            await #expect(throws: KeyValueError.wrongLastRevision(bucket: bucket.name, key: "other", expected: 0, actual: d)) {
                _ = try await bucket.purge("other", revision: 0)
            }
            // create over a delete marker, then create fails naming the new revision
            let c = try await bucket.create("other", b("back"))
            await #expect(throws: KeyValueError.keyExists(bucket: bucket.name, key: "other", lastRevision: c)) {
                _ = try await bucket.create("other", b("again"))
            }
        }
    }

    @Test("history is trimmed per key: markers count, other keys keep theirs", arguments: Backend.allCases)
    func historyPerKey(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("trim") { $0.history = 2 }
            _ = try await bucket.put("a", b("1"))
            _ = try await bucket.put("b", b("1"))
            _ = try await bucket.put("a", b("2"))
            _ = try await bucket.delete("a", revision: nil)
            #expect(try await bucket.history("a").map(\.operation) == [.put, .delete])
            #expect(try await bucket.history("a").map(\.revision) == [3, 4])
            #expect(try await bucket.history("b").map(\.revision) == [2])
            #expect(try await client.messageCount(bucket.name) == 3)
            // The trimmed revision is gone for get too.
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "a")) { _ = try await bucket.get("a", revision: 1) }
            #expect(try await bucket.get("a", revision: 3).valueString == "2")
        }
    }

    @Test("bucket TTL: expired entries leave get, history, keys, watch and the counts", arguments: Backend.allCases)
    func ttlEverywhere(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("ttlall") {
                $0.ttlNanos = 3_000_000_000
                $0.history = 5
            }
            // Written first, so it has expired by the time "old" has.
            _ = try await bucket.delete("gone", revision: nil)
            _ = try await bucket.put("old", b("1"))
            _ = try await bucket.put("old", b("2"))
            // "fresh" outlives "old" by 2 s: time for the checks below on a loaded machine.
            try await Task.sleep(for: .seconds(2))
            let fresh = try await bucket.put("fresh", b("3"))
            let expired = try await eventually(timeout: .seconds(15)) {
                (try? await bucket.get("old", revision: nil)) == nil
            }
            #expect(expired)
            #expect(try await bucket.get("fresh", revision: nil).revision == fresh)
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "old")) { _ = try await bucket.history("old") }
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "old")) { _ = try await bucket.get("old", revision: 3) }
            #expect(try await bucket.keys(filters: []) == ["fresh"])
            let watch = WatchRecorder(try await bucket.watch(filters: [], options: WatchOptions(includeHistory: true)))
            let initial = try await watch.waitForMarker()
            #expect(describe(initial) == "PUT fresh@4(d0)=3, <init done>")
            await watch.stop()
            #expect(try await client.messageCount(bucket.name) == 1)
            let status = try await bucket.status()
            #expect(status.values == 1)
            #expect(status.bytes > 0)
            // Revisions go on after expiry.
            #expect(try await bucket.put("old", b("4")) == 5)
        }
    }

    @Test("a full bucket still takes a write that replaces a key's oldest revision at its history limit",
          arguments: Backend.allCases)
    func fullBucketAtHistoryLimit(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("fullrep") { $0.maxBucketSize = 1024 }
            var stored = 0
            for i in 0..<50 {
                do {
                    _ = try await bucket.put("k\(i)", [UInt8](repeating: 1, count: 100))
                    stored += 1
                } catch {
                    #expect(error as? KeyValueError == .bucketFull(bucket.name))
                    break
                }
            }
            #expect(stored > 3 && stored < 10)
            let before = try await bucket.status()
            // k0 holds its one allowed revision: the new one replaces it.
            let r = try await bucket.put("k0", [UInt8](repeating: 2, count: 100))
            #expect(try await bucket.get("k0", revision: nil).revision == r)
            #expect(try await bucket.status().values == before.values)
            // A new key still does not fit, and nothing is written.
            await #expect(throws: KeyValueError.bucketFull(bucket.name)) {
                _ = try await bucket.create("new", [UInt8](repeating: 3, count: 100))
            }
            #expect(try await bucket.status().values == before.values)
        }
    }

    @Test("live watch entries have delta 0 and arrive in revision order across keys", arguments: Backend.allCases)
    func liveOrder(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("order") { $0.history = 10 }
            let watch = WatchRecorder(try await bucket.watch(filters: ["k.*"], options: WatchOptions()))
            try await watch.waitForMarker()
            var revisions: [UInt64] = []
            for i in 0..<30 {
                let r = try await bucket.put("k.\(i % 4)", b("\(i)"))
                _ = try await bucket.put("other", b("\(i)"))
                revisions.append(r)
            }
            let entries = try await watch.waitForEntries(30)
            #expect(entries.map(\.revision) == revisions)
            #expect(entries.last?.delta == 0)
            #expect(entries.allSatisfy { $0.key.hasPrefix("k.") })
            await watch.stop()
        }
    }

    @Test("a live watch sees each acknowledged write, even when history 1 replaces it at once",
          arguments: Backend.allCases)
    func watchSeesReplacedRevisions(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("replaced")
            let watch = WatchRecorder(try await bucket.watch(filters: [], options: WatchOptions()))
            try await watch.waitForMarker()
            // One batch: on the embedded store all 50 commit together, before the watcher wakes.
            _ = try await bucket.putAll((1...50).map { (key: "k", value: b("\($0)")) })
            _ = try await bucket.delete("k", revision: nil)
            _ = try await bucket.put("k", b("after delete"))
            _ = try await bucket.purge("k", revision: nil)
            try await watch.wait("revision 53") { $0.contains { if case .entry(let e) = $0 { e.revision == 53 } else { false } } }
            let entries = watch.entries
            let revisions = entries.map(\.revision)
            #expect(revisions == revisions.sorted() && Set(revisions).count == revisions.count)
            // Writes acknowledged one at a time all arrive, on both backends.
            #expect(revisions.suffix(4) == [50, 51, 52, 53])
            #expect(entries.map(\.operation).suffix(3) == [.delete, .put, .purge])
            switch client.backend {
            case .embedded:
                // The embedded store keeps replaced revisions a minute for watchers: all arrive.
                #expect(revisions == Array(1...53))
            case .nats:
                // The server skips what history 1 removed before the consumer pushed it.
                #expect(revisions.allSatisfy { (1...53).contains($0) })
            }
            #expect(try await bucket.history("k").map(\.revision) == [53])
            #expect(try await client.messageCount(bucket.name) == 1)
            await watch.stop()
        }
    }

    @Test("a stopped watch ends its sequence; a new watch on the same bucket starts afresh", arguments: Backend.allCases)
    func stopAndRewatch(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("rewatch")
            _ = try await bucket.put("k", b("1"))
            let first = WatchRecorder(try await bucket.watch(filters: [], options: WatchOptions()))
            try await first.waitForMarker()
            await first.stop()
            #expect(first.isFinished)
            _ = try await bucket.put("k", b("2"))
            let second = WatchRecorder(try await bucket.watch(filters: [], options: WatchOptions()))
            #expect(describe(try await second.waitForMarker()) == "PUT k@2(d0)=2, <init done>")
            await second.stop()
        }
    }

    @Test("a bucket deleted and re-created under the same name starts empty at revision 1", arguments: Backend.allCases)
    func recreateStartsOver(_ backend: Backend) async throws {
        try await withStore(backend) { client in
            let bucket = try await client.makeBucket("again")
            _ = try await bucket.put("k", b("1"))
            _ = try await bucket.put("k", b("2"))
            try await client.store.deleteBucket(bucket.name)
            _ = try await client.store.createBucket(BucketConfig(bucket: bucket.name))
            // The old handle is bound by name, as a JetStream bucket is bound to its stream.
            #expect(try await bucket.put("k", b("new")) == 1)
            #expect(try await bucket.history("k").count == 1)
        }
    }
}
