import Foundation
@testable import Hooks
import KeyValue
import KeyValueEmbedded
import Shell
import Testing
import TestSupport

/// One process's side of a hook group, on the embedded store: the leases it takes, what
/// `hooks` shows, what a stop gives back, and the options' mistakes.
@Suite("Hook groups in one process", .offCooperativePool)
struct HookGroupTests {
    @Test("a lone member leases all 12 partitions, lists them, handles events once, and hands everything back on off")
    func loneMember() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try await EmbeddedKeyValueStore.open(path: dir + "/store.db")
        _ = try await store.createBucket(BucketConfig(bucket: "jobs"))
        let bucket = try await store.bucket("jobs")
        let file = dir + "/log"
        let spec = shellHook(.put, "jobs", run: "echo \"$KVSH_KEY\" >> \(sq(file))") {
            $0.group = "g1"
            $0.lease = .seconds(2)
        }
        let registry = HookRegistry(store: { store }, output: RecordingOutput())
        let id = try await registry.register(spec)
        try await waitUntil(30, "all partitions owned") { registry.list().first?.partitions == Array(0..<12) }
        let info = try #require(registry.list().first)
        #expect(info.group == "g1" && info.members.count == 1 && info.members == [info.member ?? ""])
        for i in 0..<20 { _ = try await bucket.put("k\(i)", [1]) }
        try await waitUntil(30, "20 runs") { fileLines(file).count == 20 }
        #expect(Set(fileLines(file)) == Set((0..<20).map { "k\($0)" }))
        try await waitUntil(30, "the counters") { registry.list().first?.fired == 20 }

        let leases = try await store.bucket("kvsh_group_g1")
        #expect(try await leases.status().ttlNanos == 2_000_000_000)
        #expect(try await leases.keys(filters: ["partitions.>"]).count == 12)
        #expect(await registry.remove(id))
        let left = try await leases.keys(filters: [])
        #expect(left.isEmpty, "a clean stop deletes its leases and its membership: \(left)")
        // Each partition's checkpoint: every event handled.
        let hooks = try await store.bucket("kvsh_hooks")
        for p in 0..<12 {
            let text = try await hooks.get("g1.p\(p)", revision: nil).valueString ?? ""
            #expect((UInt64(text.split(separator: " ").first ?? "") ?? 0) <= 20)
        }
        await registry.shutdown()
        await store.close()
    }

    @Test("a second member with another lease is refused and registers nothing")
    func leaseMismatch() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try await EmbeddedKeyValueStore.open(path: dir + "/store.db")
        _ = try await store.createBucket(BucketConfig(bucket: "jobs"))
        let first = HookRegistry(store: { store }, output: RecordingOutput())
        _ = try await first.register(shellHook(.put, "jobs", run: "true") { $0.group = "g2" })
        let second = HookRegistry(store: { store }, output: RecordingOutput())
        await #expect(throws: CommandError.self) {
            _ = try await second.register(shellHook(.put, "jobs", run: "true") {
                $0.group = "g2"
                $0.lease = .seconds(3)
            })
        }
        #expect(second.isEmpty)
        do {
            _ = try await second.register(shellHook(.put, "jobs", run: "true") {
                $0.group = "g2"
                $0.lease = .seconds(3)
            })
        } catch let error as CommandError {
            #expect(error.message == "on: group g2 has a lease of 10s (bucket kvsh_group_g2), not 3s: "
                    + "give --lease 10s or another group name")
        }
        await first.shutdown()
        await store.close()
    }

    @Test("option mistakes: --group with --durable, --lease without --group, bad names and leases")
    func optionMistakes() {
        func message(_ words: [String]) -> String? {
            do {
                _ = try HookSpec.parse(words, block: nil)
                return nil
            } catch let error as CommandError {
                return error.message
            } catch {
                return "\(error)"
            }
        }
        let usage = " (usage: \(HookSpec.usage))"
        #expect(message(["put", "b", "--group", "g", "--durable", "d", "run", "true"])
                == "on: --group and --durable exclude each other: a group keeps a checkpoint per partition" + usage)
        #expect(message(["put", "b", "--lease", "5s", "run", "true"])
                == "on: --lease is the lease of a --group: give --group NAME too" + usage)
        #expect(message(["put", "b", "--group", "a.b", "run", "true"])
                == "on: --group: 'a.b' is not a valid name: use letters, digits, '-' and '_'" + usage)
        #expect(message(["put", "b", "--group", "g", "--lease", "500ms", "run", "true"])
                == "on: --lease: invalid duration '500ms': use 1s to 5m, such as 10s" + usage)
        #expect(message(["put", "b", "--group", "g", "--lease", "6m", "run", "true"])
                == "on: --lease: invalid duration '6m': use 1s to 5m, such as 10s" + usage)
        #expect(message(["put", "b", "--group", "g", "--lease", "30s", "run", "true"]) == nil)
    }
}
