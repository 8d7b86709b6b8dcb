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
    /// Runs `body` with a registry (grace 1 s) whose one hook is on its first run, a process
    /// that would live for a minute, and with that process's id (the shell becomes `sleep`).
    func withLongRun(_ body: (HookRegistry, _ hook: Int, _ pid: pid_t) async throws -> Void) async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("b")
        let registry = client.registry(output: RecordingOutput(), stopGrace: .seconds(1))
        let pidFile = dir + "/pid"
        let id = try await registry.register(shellHook(.put, "b", run: "echo $$ > \(sq(pidFile)); exec sleep 60"))
        _ = try await bucket.put("k", [1])
        try await waitUntil(60, "the run to start") { fileLines(pidFile).count == 1 }
        try await body(registry, id, try #require(pid_t(fileLines(pidFile)[0])))
        await registry.shutdown()
        await client.close()
    }

    static func isAlive(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 }

    @Test("shutdown waits for a hook that off is stopping")
    func shutdownDuringOff() async throws {
        try await withLongRun { registry, id, pid in
            async let removed = registry.remove(id)
            try await waitUntil(10, "off to take the hook") { registry.isEmpty }
            await registry.shutdown()
            #expect(!Self.isAlive(pid), "shutdown returned while the run that off is stopping went on")
            #expect(await removed)
        }
    }

    @Test("a second stop request while serve stops the hooks does not end serve early")
    func secondRequestStop() async throws {
        try await withLongRun { registry, _, pid in
            async let served: Void = registry.serve()
            try await waitUntil(10, "serve to take the stop request") { registry.requestStop() }
            try await waitUntil(10, "the stop to begin") { registry.isEmpty }
            // The second Ctrl-C of `kvsh serve`: still for the stop under way.
            #expect(registry.requestStop())
            try await served
            #expect(!Self.isAlive(pid), "serve returned while the hook's run went on")
        }
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
