// Errors never exit 0, through the built `kvsh` binary: failed writes to stdout (a full disk, a
// closed descriptor), a reader that goes away, failed reads of stdin, messages kept off stdout,
// and one scheme of exit statuses.

import Foundation
import Testing
import TestSupport

@Suite("kvsh binary: errors never exit 0", .offCooperativePool)
struct CLIErrorExitTests {
    /// Runs `command` under /bin/sh with `$KVSH` naming the binary, in `kvsh`'s environment.
    private static func sh(_ kvsh: Kvsh, _ command: String, timeout: Double = 20) throws -> CLIResult {
        let start = Date()
        let r = try runProcess("/bin/bash", ["-c", command], env: kvsh.environment(extra: ["KVSH": Kvsh.path]),
                               timeout: timeout)
        return CLIResult(arguments: ["sh", "-c", command], status: r.status, stdoutData: r.stdout,
                         stderrData: r.stderr, elapsed: Date().timeIntervalSince(start))
    }

    private static func server(bucket: String = "b") throws -> (NATSServerProcess, Kvsh) {
        let server = try NATSServerProcess()
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", bucket)
        try kvsh.ok("kv", "put", bucket, "k", "value")
        return (server, kvsh)
    }

    @Test("a write to a full stdout fails the command: status 1, one message",
          arguments: [
            "\"$KVSH\" kv get b k --raw > /dev/full",
            "\"$KVSH\" kv get b k > /dev/full",
            "\"$KVSH\" kv ls --json > /dev/full",
            "\"$KVSH\" kv keys b > /dev/full",
            "\"$KVSH\" account info > /dev/full",
          ])
    func fullStdout(_ command: String) throws {
        let (server, kvsh) = try Self.server()
        defer { server.stop() }
        let r = try Self.sh(kvsh, command)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr == "nats: error: cannot write to standard output: No space left on device\n", "\(r)")
    }

    @Test("a closed stdout (>&-) fails the command, and the store file never takes its place")
    func closedStdout() throws {
        let dir = try makeTempDir(prefix: "kvsh-closed-stdout-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = dir + "/s.db"
        let kvsh = Kvsh(url: nil)
        let put = try kvsh.run(["--store", store, "kv", "add", "b"], useEnvironmentURL: false)
        #expect(put.status == 0, "\(put)")
        let r = try Self.sh(kvsh, "unset NATS_URL; \"$KVSH\" --store '\(store)' kv put b k v >&-")
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr == "nats: error: cannot write to standard output: it is closed\n", "\(r)")
        // The write itself happened (it was asked for); the output meant for fd 1 is not in the file.
        let get = try kvsh.run(["--store", store, "kv", "get", "b", "k", "--raw"], useEnvironmentURL: false)
        #expect(get.status == 0 && get.stdout == "v", "\(get)")
        let check = try runProcess("/usr/bin/env", ["sqlite3", store, "PRAGMA integrity_check"], timeout: 20)
        if check.status == 0 { #expect(String(decoding: check.stdout, as: UTF8.self) == "ok\n") }
    }

    @Test("a script stops at the first failed write: -c, a file, stdin")
    func scriptFullStdout() throws {
        let kvsh = Kvsh(url: nil)
        let r = try Self.sh(kvsh, "\"$KVSH\" -c 'echo hi; echo again; exit 0' > /dev/full")
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr == "-c:1:1: cannot write to standard output: No space left on device\n", "\(r)")
        // A tested position does not hide it.
        let tested = try Self.sh(kvsh, "\"$KVSH\" -c 'echo hi || true' > /dev/full")
        #expect(tested.status == 1 && tested.stderr.contains("cannot write to standard output"), "\(tested)")
        let piped = try Self.sh(kvsh, "echo 'echo hi' | \"$KVSH\" > /dev/full")
        #expect(piped.status == 1 && piped.stderr.contains("<stdin>:1:1: cannot write"), "\(piped)")
        // A loop whose condition writes ends too (it would run forever otherwise).
        let loop = try Self.sh(kvsh, "\"$KVSH\" -c 'while echo y { true }' > /dev/full", timeout: 30)
        #expect(loop.status == 1, "\(loop)")
    }

    @Test("kv watch to a full stdout ends at its first write with status 1")
    func watchFullStdout() throws {
        let (server, kvsh) = try Self.server()
        defer { server.stop() }
        let r = try Self.sh(kvsh, "\"$KVSH\" kv watch b > /dev/full", timeout: 30)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr == "nats: error: cannot write to standard output: No space left on device\n", "\(r)")
    }

    @Test("a reader that closes the pipe ends kvsh quietly with status 141 (kv get --raw | head -c 1, kv watch | head -1)")
    func closedPipe() throws {
        let (server, kvsh) = try Self.server()
        defer { server.stop() }
        let big = Data(repeating: UInt8(ascii: "x"), count: 900_000)
        try kvsh.ok("kv", "put", "b", "big", stdin: big)
        let r = try Self.sh(kvsh, "\"$KVSH\" kv get b big --raw | head -c 1; echo \" ${PIPESTATUS[0]}\"")
        #expect(r.stdout == "x 141\n", "\(r)")
        #expect(r.stderr.isEmpty, "\(r)")

        // kv watch: head takes the first line and leaves; the next write ends the watch.
        let watch = try RunningKvsh(["-c", "\"$KVSH\" kv watch b | head -1; echo \"status ${PIPESTATUS[0]}\""],
                                    environment: kvsh.environment(extra: ["KVSH": Kvsh.path]), executable: "/bin/bash")
        #expect(watch.waitForLines(timeout: 20) { !$0.isEmpty }, "\(watch.stderr)")
        for i in 0..<50 where watch.isRunning {
            try kvsh.ok("kv", "put", "b", "k\(i)", "v")
        }
        #expect(watch.waitForExit(timeout: 20) == 0, "\(watch.stderr)")
        #expect(watch.lines.last == "status 141", "\(watch.lines)")
        #expect(watch.stderr.isEmpty, "\(watch.stderr)")
    }

    @Test("a failed read of stdin writes nothing: a directory, a closed descriptor",
          arguments: [("< /", "Is a directory"), ("<&-", "it is closed")])
    func stdinReadError(_ redirect: String, _ reason: String) throws {
        let (server, kvsh) = try Self.server()
        defer { server.stop() }
        let r = try Self.sh(kvsh, "\"$KVSH\" kv put b new \(redirect)")
        expectCleanFailure(r, contains: "cannot read the value from standard input: \(reason) (nothing was written)")
        #expect(r.status == 1)
        #expect(try kvsh.keys("b") == ["k"])
    }

    @Test("a non-blocking stdin is waited on, not taken for its end: the whole value is stored")
    func nonBlockingStdin() throws {
        let (server, kvsh) = try Self.server()
        defer { server.stop() }
        let script = """
            import os, subprocess, sys, time
            r, w = os.pipe()
            os.set_blocking(r, False)
            p = subprocess.Popen([sys.argv[1], "kv", "put", "b", "slow"], stdin=r, stdout=subprocess.DEVNULL)
            os.close(r)
            os.write(w, b"part1-")
            time.sleep(0.5)
            os.write(w, b"part2")
            os.close(w)
            sys.exit(p.wait(timeout=20))
            """
        let r = try runProcess("/usr/bin/env", ["python3", "-c", script, Kvsh.path], env: kvsh.environment(), timeout: 30)
        #expect(r.status == 0, "\(String(decoding: r.stderr, as: UTF8.self))")
        #expect(try kvsh.ok("kv", "get", "b", "slow", "--raw").stdout == "part1-part2")
    }

    @Test("messages are not data: 'No keys found' and 'No Key-Value buckets found' go to stderr")
    func notesOnStderr() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        let none = try kvsh.run(["kv", "ls"])
        #expect(none.status == 0 && none.stdout.isEmpty && none.stderr == "No Key-Value buckets found\n", "\(none)")
        try kvsh.ok("kv", "add", "empty")
        for args in [["kv", "keys", "empty"], ["kv", "ls", "empty"]] {
            let r = try kvsh.run(args)
            #expect(r.status == 0 && r.stdout.isEmpty && r.stderr == "No keys found in bucket\n", "\(r)")
        }
        // So a shell loop over the keys runs no iteration.
        let loop = try Self.sh(kvsh, "n=0; for k in $(\"$KVSH\" kv keys empty 2>/dev/null); do n=$((n+1)); done; echo $n")
        #expect(loop.stdout == "0\n", "\(loop)")
    }

    @Test("one scheme of exit statuses: usage errors 64, failures 1, an empty script 0")
    func exitStatuses() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        let unknown = try kvsh.run(["kv", "frobnicate", "b"])
        #expect(unknown.status == 64, "\(unknown)")
        let unknownTop = try kvsh.run(["frobnicate"])
        #expect(unknownTop.status == 64, "\(unknownTop)")
        let missing = try kvsh.run(["kv", "get", "b"])
        #expect(missing.status == 64, "\(missing)")
        let notFound = try kvsh.run(["kv", "get", "nosuch", "k"])
        #expect(notFound.status == 1, "\(notFound)")
        // The same in the shell.
        let inShell = try kvsh.run(["-c", "kv frobnicate b"])
        #expect(inShell.status == 64, "\(inShell)")
        // An empty script on stdin does nothing.
        let empty = try kvsh.run([], stdin: Data())
        #expect(empty.status == 0 && empty.stdout.isEmpty && empty.stderr.isEmpty, "\(empty)")
    }

    @Test("no doubled prefixes: the store's errors read 'nats: error: cannot open the store …'")
    func singlePrefix() throws {
        let r = try Kvsh(url: nil).run(["--store", "/proc/nonexistent/dir/s.db", "kv", "ls"], useEnvironmentURL: false)
        expectCleanFailure(r, contains: "nats: error: cannot open the store /proc/nonexistent/dir/s.db")
        #expect(!r.stderr.contains("kvsh:"), "\(r)")
    }

    @Test("hooks left registered when a -c line or a script ends are reported on stderr")
    func hooksDroppedAtEnd() throws {
        let (server, kvsh) = try Self.server(bucket: "orders")
        defer { server.stop() }
        let r = try kvsh.run(["-c", "on put orders run 'true'"])
        #expect(r.status == 0 && r.stdout == "1\n", "\(r)")
        #expect(r.stderr == "kvsh: 1 hook registered, but the script ends: add 'wait' to serve it, "
                + "or run it with 'kvsh serve'\n", "\(r)")
        let two = try kvsh.run(["-c", "on put orders run 'true'; on del orders run 'true'"])
        #expect(two.stderr.contains("2 hooks registered"), "\(two)")
        let removed = try kvsh.run(["-c", "let id = on put orders run 'true'; off $id"])
        #expect(removed.status == 0 && removed.stderr.isEmpty, "\(removed)")
    }

    @Test("kvsh serve and wait exit 3 when an event failed for good, 0 when every run succeeded",
          arguments: [("exit 7", Int32(3)), ("echo ran", Int32(0))])
    func serveReportsFailures(_ action: String, _ expected: Int32) throws {
        let (server, kvsh) = try Self.server(bucket: "jobs")
        defer { server.stop() }
        let dir = try makeTempDir(prefix: "kvsh-serve-status-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = dir + "/hooks.kvsh"
        try "on put jobs run '\(action)'\necho ready\n".write(toFile: script, atomically: true, encoding: .utf8)
        for command in [["serve", script], ["-c", "source '\(script)'; wait"]] {
            let serving = try RunningKvsh(command, environment: kvsh.environment())
            #expect(serving.waitForLines(timeout: 20) { $0.contains("ready") }, "\(serving.stderr)")
            try kvsh.ok("kv", "put", "jobs", "j1", "x")
            // The event was handled: it printed, or failed (no retries: at once for good).
            #expect(serving.waitForOutput(timeout: 20) { out, err in out.contains("[hook 1] ran") || err.contains("failed") })
            serving.send(SIGTERM)
            #expect(serving.waitForExit(timeout: 30) == expected, "\(command): \(serving.stderr)")
            if expected == 3 {
                #expect(serving.stderr.contains("hooks stopped; 1 event failed for good"), "\(serving.stderr)")
            }
        }
    }
}
