#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

/// `kvsh lock` with real kvsh processes and real commands; leases of 1–2 s.
@Suite("kvsh binary: lock", .offCooperativePool)
struct CLILockTests {
    func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    func lines(_ path: String) -> [String] {
        (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
    }

    /// A command that logs `start REVISION KEY` and `end KEY` around a short sleep.
    func logging(_ file: String, sleep: String = "0.2") -> [String] {
        ["sh", "-c", "echo \"start $KVSH_LOCK_REVISION $KVSH_LOCK_KEY\" >> '\(file)'; sleep \(sleep); echo \"end $KVSH_LOCK_KEY\" >> '\(file)'"]
    }

    @Test("four concurrent holders never overlap and get distinct, increasing fencing tokens")
    func mutualExclusion() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "locks", "--ttl", "2s")
        let dir = try makeTempDir(prefix: "kvsh-cli-lock-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/log"
        let runs = try (0..<4).map { _ in
            try RunningKvsh(["lock", "locks", "job", "--wait", "20s", "--"] + logging(file), environment: kvsh.environment())
        }
        for run in runs { #expect(run.waitForExit(timeout: 30) == 0, "\(run.stderr)") }
        let log = lines(file)
        #expect(log.count == 8, "\(log)")
        var last: UInt64 = 0
        for (i, line) in log.enumerated() {
            let words = line.split(separator: " ")
            if i % 2 == 0 {
                #expect(words.first == "start", "overlap: \(log)")
                let revision = words.count > 1 ? UInt64(words[1]) ?? 0 : 0
                #expect(revision > last, "\(log)")
                last = revision
            } else {
                #expect(words.first == "end", "overlap: \(log)")
            }
        }
        #expect(try kvsh.keys("locks") == [])
    }

    @Test("the command's environment and exit status; the key is deleted afterwards")
    func environmentAndStatus() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "locks", "--ttl", "2s")
        let r = try kvsh.run(["lock", "locks", "deploy", "--",
                              "sh", "-c", "echo \"$KVSH_LOCK_BUCKET $KVSH_LOCK_KEY $KVSH_LOCK_REVISION\"; exit 7"])
        #expect(r.status == 7, "\(r)")
        #expect(r.stdout == "locks deploy 1\n", "\(r)")
        #expect(r.stderr == "", "\(r)")
        #expect(try kvsh.keys("locks") == [])
    }

    @Test("held: --wait 0 fails at once naming the holder; SIGTERM stops the holder's command and releases (143)")
    func heldAndInterrupted() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "locks", "--ttl", "2s")
        let holder = try RunningKvsh(["lock", "locks", "deploy", "--", "sleep", "30"], environment: kvsh.environment())
        #expect(try eventually(10) { try kvsh.keys("locks") == ["deploy"] })
        let r = try kvsh.run(["lock", "locks", "deploy", "--wait", "0", "--", "true"])
        #expect(r.status == 1, "\(r)")
        let pattern = "^nats: error: lock deploy not acquired: held by pid [0-9]+ on .+ since [0-9T:.-]+Z\n$"
        #expect(matchLine(pattern, r.stderr) != nil, "\(r)")
        #expect(r.stdout == "")
        holder.send(SIGTERM)
        #expect(holder.waitForExit(timeout: 10) == 143, "\(holder.stderr)")
        #expect(try kvsh.keys("locks") == [])
    }

    @Test("a SIGKILLed holder's lock expires by its lease and the waiter gets it")
    func holderKilled() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "locks", "--ttl", "1s")
        let dir = try makeTempDir(prefix: "kvsh-cli-lock-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pidFile = dir + "/pid"
        let holder = try RunningKvsh(["lock", "locks", "deploy", "--", "sh", "-c", "echo $$ > '\(pidFile)'; exec sleep 30"],
                                     environment: kvsh.environment())
        #expect(eventually(10) { lines(pidFile).count == 1 })
        defer { if let pid = lines(pidFile).first.flatMap({ Int32($0) }) { kill(pid, SIGKILL) } }
        holder.kill()
        let r = try kvsh.run(["lock", "locks", "deploy", "--wait", "10s", "--", "true"])
        #expect(r.status == 0, "\(r)")
    }

    @Test("someone else writing the key: the holder stops its command and exits 1 with one message")
    func leaseLost() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "locks", "--ttl", "1s")
        let holder = try RunningKvsh(["lock", "locks", "deploy", "--", "sleep", "30"], environment: kvsh.environment())
        #expect(try eventually(10) { try kvsh.keys("locks") == ["deploy"] })
        try kvsh.ok("kv", "put", "locks", "deploy", "stolen")
        #expect(holder.waitForExit(timeout: 10) == 1)
        #expect(holder.stderr.hasPrefix("nats: error: lost lock deploy: "), "\(holder.stderr)")
        #expect(holder.stderr.components(separatedBy: "\n").count == 2, "\(holder.stderr)")
    }

    @Test("--limit 2 admits at most two at a time, on slots job.0 and job.1")
    func limitTwo() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "locks", "--ttl", "2s")
        let dir = try makeTempDir(prefix: "kvsh-cli-lock-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/log"
        let runs = try (0..<3).map { _ in
            try RunningKvsh(["lock", "locks", "job", "--limit", "2", "--wait", "20s", "--"] + logging(file, sleep: "0.5"),
                            environment: kvsh.environment())
        }
        for run in runs { #expect(run.waitForExit(timeout: 30) == 0, "\(run.stderr)") }
        var inside = Set<String>()
        var most = 0
        for line in lines(file) {
            let words = line.split(separator: " ").map(String.init)
            if words.first == "start", let key = words.last {
                #expect(!inside.contains(key), "\(lines(file))")
                inside.insert(key)
            } else if let key = words.last {
                inside.remove(key)
            }
            most = max(most, inside.count)
            #expect(Set(["job.0", "job.1"]).isSuperset(of: inside))
        }
        #expect(most <= 2)
        #expect(lines(file).count == 6)
    }

    @Test("kv add --marker-ttl allows per-key TTLs: a --ttl lock on it expires by its own lease when its holder is SIGKILLed")
    func perKeyTTL() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "locks", "--marker-ttl", "1s")
        let status = try kvsh.status("locks")
        let config = status["config"] as? [String: Any] ?? status
        #expect(config["per_key_ttl"] as? Bool == true, "\(status)")
        #expect((config["limit_marker_ttl_ns"] as? NSNumber)?.int64Value == 1_000_000_000, "\(status)")
        let dir = try makeTempDir(prefix: "kvsh-cli-lock-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/log"
        let holder = try RunningKvsh(["lock", "locks", "job", "--ttl", "2s", "--"] + logging(file, sleep: "60"),
                                     environment: kvsh.environment())
        defer { holder.kill() }
        #expect(eventually(20) { lines(file).count == 1 }, "\(holder.stderr)")
        holder.send(SIGKILL)
        let started = Date()
        let next = try kvsh.run(["lock", "locks", "job", "--ttl", "2s", "--wait", "20s", "--", "true"], timeout: 30)
        #expect(next.status == 0, "\(next)")
        // The lease is the key's TTL (2 s), not the bucket's (unlimited): bounded, not timed.
        #expect(Date().timeIntervalSince(started) < 15, "\(next)")
    }

    @Test("kv add --marker-ttl: below 1s is refused; the embedded store refuses it; an existing bucket must have the same")
    func markerTTLMistakes() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        let short = try kvsh.run(["kv", "add", "m", "--marker-ttl", "500ms"])
        #expect(short.status == 1 && short.stderr == "nats: error: nats: limit marker TTL must be at least 1s\n", "\(short)")
        let dir = try makeTempDir(prefix: "kvsh-cli-lock-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let embedded = try Kvsh(url: nil).run(["--store", dir + "/store.db", "kv", "add", "m", "--marker-ttl", "1s"])
        #expect(embedded.status == 1, "\(embedded)")
        #expect(embedded.stderr == "nats: error: nats: limit markers and per-key TTL not supported by the embedded store\n",
                "\(embedded)")
        #expect(try kvsh.bucketNames().isEmpty)
        // An existing bucket without markers is not quietly taken as one with them.
        try kvsh.ok("kv", "add", "plain")
        let taken = try kvsh.run(["kv", "add", "plain", "--marker-ttl", "1s"])
        #expect(taken.status == 1 && taken.stderr == "nats: error: nats: bucket name already in use: plain\n", "\(taken)")
        try kvsh.ok("kv", "add", "marked", "--marker-ttl", "1s")
        try kvsh.ok("kv", "add", "marked", "--marker-ttl", "1s")
    }

    @Test("--log-format json: acquired and released as JSON lines on stderr; a bad format is one error")
    func jsonLog() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "locks", "--ttl", "2s")
        let r = try kvsh.run(["lock", "locks", "job", "--log-format", "json", "--", "sh", "-c", "exit 4"])
        #expect(r.status == 4, "\(r)")
        let lines = r.stderr.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        #expect(lines.map { $0["event"] as? String } == ["lock.acquired", "lock.released"], "\(r)")
        #expect(lines.first?["revision"] as? Int == 1 && lines.first?["key"] as? String == "job", "\(r)")
        #expect(lines.last?["exit_status"] as? Int == 4 && lines.allSatisfy { $0["ts"] is String }, "\(r)")
        let bad = try kvsh.run(["lock", "locks", "job", "--log-format", "xml", "--", "true"])
        #expect(bad.status == 1 && bad.stderr == "nats: error: --log-format xml: expected text or json\n", "\(bad)")
    }

    @Test("the lock { } block: $lock bound, the key held while it runs, released after it, also when it fails")
    func lockBlock() throws {
        let dir = try makeTempDir(prefix: "kvsh-cli-lock-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let kvsh = Kvsh(url: nil)
        let store = ["--store", dir + "/store.db"]
        #expect(try kvsh.run(store + ["kv", "add", "locks", "--ttl", "5s"]).status == 0)
        let script = dir + "/locked.kvsh"
        try """
            lock locks deploy {
                echo "$lock.bucket $lock.name $lock.key $lock.revision $lock.limit"
                let held = kv keys locks
                echo "held: $held"
            }
            let after = kv keys locks
            echo "after: $after.count"
            lock locks deploy {
                kv get locks no-such-key
            }
            echo never
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let r = try kvsh.run(store + [script])
        #expect(r.stdout == "locks deploy deploy 1 1\nheld: deploy\nafter: 0\n", "\(r)")
        #expect(r.status != 0, "\(r)")
        #expect(r.stderr.contains("locked.kvsh:8:"), "\(r)")
        // Released although the block failed: taken again at once.
        let again = try kvsh.run(store + ["lock", "locks", "deploy", "--wait", "0", "--", "true"])
        #expect(again.status == 0, "\(again)")
    }

    @Test("the embedded store: a second process waits for the first")
    func embeddedAcrossProcesses() throws {
        let dir = try makeTempDir(prefix: "kvsh-cli-lock-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let kvsh = Kvsh(url: nil)
        let store = ["--store", dir + "/store.db"]
        #expect(try kvsh.run(["kv", "add", "locks", "--ttl", "2s"] + store).status == 0)
        let file = dir + "/log"
        let runs = try (0..<2).map { _ in
            try RunningKvsh(["lock", "locks", "job", "--wait", "20s"] + store + ["--"] + logging(file),
                            environment: kvsh.environment())
        }
        for run in runs { #expect(run.waitForExit(timeout: 30) == 0, "\(run.stderr)") }
        #expect(lines(file).map { $0.split(separator: " ").first.map(String.init) ?? "" } == ["start", "end", "start", "end"])
    }

    @Test("bad input: one message each, the right exit status, nothing run")
    func badInput() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "plain")
        try kvsh.ok("kv", "add", "locks", "--ttl", "30s")
        let cases: [([String], Int32, String)] = [
            (["lock", "plain", "x", "--", "touch", "/nonexistent/ran"], 1,
             "nats: error: bucket plain has no maximum age, so a lock in it would never expire: make a bucket for locks with `kvsh kv add locks --ttl 30s` or pass --ttl\n"),
            (["lock", "locks", "x", "--ttl", "5s", "--", "true"], 1,
             "nats: error: bucket locks does not allow per-key TTLs: make one with `kvsh kv add locks --marker-ttl 1s`, or leave out --ttl to use its maximum age\n"),
            (["lock", "locks", "x", "--"], 64, "nats: error: missing command: kvsh lock locks x -- COMMAND [ARG…]\n"),
            (["lock", "locks", "x", "--limit", "0", "--", "true"], 64, "nats: error: --limit must be at least 1\n"),
            // As for kv add --ttl: a bad duration is an argument error (status 1).
            (["lock", "locks", "x", "--wait", "soon", "--", "true"], 1,
             "nats: error: invalid duration \"soon\": use a number with a unit such as 30s, 5m, 1h, 2d\n"),
            (["lock", "nope", "x", "--", "true"], 1, "nats: error: nats: bucket not found: nope\n"),
        ]
        for (args, status, message) in cases {
            let r = try kvsh.run(args)
            #expect(r.status == status, "\(r)")
            #expect(r.stderr == message, "\(r)")
            #expect(r.stdout == "", "\(r)")
        }
        #expect(try kvsh.keys("locks") == [])
    }

    @Test("SIGTERM to a script: the lock block releases at once, then the finally blocks run (130)")
    func scriptInterrupted() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "locks", "--ttl", "60s")
        let dir = try makeTempDir(prefix: "kvsh-cli-lock-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = dir + "/deploy.kvsh"
        try Data("""
            try {
                lock locks deploy { echo "holding $lock.revision"; sleep 1m }
            } finally {
                echo "cleaning up"
                kv put locks cleaned yes
            }
            """.utf8).write(to: URL(fileURLWithPath: script))
        let run = try RunningKvsh([script], environment: kvsh.environment())
        #expect(run.waitForLines { $0.contains("holding 1") }, "\(run.stderr)")
        run.send(SIGTERM)
        #expect(run.waitForExit(timeout: 10) == 130, "\(run.stderr)")
        #expect(run.lines == ["holding 1", "cleaning up", "yes"], "\(run.stdout)")
        // Reported once, at the lock statement (the block's own session stays quiet).
        #expect(run.stderr == script + ":2:5: interrupted\n", "\(run.stderr)")
        // The lease is a minute long: only the release explains the key's absence.
        #expect(try kvsh.keys("locks") == ["cleaned"])
    }
}
