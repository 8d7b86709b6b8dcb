import Testing
@testable import Shell

/// `try { … } catch NAME { … } finally { … }`: what is caught, what always runs, interruptions.
@Suite("try, catch and finally")
struct TryTests {
    @Test("the body stops at its first failure; catch binds it; finally runs; the script goes on")
    func caught() async {
        let r = await runScript("""
            try {
                echo one
                kv get my-kv missing
                echo not reached
            } catch e {
                echo "caught '$e.message' status $e.status at $e.file:$e.line:$e.column"
                echo "error: $error"
            } finally {
                echo cleanup
            }
            echo "after, status $?"
            """)
        #expect(r.outLines == [
            "one", "caught 'nats: key not found' status 1 at test.kvsh:3:5",
            "error: test.kvsh:3:5: nats: key not found", "cleanup", "after, status 0",
        ], "\(r)")
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
    }

    @Test("without catch the failure goes on after finally; exit, return and mistakes run finally too", arguments: [
        ("try { fail boom } finally { echo cleanup }\necho no", ["cleanup"], "test.kvsh:1:7: boom\n", Int32(1)),
        ("try { exit 4 } finally { echo cleanup }", ["cleanup"], "", 4),
        ("fn f { try { return early } finally { echo cleanup } }\nlet v = f; echo $v", ["cleanup", "early"], "", 0),
        ("try { echo $unset } catch { echo caught } finally { echo cleanup }", ["cleanup"],
         "test.kvsh:1:12: variable 'unset' is not set: set it with 'set unset VALUE' or 'let unset = COMMAND'\n", 1),
        ("try { fail a } catch { fail b } finally { echo cleanup }", ["cleanup"], "test.kvsh:1:24: b\n", 1),
        ("try { echo ok } finally { fail late }\necho no", ["ok"], "test.kvsh:1:27: late\n", 1),
        ("if try { fail x } finally { echo f } { echo yes } else { echo \"no: $error\" }", ["f", "no: test.kvsh:1:10: x"], "", 0),
        ("try { true } catch e { echo no }\necho $?", ["0"], "", 0),
    ])
    func outcomes(source: String, out: [String], err: String, status: Int32) async {
        let r = await runScript(source)
        #expect(r.outLines == out && r.err == err && r.status == status, "\(r)")
    }

    @Test("an interruption runs finally in a task of its own; a second one stops that cleanup")
    func interruptions() async throws {
        let output = RecordingOutput()
        let host = FakeHost(buckets: ["my-kv"])
        let session = ShellSession(host: host, output: output)
        let run = Task {
            await session.run(source: """
                try { echo started; wait-forever } finally { echo cleaning; kv put my-kv cleaned yes; wait-forever; echo never }
                """, file: "t.kvsh")
        }
        // Bounded waits for what the script printed: no timing is asserted.
        for _ in 0..<500 where !output.out.contains("started") { try await Task.sleep(for: .milliseconds(10)) }
        session.interruptCleanups()
        run.cancel()
        for _ in 0..<500 where await host.value("my-kv", "cleaned") == nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await host.value("my-kv", "cleaned") == "yes", "the cleanup's store command ran after the interruption")
        session.interruptCleanups()
        #expect(await run.value == ShellSession.interruptedStatus)
        #expect(output.outLines == ["started", "cleaning", "yes"], "\(output.out)")
    }

    @Test("try syntax errors", arguments: [
        ("try { a }", "t.kvsh:1:10: expected 'catch' or 'finally' after the 'try' block, found end of input (both go on the line of its closing '}')"),
        ("try { a }\ncatch { b }", "t.kvsh:1:10: expected 'catch' or 'finally' after the 'try' block, found newline (both go on the line of its closing '}')"),
        ("finally { a }", "t.kvsh:1:1: 'finally' without 'try': put it on the same line as the '}' that closes the 'try' block"),
        ("try { a } catch 1x { b }", "t.kvsh:1:17: '1x' is not a valid variable name: use letters, digits and '_', not starting with a digit"),
    ])
    func syntaxErrors(source: String, message: String) {
        #expect(Parser.syntaxError(in: source, file: "t.kvsh")?.description == message)
    }
}
