import Foundation
@testable import Hooks
import KeyValue
import Shell
import Testing
import TestSupport

/// What users of peer tools complain about: injection, failures that stop everything, slow
/// handlers that hold up the rest. Real nats-server, real child processes.
@Suite("Hook behaviour", .offCooperativePool)
struct HookBehaviourTests {
    /// Values that would run `touch MARKER` if they were ever spliced into a shell command.
    static func hostileValues(_ marker: String) -> [[UInt8]] {
        [
            Array("$(touch \(marker))".utf8),
            Array("`touch \(marker)`".utf8),
            Array("; touch \(marker) ; rm -rf ~".utf8),
            Array("a\nb\n\ntouch \(marker)\n".utf8),
            Array("nul\u{0}inside $(touch \(marker))".utf8),
            Array("' \" \\ ${HOME} $KVSH_KEY".utf8),
            [0xff, 0xfe, 0x00, 0x24, 0x28],
            [],
        ]
    }

    @Test("hostile values and keys arrive intact on stdin and in the environment, and nothing runs")
    func injection() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = dir + "/MARK"
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("evil", history: 5)
        let registry = client.registry(output: RecordingOutput())
        // Each run keeps stdin, KVSH_VALUE (or "unset") and KVSH_KEY in files named by revision.
        let text = "cat > \(sq(dir))/\"$KVSH_REVISION.in\"; "
            + "if [ \"${KVSH_VALUE+set}\" = set ]; then printf %s \"$KVSH_VALUE\"; else printf unset; fi "
            + "> \(sq(dir))/\"$KVSH_REVISION.env\"; printf %s \"$KVSH_KEY\" > \(sq(dir))/\"$KVSH_REVISION.key\""
        _ = try await registry.register(shellHook(.put, "evil", run: text))
        let values = Self.hostileValues(marker)
        // Keys may hold only letters, digits and - / _ = . : the odd ones that are allowed.
        let keys = ["a=b", "-rf", "x/-.=/_", "__", "=", "a.-.b"]
        var written: [(revision: UInt64, key: String, value: [UInt8])] = []
        for (i, value) in values.enumerated() {
            let key = keys[i % keys.count]
            written.append((try await bucket.put(key, value), key, value))
        }
        try await waitUntil(60, "all runs") { registry.list().first?.fired == written.count }
        for (revision, key, value) in written {
            #expect(fileBytes(dir + "/\(revision).in") == value, "stdin of revision \(revision)")
            #expect(fileBytes(dir + "/\(revision).key") == Array(key.utf8))
            let asText = value.contains(0) ? nil : String(validating: value, as: UTF8.self)
            #expect(fileBytes(dir + "/\(revision).env") == Array((asText ?? "unset").utf8),
                    "KVSH_VALUE of revision \(revision)")
        }
        #expect(!FileManager.default.fileExists(atPath: marker), "a value was run as code")
        #expect(registry.list().first?.failed == 0)
        await registry.shutdown()
        await client.close()
    }

    @Test("keys that are not valid keys are refused by the store before any hook could see them")
    func invalidKeysRefused() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("keys")
        for key in ["$(touch x)", "a;b", "`id`", "a b", "a\nb", "a\u{0}b", "$HOME"] {
            await #expect(throws: KeyValueError.self, "\(key)") { _ = try await bucket.put(key, [1]) }
        }
        await client.close()
    }

    @Test("a failing command is reported with hook id, revision and status, with its output, and the hook goes on")
    func failureReported() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("jobs")
        let out = RecordingOutput()
        let registry = client.registry(output: out)
        let id = try await registry.register(shellHook(.put, "jobs",
            run: "echo \"working on $KVSH_KEY\"; echo 'it broke' >&2; [ \"$KVSH_KEY\" != bad ] || exit 3"))
        _ = try await bucket.put("good", [1])
        let bad = try await bucket.put("bad", [1])
        _ = try await bucket.put("after", [1])
        try await waitUntil(60, "three runs") { registry.list().first?.fired == 3 }
        let info = try #require(registry.list().first)
        #expect(info.failed == 1 && info.lastRevision == 3)
        #expect(out.outLines == ["[hook \(id)] working on good", "[hook \(id)] working on bad",
                                 "[hook \(id)] working on after"])
        #expect(out.errLines.contains("[hook \(id)] revision \(bad) (PUT bad) failed: exit status 3"), "\(out.err)")
        #expect(out.errLines.filter { $0 == "[hook \(id)] it broke" }.count == 3)
        await registry.shutdown()
        await client.close()
    }

    @Test("--retry runs a failing event again with pauses, then goes on; a later success ends the retries")
    func retries() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("jobs")
        let out = RecordingOutput()
        let registry = client.registry(output: out)
        let attempts = dir + "/attempts"
        // Fails twice for "flaky" (counted in a file), always for "broken".
        let text = "echo \"$KVSH_KEY\" >> \(sq(attempts)); "
            + "[ \"$KVSH_KEY\" = broken ] && exit 9; "
            + "[ \"$(grep -c flaky \(sq(attempts)))\" -ge 3 ]"
        _ = try await registry.register(shellHook(.put, "jobs", run: text) { $0.retries = 2 })
        _ = try await bucket.put("flaky", [1])
        _ = try await bucket.put("broken", [1])
        _ = try await bucket.put("fine", [1])
        try await waitUntil(60, "three events handled") { registry.list().first?.fired == 3 }
        #expect(fileLines(attempts) == ["flaky", "flaky", "flaky", "broken", "broken", "broken", "fine"])
        let info = try #require(registry.list().first)
        #expect(info.failed == 1)
        #expect(out.err.contains("revision 1 (PUT flaky) failed: exit status 1; retry 1 of 2 in 100ms"), "\(out.err)")
        #expect(out.err.contains("revision 1 (PUT flaky) failed: exit status 1; retry 2 of 2 in 200ms"), "\(out.err)")
        #expect(out.err.contains("revision 2 (PUT broken) failed: exit status 9 (gave up after 3 attempts)"))
        await registry.shutdown()
        await client.close()
    }

    @Test("--timeout stops a run that takes too long; it is reported and the next event runs")
    func timeout() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("jobs")
        let out = RecordingOutput()
        let registry = client.registry(output: out)
        let text = "[ \"$KVSH_KEY\" = slow ] && sleep 60; echo \"$KVSH_KEY\" >> \(sq(dir + "/done"))"
        _ = try await registry.register(shellHook(.put, "jobs", run: text) { $0.timeout = .milliseconds(300) })
        _ = try await bucket.put("slow", [1])
        _ = try await bucket.put("quick", [1])
        try await waitUntil(60, "the quick one after the slow one") { fileLines(dir + "/done") == ["quick"] }
        #expect(out.err.contains("[hook 1] revision 1 (PUT slow) failed: timed out after 300ms"), "\(out.err)")
        #expect(registry.list().first?.failed == 1)
        await registry.shutdown()
        await client.close()
    }

    @Test("a slow hook does not delay a fast one on the same bucket, nor registering more hooks")
    func slowBesideFast() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/gate"
        #expect(mkfifo(fifo, 0o600) == 0)
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("both", history: 64)
        let registry = client.registry(output: RecordingOutput(), stopGrace: .milliseconds(200))
        // Blocks on the fifo until the test opens it: the first run never ends by itself.
        let slow = try await registry.register(shellHook(.put, "both", run: "read line < \(sq(fifo))"))
        let fast = try await registry.register(shellHook(.put, "both", run: "echo \"$KVSH_REVISION\" >> \(sq(dir + "/fast"))"))
        let n = 50
        _ = try await bucket.putAll((1...n).map { (key: "k\($0)", value: Array("\($0)".utf8)) })
        try await waitUntil(120, "the fast hook to handle all \(n)") { fileLines(dir + "/fast").count == n }
        #expect(fileLines(dir + "/fast") == (1...n).map(String.init))
        // A run writes the file before it ends; its count follows its end.
        try await waitUntil(30, "the fast hook's count of all \(n)") { registry.list().first { $0.id == fast }?.fired == n }
        let infos = registry.list()
        let slowInfo = try #require(infos.first { $0.id == slow })
        #expect(slowInfo.fired == 0, "the slow hook is still on its first event")
        #expect(slowInfo.pending >= 1)
        #expect(infos.first { $0.id == fast }?.fired == n)
        // Registering goes on while the slow hook is stuck.
        _ = try await registry.register(shellHook(.del, "both", run: "true"))
        #expect(registry.list().count == 3)
        await registry.shutdown()  // the stuck run is terminated after the grace
        #expect(registry.isEmpty)
        await client.close()
    }

    @Test("off stops one hook; the others go on")
    func off() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("b")
        let registry = client.registry(output: RecordingOutput())
        let a = try await registry.register(shellHook(.put, "b", run: "echo a >> \(sq(dir + "/a"))"))
        _ = try await registry.register(shellHook(.put, "b", run: "echo b >> \(sq(dir + "/b"))"))
        _ = try await bucket.put("k", [1])
        try await waitUntil(60, "both ran") { fileLines(dir + "/a").count == 1 && fileLines(dir + "/b").count == 1 }
        #expect(await registry.remove(a))
        #expect(!(await registry.remove(a)))
        _ = try await bucket.put("k", [2])
        try await waitUntil(60, "b ran again") { fileLines(dir + "/b").count == 2 }
        #expect(fileLines(dir + "/a").count == 1)
        await registry.shutdown()
        await client.close()
    }
}

/// `on` from the language: blocks with `$event`, errors with positions, nothing registered on bad input.
@Suite("Hooks from scripts", .offCooperativePool)
struct HookScriptTests {
    @Test("a block hook sees $event; its output carries the hook id")
    func blockHook() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let client = try await TestStore.connect(server)
        let bucket = try await client.makeBucket("my-kv")
        let hookOutput = RecordingOutput()
        let registry = client.registry(output: hookOutput)
        let scriptOutput = RecordingOutput()
        let session = ShellSession(host: HookOnlyHost(registry), output: scriptOutput, environment: [:])
        let status = await session.run(source: """
            set greeting hello
            on put my-kv 'orders.*' {
                echo $greeting $event.op $event.key $event.revision "$event.value" $event.bucket
                test $event.key != orders.bad
            }
            """, file: "hooks.kvsh")
        #expect(status == 0, "\(scriptOutput.err)")
        #expect(scriptOutput.out == "1\n", "on prints the hook's id")
        _ = try await bucket.put("orders.1", Array("$(rm -rf /) two words".utf8))
        _ = try await bucket.put("other", Array("ignored".utf8))
        _ = try await bucket.put("orders.bad", Array("x".utf8))
        try await waitUntil(60, "two runs") { registry.list().first?.fired == 2 }
        #expect(hookOutput.outLines == ["[hook 1] hello PUT orders.1 1 $(rm -rf /) two words my-kv",
                                        "[hook 1] hello PUT orders.bad 3 x my-kv"])
        #expect(hookOutput.err.contains("[hook 1] hooks.kvsh:4:5: test: "), "\(hookOutput.err)")
        #expect(hookOutput.err.contains("revision 3 (PUT orders.bad) failed: exit status 1"))
        await registry.shutdown()
        await client.close()
    }

    @Test("bad hook commands stop the script at their position and register nothing", arguments: [
        ("on putt b run 'x'", "hooks.kvsh:1:1: on: unknown operation 'putt'"),
        ("on put b run x y", "hooks.kvsh:1:1: on: too many words: 'y'"),
        ("on put b 'a b' run x", "hooks.kvsh:1:1: nats: invalid key"),
        ("on put missing run x", "hooks.kvsh:1:1: nats: bucket not found: missing"),
        ("on put b --timeout 0 run x", "hooks.kvsh:1:1: on: --timeout: invalid duration '0'"),
        ("off 99", "hooks.kvsh:1:1: off: there is no hook 99"),
        ("off", "hooks.kvsh:1:1: off: expected a hook id"),
        ("wait", "hooks.kvsh:1:1: wait: no hooks are registered"),
        ("on put b run x {\n echo\n}", "hooks.kvsh:1:1: on: give either run 'COMMAND' or a { … } block, not both"),
    ])
    func badInput(source: String, expected: String) async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let client = try await TestStore.connect(server)
        _ = try await client.makeBucket("b")
        let registry = client.registry(output: RecordingOutput())
        let output = RecordingOutput()
        let session = ShellSession(host: HookOnlyHost(registry), output: output, environment: [:])
        let status = await session.run(source: source + "\necho not reached", file: "hooks.kvsh")
        #expect(status != 0)
        #expect(output.err.hasPrefix(expected), "\(output.err)")
        #expect(output.errLines.count == 1)
        #expect(!output.out.contains("not reached"))
        #expect(registry.isEmpty)
        await client.close()
    }

    @Test("a { block } belongs to on only; elsewhere it is still a syntax error")
    func blockSyntax() async {
        let output = RecordingOutput()
        let registry = HookRegistry(store: { throw CommandError("no store") }, output: output)
        let session = ShellSession(host: HookOnlyHost(registry), output: output, environment: [:])
        #expect(await session.run(source: "echo hi { echo no }", file: "s.kvsh") == ShellSession.syntaxErrorStatus)
        #expect(output.err.hasPrefix("s.kvsh:1:9: expected ';' or a newline before '{'"), "\(output.err)")
        #expect(Parser.isIncomplete("on put b {"))
        #expect(Parser.syntaxError(in: "on put b { echo $event.key }", file: "") == nil)
    }
}
