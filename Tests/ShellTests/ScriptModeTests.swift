import Testing
import TestSupport
@testable import Shell

@Suite("Scripts and the prompt", .offCooperativePool)
struct ScriptModeTests {
    @Test("an untested failure stops the script with file:line:col and status 1")
    func stopOnFailure() async {
        let host = FakeHost(buckets: ["my-sem"])
        let r = await runScript("""
            echo before
            kv create my-sem lock a
              kv create my-sem lock b
            echo after
            """, file: "lock.kvsh", host: host)
        #expect(r.status == 1)
        #expect(r.outLines == ["before", "a"])
        #expect(r.err == "lock.kvsh:3:3: nats: wrong last sequence: 1: key exists\n")
    }

    @Test("a failure inside a block names the failing command's line")
    func failureInBlock() async {
        let r = await runScript("if true {\n  echo in\n  fail deep trouble\n  echo never\n}\necho never", file: "b.kvsh")
        #expect(r.outLines == ["in"])
        #expect(r.err == "b.kvsh:3:3: deep trouble\n")
        #expect(r.status == 1)
    }

    @Test("a failing right side of && or || is not tested")
    func rightSideUntested() async {
        let r = await runScript("true && fail right\necho never")
        #expect(r.err == "test.kvsh:1:9: right\n")
        let r2 = await runScript("false || kv get cfg missing\necho never")
        #expect(r2.err == "test.kvsh:1:10: nats: key not found\n")
        #expect(r2.outLines == [])
    }

    @Test("tested failures do not stop the script", arguments: [
        "if fail x { echo no }", "while fail x { echo no }", "fail x && echo no", "fail x || true", "! fail x",
        "if ! fail x && fail y { echo no }", "if { fail x } { echo no }", "if let v = fail x { echo no }",
    ])
    func testedFailures(source: String) async {
        let r = await runScript(source + "\necho reached")
        #expect(r.outLines == ["reached"])
        #expect(r.err == "")
        #expect(r.status == 0)
    }

    @Test("a command's own exit status is kept")
    func ownStatus() async {
        let r = await runScript("fail-status 42")
        #expect(r.status == 42)
        #expect(r.err == "test.kvsh:1:1: failed with 42\n")
    }

    @Test("syntax errors are reported before anything runs")
    func syntaxBeforeRun() async {
        let host = FakeHost(buckets: ["my-kv"])
        let r = await runScript("kv put my-kv k v\necho hi\nif true {\n  echo x\n", file: "bad.kvsh", host: host)
        #expect(r.status == ShellSession.syntaxErrorStatus)
        #expect(r.out == "")
        #expect(r.err == "bad.kvsh:5:1: expected '}' to close the block opened at 3:9, found end of input\n")
        #expect(await host.calls.isEmpty)
    }

    @Test("the walkthrough's failing create, at the prompt, prints the nats wording and the session goes on")
    func interactive() async {
        let output = RecordingOutput()
        let session = ShellSession(host: FakeHost(buckets: ["my-sem"]), output: output, environment: [:])
        #expect(await session.runInteractive(line: "kv create my-sem Semaphore1 Value1") == .finished(status: 0))
        #expect(await session.runInteractive(line: "kv create my-sem Semaphore1 Value1; echo skipped")
            == .finished(status: 1))
        #expect(output.err == "nats: error: nats: wrong last sequence: 1: key exists\n")
        #expect(await session.runInteractive(line: "   # nothing") == .finished(status: 1))
        #expect(await session.runInteractive(line: "echo $?") == .finished(status: 0))
        #expect(await session.runInteractive(line: "if true {") == .finished(status: ShellSession.syntaxErrorStatus))
        #expect(output.err.hasSuffix("nats: error: 1:10: expected '}' to close the block opened at 1:9, found end of input\n"))
        #expect(await session.runInteractive(line: "echo $error") == .finished(status: 0))
        #expect(await session.runInteractive(line: "set x 1") == .finished(status: 0))
        #expect(await session.runInteractive(line: "echo $x") == .finished(status: 0))
        #expect(await session.runInteractive(line: "exit 4") == .exit(status: 4))
        #expect(output.out == "Value1\n1\n1:10: expected '}' to close the block opened at 1:9, found end of input\n1\n")
    }

    @Test("variables and the current bucket live across prompt lines and scripts")
    func sessionState() async {
        let output = RecordingOutput()
        let session = ShellSession(host: FakeHost(buckets: ["my-kv"]), output: output, environment: [:])
        _ = await session.run(source: "use my-kv; set greeting hello", file: "rc.kvsh", arguments: ["a"])
        #expect(await session.currentBucket == "my-kv")
        await session.runInteractive(line: "put k $greeting; echo $#")
        #expect(output.out == "hello\n0\n")
        #expect(await session.lastStatus == 0)
    }

    @Test("cancelling the task interrupts sleep and loops")
    func cancellation() async {
        for source in ["sleep 1h", "while true { }", "wait-forever", "for i in 1 2 { sleep 10m }"] {
            let output = RecordingOutput()
            let session = ShellSession(host: FakeHost(), output: output, environment: [:])
            let task = Task { await session.run(source: "echo start\n" + source, file: "c.kvsh") }
            while !output.out.contains("start") { await Task.yield() }
            try? await Task.sleep(for: .milliseconds(20))
            task.cancel()
            let status = await task.value
            #expect(status == ShellSession.interruptedStatus, "\(source)")
            #expect(output.err.hasPrefix("c.kvsh:"), "\(source)")
            #expect(output.err.hasSuffix(": interrupted\n"), "\(source)")
        }
    }

    @Test("runFile reads the script and reports a missing one")
    func runFile() async throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("hello.kvsh", "echo hello $1\n")
        let output = RecordingOutput()
        let session = ShellSession(host: FakeHost(), output: output, environment: [:])
        #expect(await session.runFile(atPath: path, arguments: ["you"]) == 0)
        #expect(output.out == "hello you\n")
        #expect(await session.runFile(atPath: dir.path + "/missing.kvsh") == 1)
        #expect(output.err == "kvsh: cannot read '\(dir.path)/missing.kvsh': no such file\n")
    }
}
