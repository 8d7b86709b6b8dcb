import Foundation
@testable import Hooks
import KeyValue
import Testing

/// Revisions and pending counts come from the backend (a server, a shared file): the hook's
/// arithmetic on them must not trap at the 64-bit limit.
@Suite("Hook arithmetic at the limits", .offCooperativePool)
struct HookArithmeticTests {
    @Test("the largest revision is handled, then the hook stops with a report instead of trapping")
    func largestRevision() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bucket = ScriptedBucket([
            .init(events: [.initialValuesDone, ScriptedBucket.entry(.max - 1), ScriptedBucket.entry(.max),
                           ScriptedBucket.entry(3)], failure: nil),
        ])
        let out = RecordingOutput()
        let registry = HookRegistry(store: { bucket }, output: out)
        _ = try await registry.register(shellHook(.put, "scripted",
                                                  run: "echo \"$KVSH_REVISION\" >> \(sq(dir + "/log"))"))
        try await waitUntil(60, "the report") { out.err.contains("the largest possible; the hook stops") }
        try await waitUntil(60, "both runs") { registry.list().first?.fired == 2 }
        #expect(fileLines(dir + "/log") == ["18446744073709551614", "18446744073709551615"])
        #expect(bucket.watchOptions.count == 1, "not reopened")
        await registry.shutdown()
    }

    @Test("a pending count of 2^64 - 1 from the backend plus queued runs saturates in the listing")
    func pendingSaturates() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gate = dir + "/go"
        var first = Entry(bucket: "scripted", key: "k", value: [], revision: 1, created: Date(timeIntervalSince1970: 0))
        first.delta = .max
        let bucket = ScriptedBucket([.init(events: [.initialValuesDone, .entry(first)], failure: nil)])
        let registry = HookRegistry(store: { bucket }, output: RecordingOutput())
        // The run waits for the test's gate file, so the event is counted as running meanwhile.
        _ = try await registry.register(shellHook(.put, "scripted",
                                                  run: "i=0; while [ ! -e \(sq(gate)) ] && [ $i -lt 600 ]; do "
                                                      + "sleep 0.05; i=$((i+1)); done"))
        try await waitUntil(60, "the run to start") { registry.list().first?.pending == .max }
        _ = FileManager.default.createFile(atPath: gate, contents: nil)
        try await waitUntil(60, "the run to end") { registry.list().first?.fired == 1 }
        #expect(registry.list().first?.pending == .max)
        await registry.shutdown()
    }
}
