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
}
