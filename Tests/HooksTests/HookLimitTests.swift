#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@testable import Hooks
import KeyValue
import KeyValueEmbedded
import Testing
import TestSupport

/// Hooks within their limits on a real store: a lane moves on after a timeout, `off` and the
/// end of a script return while a run's daemonized child holds its output, and a run that
/// hangs keeps the `--durable` checkpoint bounded.
@Suite("Hooks stay within their limits", .offCooperativePool)
struct HookLimitTests {
    /// An embedded store with bucket `jobs` in a temp directory; daemons whose pids the hook
    /// wrote to `<dir>/daemons` are killed afterwards.
    func withStore(_ body: (String, EmbeddedKeyValueStore, any KeyValueBucket) async throws -> Void) async throws {
        let dir = try tempDir()
        let store = try await EmbeddedKeyValueStore.open(path: dir + "/store.db")
        defer {
            for pid in fileLines(dir + "/daemons").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
            try? FileManager.default.removeItem(atPath: dir)
        }
        var config = BucketConfig(bucket: "jobs")
        config.history = 5
        _ = try await store.createBucket(config)
        do {
            try await body(dir, store, try await store.bucket("jobs"))
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// Seconds `body` took.
    func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = start.duration(to: .now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Starts a daemon that keeps the run's stdout and stderr open, then runs on itself.
    func daemonizing(_ dir: String) -> String {
        "setsid sleep 60 & echo $! >> \(sq(dir + "/daemons")); echo started; sleep 60"
    }

    @Test("after a timed-out run whose daemon holds the output open, the lane handles the next event")
    func laneMovesOn() async throws {
        try await withStore { dir, store, bucket in
            let done = dir + "/done"
            let text = "if [ \"$KVSH_KEY\" = stuck ]; then \(daemonizing(dir)); fi; echo \"$KVSH_KEY\" >> \(sq(done))"
            let registry = HookRegistry(store: { store }, output: RecordingOutput(), stopGrace: .milliseconds(200))
            _ = try await registry.register(shellHook(.put, "jobs", run: text) { $0.timeout = .milliseconds(300) })
            _ = try await bucket.put("stuck", [])
            _ = try await bucket.put("next", [])
            try await waitUntil(30, "the event after the timed-out one") { fileLines(done) == ["next"] }
            // The run writes the file before it ends; the counts follow its end.
            try await waitUntil(30, "the counts of both runs") { registry.list().first?.fired == 2 }
            #expect(registry.list().first?.fired == 2 && registry.list().first?.failed == 1)
            await registry.shutdown()
        }
    }

    @Test("off and the end of a script return while a run's daemon holds the output open", arguments: [true, false])
    func stopWithDaemon(off: Bool) async throws {
        try await withStore { dir, store, bucket in
            let registry = HookRegistry(store: { store }, output: RecordingOutput(), stopGrace: .milliseconds(200))
            let id = try await registry.register(shellHook(.put, "jobs", run: daemonizing(dir)))
            _ = try await bucket.put("k", [])
            try await waitUntil(30, "the run to start its daemon") { !fileLines(dir + "/daemons").isEmpty }
            let took = await seconds {
                if off { #expect(await registry.remove(id)) } else { await registry.shutdown() }
            }
            #expect(took < 20, "the stop waited for the daemon")
            #expect(registry.isEmpty)
        }
    }

    @Test("while one --parallel run hangs, later events stop at the window: the checkpoint stays bounded")
    func checkpointBoundedWhileARunHangs() async throws {
        try await withStore { dir, store, bucket in
            let lanes = 2
            let stuckLane = Hook.lane(for: "stuck", count: lanes)
            // Keys of the other lane only, so the hanging run never holds up their lane.
            let keys = (0..<20_000).map { "k\($0)" }.filter { Hook.lane(for: $0, count: lanes) != stuckLane }
                .prefix(Hook.progressWindow + 100)
            let text = "if [ \"$KVSH_KEY\" = stuck ]; then sleep 60; fi"
            let registry = HookRegistry(store: { store }, output: RecordingOutput(), stopGrace: .milliseconds(200))
            _ = try await registry.register(shellHook(.put, "jobs", run: text) {
                $0.durable = "bounded"
                $0.parallel = lanes
            })
            _ = try await bucket.put("stuck", [])
            _ = try await bucket.putAll(keys.map { (key: $0, value: []) })
            let checkpoints = try await store.bucket(Checkpoint.bucketName)
            func saved() async throws -> Checkpoint? {
                (try? await checkpoints.get("bounded", revision: nil)).flatMap { $0.valueString }
                    .flatMap(Checkpoint.init(text:))
            }
            // Every event the window lets through finishes (the stuck one stays open).
            try await waitUntil(120, "the runs the window lets through") {
                (registry.list().first?.fired ?? 0) >= Hook.progressWindow - 1
            }
            try await waitUntil(30, "their checkpoint") { (try await saved()?.done.count ?? 0) >= Hook.progressWindow - 1 }
            // Held at the window: the other 100 events wait for the stuck run.
            #expect(registry.list().first?.fired == Hook.progressWindow - 1)
            await registry.shutdown()
            let last = try #require(try await saved())
            // The watermark is the revision before the stuck one; everything later is listed.
            #expect(last.watermark == 0)
            #expect(last.done.count <= Hook.progressWindow, "\(last.done.count) revisions in the checkpoint")
            #expect(last.text.utf8.count <= Hook.progressWindow * 21)
        }
    }
}
