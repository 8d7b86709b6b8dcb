import Foundation
@testable import Hooks
import KeyValue
import Shell
import Testing
import TestSupport

/// Hooks on a real nats-server with real child processes: ordering, no loss, no duplicates.
@Suite("Hook delivery", .offCooperativePool)
struct HookDeliveryTests {
    @Test("10,000 puts with a kill -9 and restart in the middle: each revision handled exactly once, in order")
    func crashExactlyOnce() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("crash", history: 64)
        let out = RecordingOutput()
        let registry = client.registry(output: out)
        let file = dir + "/revisions"
        _ = try await registry.register(shellHook(.put, "crash", run: "echo \"$KVSH_REVISION\" >> \(sq(file))"))

        let total = 10_000, batch = 200
        var written = 0
        var crashed = false
        while written < total {
            if !crashed && written >= total / 2 {
                crashed = true
                try await offPool { server.kill9() }
                try await Task.sleep(for: .milliseconds(500))
                try await offPool { try server.restart() }
            }
            let items = (written..<written + batch).map { (key: "k.\($0)", value: Array("\($0)".utf8)) }
            var attempt = 0
            while true {
                do {
                    _ = try await bucket.putAll(items)
                    break
                } catch {
                    // A batch cut by the crash is written again: duplicates are new revisions.
                    attempt += 1
                    if attempt >= 60 { throw TestSupportError("batch at \(written) failed: \(error)") }
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            written += batch
        }
        let last = try await client.js.streamInfo("KV_crash").state.lastSeq
        #expect(last >= UInt64(total))
        try await waitUntil(900, "the hook to handle revision \(last) (at \(fileLines(file).count))") {
            fileLines(file).count >= Int(last)
        }
        try await Task.sleep(for: .milliseconds(300))  // anything extra would show now
        let lines = fileLines(file)
        #expect(lines.count == Int(last), "\(lines.count) lines for \(last) revisions")
        let revisions = lines.compactMap { UInt64($0) }
        let mismatch = zip(revisions, 1...last).first { $0.0 != $0.1 }
        #expect(revisions == Array(1...last), "first mismatch (seen, expected): \(mismatch.map { "\($0)" } ?? "none")")
        let info = try #require(registry.list().first)
        #expect(info.fired == Int(last) && info.failed == 0 && info.lastRevision == last)
        #expect(out.err.isEmpty, "\(out.err)")
        await registry.shutdown()
        await client.close()
    }

    @Test("--durable: stopped mid-stream and started again, nothing is missed and nothing finished runs twice")
    func durableResume() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("orders", history: 10)
        let file = dir + "/handled"
        // Slow enough that the stop comes while events are still queued. One key per write:
        // the bucket's history must keep every revision for a restart to see them all.
        let spec = shellHook(.put, "orders", run: "sleep 0.02; echo \"$KVSH_REVISION\" >> \(sq(file))") {
            $0.durable = "shipper"
        }
        let firstOutput = RecordingOutput()
        let first = client.registry(output: firstOutput)
        _ = try await first.register(spec)
        _ = try await bucket.putAll((1...200).map { (key: "o.\($0)", value: Array("\($0)".utf8)) })
        try await waitUntil(120, "some events handled") { fileLines(file).count >= 20 }
        await first.shutdown()
        let handledBeforeStop = fileLines(file).count
        #expect(handledBeforeStop < 200, "the stop should come mid-stream")
        let checkpoint = try await client.store.bucket("kvsh_hooks").get("shipper", revision: nil)
        #expect(checkpoint.valueString == String(handledBeforeStop), "the checkpoint is the last finished revision")
        #expect(firstOutput.err.isEmpty, "\(firstOutput.err)")

        // Written while nothing ran.
        _ = try await bucket.putAll((201...300).map { (key: "o.\($0)", value: Array("\($0)".utf8)) })
        let second = client.registry(output: RecordingOutput())
        _ = try await second.register(spec)
        try await waitUntil(300, "all 300 handled (at \(fileLines(file).count))") { fileLines(file).count >= 300 }
        try await Task.sleep(for: .milliseconds(300))
        #expect(fileLines(file) == (1...300).map(String.init))
        await second.shutdown()
        await client.close()
    }

    @Test("--durable: a run cut off by the stop (past its grace) is handled again after a restart")
    func durableRerunsInterrupted() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("work")
        let file = dir + "/log"
        let gate = dir + "/open"
        // Runs of "stuck" wait until the gate file exists; the first start never opens it.
        let text = "echo \"start $KVSH_KEY\" >> \(sq(file)); "
            + "while [ \"$KVSH_KEY\" = stuck ] && [ ! -e \(sq(gate)) ]; do sleep 0.05; done; "
            + "echo \"done $KVSH_KEY\" >> \(sq(file))"
        let spec = shellHook(.put, "work", run: text) { $0.durable = "w" }
        let first = client.registry(output: RecordingOutput(), stopGrace: .milliseconds(300))
        _ = try await first.register(spec)
        _ = try await bucket.put("quick", [1])
        _ = try await bucket.put("stuck", [1])
        try await waitUntil(60, "the stuck run to start") { fileLines(file).contains("start stuck") }
        await first.shutdown()
        #expect(fileLines(file) == ["start quick", "done quick", "start stuck"])

        #expect(FileManager.default.createFile(atPath: gate, contents: nil))
        let second = client.registry(output: RecordingOutput())
        _ = try await second.register(spec)
        try await waitUntil(60, "the stuck event again") { fileLines(file).contains("done stuck") }
        try await Task.sleep(for: .milliseconds(300))
        #expect(fileLines(file) == ["start quick", "done quick", "start stuck", "start stuck", "done stuck"],
                "the finished event is not repeated; the cut-off one is")
        await second.shutdown()
        await client.close()
    }

    @Test("--durable on first start remembers 'now': a stop before any event misses nothing")
    func durableFirstStart() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("jobs")
        _ = try await bucket.put("old", Array("before the hook".utf8))
        let file = dir + "/handled"
        let spec = shellHook(.any, "jobs", run: "echo \"$KVSH_KEY $KVSH_REVISION\" >> \(sq(file))") { $0.durable = "j" }
        let first = client.registry(output: RecordingOutput())
        _ = try await first.register(spec)
        await first.shutdown()
        _ = try await bucket.put("new", Array("while stopped".utf8))
        let second = client.registry(output: RecordingOutput())
        _ = try await second.register(spec)
        try await waitUntil(60, "the change made while stopped") { !fileLines(file).isEmpty }
        try await Task.sleep(for: .milliseconds(300))
        #expect(fileLines(file) == ["new 2"], "the value from before the first start does not fire")
        await second.shutdown()
        await client.close()
    }

    @Test("--initial fires for the current values first; without it only changes fire")
    func initialValues() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("cfg")
        _ = try await bucket.put("a", Array("1".utf8))
        _ = try await bucket.put("b", Array("2".utf8))
        let registry = client.registry(output: RecordingOutput())
        _ = try await registry.register(shellHook(.put, "cfg", run: "echo \"$KVSH_KEY\" >> \(sq(dir + "/with"))") {
            $0.initial = true
        })
        _ = try await registry.register(shellHook(.put, "cfg", run: "echo \"$KVSH_KEY\" >> \(sq(dir + "/without"))"))
        _ = try await bucket.put("c", Array("3".utf8))
        try await waitUntil(60, "both hooks to see c") {
            fileLines(dir + "/with").count == 3 && fileLines(dir + "/without").count == 1
        }
        #expect(fileLines(dir + "/with") == ["a", "b", "c"])
        #expect(fileLines(dir + "/without") == ["c"])
        await registry.shutdown()
        await client.close()
    }

    @Test("--parallel runs keys side by side, each key's events still in revision order")
    func parallelPerKeyOrder() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("par", history: 64)
        let registry = client.registry(output: RecordingOutput())
        _ = try await registry.register(shellHook(.put, "par", run: "echo \"$KVSH_REVISION\" >> \(sq(dir))/\"$KVSH_KEY\"") {
            $0.parallel = 4
        })
        let revisions = try await bucket.putAll((0..<120).map { (key: "key\($0 % 6)", value: Array("\($0)".utf8)) })
        try await waitUntil(120, "120 runs") { registry.list().first?.fired == 120 }
        for k in 0..<6 {
            let expected = revisions.enumerated().filter { $0.offset % 6 == k }.map { String($0.element) }
            #expect(fileLines(dir + "/key\(k)") == expected)
        }
        await registry.shutdown()
        await client.close()
    }
}
