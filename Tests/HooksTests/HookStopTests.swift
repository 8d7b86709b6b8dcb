import Foundation
@testable import Hooks
import KeyValue
import Shell
import Testing
import TestSupport

/// A stop returns only once what it stops has ended: `shutdown` and `serve` wait for hooks that
/// another call is stopping, and for hooks registered while they stop. Real nats-server, real
/// child processes.
@Suite("Hook stops", .offCooperativePool)
struct HookStopTests {
    /// A hook whose run writes its process id to `pidFile` and then lives for a minute (the
    /// shell becomes `sleep`, so the id is the run's own process).
    static func longRun(_ bucket: String, pidFile: String) -> HookSpec {
        shellHook(.put, bucket, run: "echo $$ > \(sq(pidFile)); exec sleep 60")
    }

    /// The id the run wrote, once it has.
    static func runningPID(_ pidFile: String) async throws -> pid_t {
        try await waitUntil(60, "the run to start") { fileLines(pidFile).count == 1 }
        return try #require(pid_t(fileLines(pidFile)[0]))
    }

    static func isAlive(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 }

    @Test("shutdown waits for a hook that off is stopping")
    func shutdownDuringOff() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("b")
        let registry = client.registry(output: RecordingOutput(), stopGrace: .seconds(1))
        let id = try await registry.register(Self.longRun("b", pidFile: dir + "/pid"))
        _ = try await bucket.put("k", [1])
        let pid = try await Self.runningPID(dir + "/pid")
        async let removed = registry.remove(id)
        try await waitUntil(10, "off to take the hook") { registry.isEmpty }
        await registry.shutdown()
        #expect(!Self.isAlive(pid), "shutdown returned while the run that off is stopping went on")
        #expect(await removed)
        await client.close()
    }

    @Test("a second stop request while serve stops the hooks does not end serve early")
    func secondRequestStop() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("b")
        let registry = client.registry(output: RecordingOutput(), stopGrace: .seconds(1))
        _ = try await registry.register(Self.longRun("b", pidFile: dir + "/pid"))
        _ = try await bucket.put("k", [1])
        let pid = try await Self.runningPID(dir + "/pid")
        async let served: Void = registry.serve()
        try await waitUntil(10, "serve to take the stop request") { registry.requestStop() }
        try await waitUntil(10, "the stop to begin") { registry.isEmpty }
        // The second Ctrl-C of `kvsh serve`: still for the stop under way.
        #expect(registry.requestStop())
        try await served
        #expect(!Self.isAlive(pid), "serve returned while the hook's run went on")
        await client.close()
    }

    @Test("shutdown also stops a hook that a stopping hook's block registers")
    func registeredDuringShutdown() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("b")
        _ = try await client.makeBucket("b2")
        let hookOutput = RecordingOutput()
        let registry = client.registry(output: hookOutput)
        let scriptOutput = RecordingOutput()
        let session = ShellSession(host: HookOnlyHost(registry), output: scriptOutput, environment: [:])
        // The block's run takes a while (well within the grace), then registers another hook.
        let status = await session.run(source: """
            on put b {
                echo started
                sleep 2s
                on put b2 run true
            }
            """, file: "hooks.kvsh")
        #expect(status == 0, "\(scriptOutput.err)")
        _ = try await bucket.put("k", [1])
        try await waitUntil(60, "the block to start") { hookOutput.outLines.contains("[hook 1] started") }
        await registry.shutdown()
        #expect(hookOutput.outLines.contains("[hook 1] 2"), "the block registered hook 2: \(hookOutput.out)")
        #expect(registry.isEmpty, "hook 2 outlived the shutdown: \(registry.list())")
        await client.close()
    }
}
