import Foundation
@testable import Hooks
import KeyValue
import KeyValueEmbedded
import Testing
import TestSupport

/// Hooks know only the `KeyValueStore` protocols: the same guarantees on the embedded store.
@Suite("Hooks on the embedded store", .offCooperativePool)
struct EmbeddedHookTests {
    @Test("in order, data as data, and --durable resumes after a stop with its checkpoint in the same file")
    func durableOnEmbedded() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try await EmbeddedKeyValueStore.open(path: dir + "/store.db")
        var config = BucketConfig(bucket: "jobs")
        config.history = 10
        _ = try await store.createBucket(config)
        let bucket = try await store.bucket("jobs")
        let file = dir + "/log"
        let spec = shellHook(.any, "jobs", run: "printf '%s %s ' \"$KVSH_REVISION\" \"$KVSH_OP\" >> \(sq(file)); "
                             + "cat >> \(sq(file)); echo >> \(sq(file))") { $0.durable = "embedded" }
        let first = HookRegistry(store: { store }, output: RecordingOutput())
        _ = try await first.register(spec)
        _ = try await bucket.put("a", Array("$(touch \(dir)/pwned)".utf8))
        _ = try await bucket.delete("a", revision: nil)
        try await waitUntil(60, "two runs") { fileLines(file).count == 2 }
        await first.shutdown()
        _ = try await bucket.put("b", Array("while stopped".utf8))
        let second = HookRegistry(store: { store }, output: RecordingOutput())
        _ = try await second.register(spec)
        try await waitUntil(60, "the write made while stopped") { fileLines(file).count == 3 }
        try await Task.sleep(for: .milliseconds(300))
        #expect(fileLines(file) == ["1 PUT $(touch \(dir)/pwned)", "2 DEL ", "3 PUT while stopped"])
        #expect(!FileManager.default.fileExists(atPath: dir + "/pwned"))
        // The checkpoint is saved after the run ends, so wait for it (bounded) rather than assume.
        try await waitUntil(30, "the checkpoint to reach revision 3") {
            (try? await store.bucket("kvsh_hooks").get("embedded", revision: nil).valueString) == "3"
        }
        await second.shutdown()
        await store.close()
    }

    @Test("a checkpoint at the largest revision (anyone who can write kvsh_hooks can store it) is refused")
    func checkpointAtTheLimit() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try await EmbeddedKeyValueStore.open(path: dir + "/store.db")
        _ = try await store.createBucket(BucketConfig(bucket: "jobs"))
        let checkpoints = try await Checkpoint.bucket(in: store, like: try await store.bucket("jobs"))
        _ = try await checkpoints.put("dur", Array("18446744073709551615".utf8))
        let registry = HookRegistry(store: { store }, output: RecordingOutput())
        let spec = shellHook(.put, "jobs", run: "true") { $0.durable = "dur" }
        do {
            _ = try await registry.register(spec)
            Issue.record("registered with a checkpoint nothing can follow")
        } catch {
            let text = "\(error)"
            #expect(text.contains("checkpoint of --durable dur in bucket kvsh_hooks is damaged"), "\(text)")
            #expect(text.contains("18446744073709551615 is the largest possible"), "\(text)")
        }
        #expect(registry.isEmpty)
        await registry.shutdown()
        await store.close()
    }

    @Test("a key no client may write (a doctored file) is never handed to a command: reported, escaped, skipped")
    func invalidKeySkipped() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/store.db"
        let store = try await EmbeddedKeyValueStore.open(path: path)
        _ = try await store.createBucket(BucketConfig(bucket: "jobs"))
        let bucket = try await store.bucket("jobs")
        _ = try await bucket.put("bad", Array("x".utf8))
        try editSQLiteFile(path, "UPDATE entries SET key = 'bad' || char(27) || '[2J;$(id)' WHERE seq = 1")
        let file = dir + "/log"
        let output = RecordingOutput()
        let registry = HookRegistry(store: { store }, output: output)
        let spec = shellHook(.any, "jobs", run: "printf '%s\\n' \"$KVSH_KEY\" >> \(sq(file))") { $0.initial = true }
        _ = try await registry.register(spec)
        _ = try await bucket.put("good", Array("y".utf8))
        try await waitUntil(60, "the run for the valid key") { fileLines(file).count == 1 }
        #expect(fileLines(file) == ["good"])
        #expect(output.err.contains("revision 1 skipped: its key \"bad\\x1b[2J;$(id)\" is not a valid key"),
                "\(output.err)")
        #expect(!output.err.contains("\u{1B}"))
        await registry.shutdown()
        await store.close()
    }
}
