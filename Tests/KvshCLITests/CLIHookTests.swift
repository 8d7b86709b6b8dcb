#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

@Suite("kvsh binary: watch hooks, wait and serve", .offCooperativePool)
struct CLIHookTests {
    /// Polls (bounded) until `condition` holds; a guard against hangs, not a timing assertion.
    func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    func lines(_ path: String) -> [String] {
        (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
    }

    @Test("kvsh serve with --durable: SIGTERM stops cleanly (exit 0); a restart resumes, nothing missed or repeated")
    func serveDurable() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        let dir = try makeTempDir(prefix: "kvsh-cli-hooks-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try kvsh.ok("kv", "add", "orders", "--history", "5")
        let file = dir + "/handled"
        let script = dir + "/ship.kvsh"
        try """
            # ships each order once
            on put orders 'o.>' --durable ship run 'sleep 0.02; echo "$KVSH_REVISION" >> "$SHIP_LOG"'
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let env = kvsh.environment(extra: ["SHIP_LOG": file])

        let first = try RunningKvsh(["serve", script], environment: env)
        #expect(first.waitForLines(timeout: 30) { $0 == ["1"] }, "the hook's id: \(first.stderr)")
        _ = try kvsh.run(["-c", "set n 0; while test $n < 100 { let n = calc $n + 1; let e = kv put orders o.$n $n }"],
                         timeout: 120)
        #expect(eventually(120) { lines(file).count >= 10 })
        first.send(SIGTERM)
        #expect(first.waitForExit(timeout: 30) == 0, "\(first.stderr)")
        #expect(first.stderr.isEmpty, "\(first.stderr)")
        let handled = lines(file).count
        #expect(handled < 100, "the stop should come mid-stream")

        _ = try kvsh.run(["-c", "set n 100; while test $n < 150 { let n = calc $n + 1; let e = kv put orders o.$n $n }"],
                         timeout: 120)
        let second = try RunningKvsh(["serve", script], environment: env)
        #expect(eventually(180) { lines(file).count >= 150 }, "\(second.stderr)")
        second.send(SIGINT)
        #expect(second.waitForExit(timeout: 30) == 0, "\(second.stderr)")
        #expect(lines(file) == (1...150).map(String.init))
        let checkpoint = try kvsh.ok("kv", "get", "kvsh_hooks", "ship", "--raw")
        #expect(checkpoint.stdout == "150")
    }

    @Test("SIGTERM ends kvsh serve within the stop grace while a run's daemonized child holds its output open")
    func serveStopsWithDaemon() throws {
        let kvsh = Kvsh(url: nil)
        let dir = try makeTempDir(prefix: "kvsh-cli-daemon-")
        let daemons = dir + "/daemons"
        defer {
            for pid in lines(daemons).compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
            try? FileManager.default.removeItem(atPath: dir)
        }
        let store = dir + "/store.db"
        try kvsh.ok("--store", store, "kv", "add", "jobs")
        let script = dir + "/daemon.kvsh"
        try """
            on put jobs run 'setsid sleep 120 & echo $! >> "$DAEMONS"; echo started; sleep 120'
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let serve = try RunningKvsh(["--store", store, "serve", script],
                                    environment: kvsh.environment(extra: ["DAEMONS": daemons]))
        #expect(serve.waitForLines(timeout: 30) { $0 == ["1"] }, "the hook's id: \(serve.stderr)")
        try kvsh.ok("--store", store, "kv", "put", "jobs", "k", "v")
        #expect(eventually(30) { lines(daemons).count == 1 && serve.stdout.contains("[hook 1] started") },
                "\(serve.stdout) \(serve.stderr)")
        let start = Date()
        serve.send(SIGTERM)
        // 10 s of grace for the run, 2 s between SIGTERM and SIGKILL: well within 30 s.
        #expect(serve.waitForExit(timeout: 30) == 0, "\(serve.stderr)")
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(serve.stderr.contains("terminating it"), "\(serve.stderr)")
    }

    @Test("wait serves hooks until a signal, then the script goes on with status 0; output carries the hook id")
    func waitInScript() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "w")
        let running = try RunningKvsh(["-c", """
            let id = on put w run 'echo "got $KVSH_KEY=$KVSH_VALUE"; echo oops >&2'
            echo registered $id
            wait
            echo after wait $?
            """], environment: kvsh.environment())
        #expect(running.waitForLines(timeout: 30) { $0 == ["registered 1"] }, "\(running.stderr)")
        try kvsh.ok("kv", "put", "w", "k", "v; $(id)")
        #expect(running.waitForLines(timeout: 30) { $0.count == 2 }, "\(running.stderr)")
        running.send(SIGTERM)
        #expect(running.waitForExit(timeout: 30) == 0, "\(running.stderr)")
        #expect(running.lines == ["registered 1", "[hook 1] got k=v; $(id)", "after wait 0"])
        #expect(running.stderr == "[hook 1] oops\n")
    }

    @Test("bad hook commands: one message with the position, usage status, nothing runs")
    func badHooks() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "b")
        let retry = try kvsh.run(["-c", "echo first\non put b --retry x run true\necho never"])
        #expect(retry.status == 64, "\(retry)")
        #expect(retry.stdout == "first\n")
        #expect(retry.stderr == "-c:2:1: on: --retry: 'x' is not a number of retries from 0 to 100 (usage: "
                + "on put|del|purge|any BUCKET [KEY-PATTERN] [OPTIONS] run 'SHELL COMMAND'  or  "
                + "on put|del|purge|any BUCKET [KEY-PATTERN] [OPTIONS] { … }; "
                + "OPTIONS: --timeout DUR, --retry N, --initial, --durable NAME, --parallel N, --group NAME, --lease DUR)\n", "\(retry)")
        let missing = try kvsh.run(["-c", "on del nosuch run true"])
        #expect(missing.status == 1 && missing.stderr == "-c:1:1: nats: bucket not found: nosuch\n", "\(missing)")

        let dir = try makeTempDir(prefix: "kvsh-cli-hooks-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let empty = dir + "/none.kvsh"
        try "echo no hooks here\n".write(toFile: empty, atomically: true, encoding: .utf8)
        let serve = try kvsh.run(["serve", empty])
        #expect(serve.status == 1, "\(serve)")
        #expect(serve.stderr.contains("registered no hooks"), "\(serve)")
        let noFile = try kvsh.run(["serve"])
        #expect(noFile.status != 0 && noFile.stderr.contains("serve needs a script"), "\(noFile)")
    }
}
