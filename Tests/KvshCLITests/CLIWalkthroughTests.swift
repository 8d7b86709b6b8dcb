// The walkthrough (docs/walkthrough.md) run through the built `kvsh` binary against a real
// `nats-server -js`, checking what a user sees and the exit codes.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

@Suite("kvsh binary: the walkthrough", .offCooperativePool)
struct CLIWalkthroughTests {
    @Test("the kvsh under test is the one built with this test bundle")
    func binaryUnderTest() throws {
        let path = Kvsh.path
        #expect(FileManager.default.isExecutableFile(atPath: path), "\(path)")
        if ProcessInfo.processInfo.environment["KVSH_BINARY"] == nil {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().resolvingSymlinksInPath().path
            let siblings = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(siblings.contains { $0.hasSuffix("PackageTests.xctest") }, "\(path) is not next to the test bundle")
        }
    }

    @Test("account info shows the connection and JetStream usage")
    func accountInfo() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)

        let r = try kvsh.ok("account", "info")
        #expect(r.stdout.hasPrefix("Account Information for \(server.url)\n"), "\(r)")
        #expect(r.stdout.contains("JetStream Account Information:"), "\(r)")
        let trimmed = r.lines.map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(trimmed.contains { matchLine(#"Client ID: \d+"#, $0) != nil }, "\(r)")
        #expect(trimmed.contains { matchLine(#"RTT: [0-9.]+(µs|ms)"#, $0) != nil }, "\(r)")
        #expect(trimmed.contains("Maximum Payload: 1.0 MiB"), "\(r)")
        #expect(trimmed.contains("Connected URL: \(server.url)"), "\(r)")
        #expect(trimmed.contains("Headers Supported: true"), "\(r)")
        #expect(trimmed.contains("Streams: 0 of Unlimited"), "\(r)")

        let json = try kvsh.ok("account", "info", "--json")
        let object = try #require(json.json as? [String: Any], "\(json)")
        #expect(object["connected_url"] as? String == server.url)
        #expect(object["jetstream"] is [String: Any], "\(json)")
    }

    @Test("add, put, get, del, create, update, rm: output and exit codes")
    func walkthrough() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)

        // kv add my-kv: the status block.
        let add = try kvsh.ok("kv", "add", "my-kv")
        #expect(matchLine("Information for Key-Value Store Bucket my-kv created " + timePattern, add.lines.first ?? "")
                != nil, "\(add)")
        #expect(Array(add.lines.prefix(4).dropFirst()) == ["", "Configuration:", ""], "\(add)")
        let rows = statusRows(add)
        #expect(rows["Bucket Name"] == "my-kv")
        #expect(rows["History Kept"] == "1")
        #expect(rows["Values Stored"] == "0")
        #expect(rows["Compressed"] == "false")
        #expect(rows["Backing Store Kind"] == "JetStream")
        #expect(rows["Bucket Size"] == "0 B")
        #expect(rows["Maximum Bucket Size"] == "unlimited")
        #expect(rows["Maximum Value Size"] == "unlimited")
        #expect(rows["Maximum Age"] == "unlimited")
        #expect(rows["JetStream Stream"] == "KV_my-kv")
        #expect(rows["Storage"] == "File")
        // Rows are right-aligned on the colon, the longest label indented two spaces.
        let colons = Set(add.lines.dropFirst(4).filter { $0.contains(": ") }
            .map { $0.distance(from: $0.startIndex, to: $0.firstIndex(of: ":")!) })
        #expect(colons.count == 1, "\(add)")
        #expect(add.lines.contains("  Per-Key TTL Supported: false"), "\(add)")

        // kv put prints the value.
        let put = try kvsh.ok("kv", "put", "my-kv", "Key1", "Value1")
        #expect(put.stdout == "Value1\n")

        // kv get: heading with revision and local time, blank line, the value.
        let get = try kvsh.ok("kv", "get", "my-kv", "Key1")
        let heading = try #require(matchLine(#"my-kv > Key1 revision: (\d+) created @ ("# + timePattern + ")",
                                             get.lines.first ?? ""), "\(get)")
        #expect(heading[1] == "1")
        #expect(isRecentUTC(heading[2]), "time not in UTC or not now: \(get)")
        #expect(get.stdout == "\(get.lines[0])\n\nValue1\n\n", "\(get)")

        // kv del: deleting works, deleting a missing key is not an error.
        let del = try kvsh.ok("kv", "del", "my-kv", "Key1")
        #expect(del.stdout.isEmpty)
        let gone = try kvsh("kv", "get", "my-kv", "Key1")
        #expect(gone.status == 1 && gone.stderr == "nats: error: nats: key not found\n", "\(gone)")
        let delMissing = try kvsh.ok("kv", "del", "my-kv", "NoSuchKey")
        #expect(delMissing.stdout.isEmpty)

        // kv create: a lock only the first create takes.
        try kvsh.ok("kv", "add", "my-sem")
        let create = try kvsh.ok("kv", "create", "my-sem", "Semaphore1", "Value1")
        #expect(create.stdout == "Value1\n")
        let again = try kvsh("kv", "create", "my-sem", "Semaphore1", "Value1")
        #expect(again.status == 1, "\(again)")
        #expect(again.stdout.isEmpty, "\(again)")
        #expect(again.stderr == "nats: error: nats: wrong last sequence: 1: key exists\n", "\(again)")

        // kv update: compare-and-swap on the revision just read.
        let current = try #require(try kvsh.ok("kv", "get", "my-sem", "Semaphore1", "--json").json as? [String: Any])
        let revision = try #require(current["revision"] as? Int)
        let update = try kvsh.ok("kv", "update", "my-sem", "Semaphore1", "Value2", String(revision))
        #expect(update.stdout == "Value2\n")
        let stale = try kvsh("kv", "update", "my-sem", "Semaphore1", "Value2", String(revision))
        #expect(stale.status == 1, "\(stale)")
        #expect(stale.stdout.isEmpty, "\(stale)")
        #expect(stale.stderr == "nats: error: nats: wrong last sequence: \(revision + 1)\n", "\(stale)")
        #expect(try kvsh.ok("kv", "get", "my-sem", "Semaphore1").shownValue == "Value2")

        // The lock is free again once the holder deletes the key.
        try kvsh.ok("kv", "del", "my-sem", "Semaphore1")
        #expect(try kvsh.ok("kv", "create", "my-sem", "Semaphore1", "Value3").stdout == "Value3\n")

        // kv rm with a key deletes the key, as in the nats CLI (where rm is an alias of del).
        try kvsh.ok("kv", "put", "my-kv", "Key2", "Value")
        #expect(try kvsh.ok("kv", "rm", "my-kv", "Key2").stdout.isEmpty)
        let rmKey = try kvsh("kv", "get", "my-kv", "Key2")
        #expect(rmKey.status == 1 && rmKey.stderr == "nats: error: nats: key not found\n", "\(rmKey)")

        // kv rm: the bucket and its data are gone.
        let rm = try kvsh.ok("kv", "rm", "my-kv", "--force")
        #expect(rm.stdout.isEmpty)
        let afterRm = try kvsh("kv", "get", "my-kv", "Key1")
        #expect(afterRm.status == 1, "\(afterRm)")
        #expect(afterRm.stdout.isEmpty, "\(afterRm)")
        #expect(afterRm.stderr == "nats: error: nats: bucket not found: my-kv\n", "\(afterRm)")
        #expect(try kvsh.bucketNames() == ["my-sem"])
    }

    @Test("kv watch: latest value, live PUT and DELETE lines, exits 0 on SIGTERM and SIGINT")
    func watch() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "my-kv")
        try kvsh.ok("kv", "put", "my-kv", "Key1", "Value0")
        try kvsh.ok("kv", "put", "my-kv", "Key1", "Value1")
        let line = { (rest: String) in #"\[("# + timePattern + #")\] "# + literal(rest) }

        let watch = try RunningKvsh(["kv", "watch", "my-kv"], environment: kvsh.environment())
        defer { watch.kill() }
        // History 1: only the latest value of Key1.
        #expect(watch.waitForLines { $0.count >= 1 }, "stdout: \(watch.stdout)\nstderr: \(watch.stderr)")
        #expect(watch.lines.count == 1, "\(watch.lines)")
        let initial = try #require(matchLine(line("PUT my-kv > Key1: Value1"), watch.lines.first ?? ""),
                                   "\(watch.lines)")
        #expect(isRecentUTC(initial[1]), "\(watch.lines)")

        try kvsh.ok("kv", "put", "my-kv", "Key1", "Value2")
        #expect(watch.waitForLines { $0.count >= 2 }, "\(watch.lines)")
        try kvsh.ok("kv", "del", "my-kv", "Key1")
        #expect(watch.waitForLines { $0.count >= 3 }, "\(watch.lines)")
        let lines = watch.lines
        #expect(lines.count == 3, "\(lines)")
        if lines.count == 3 {
            #expect(matchLine(line("PUT my-kv > Key1: Value2"), lines[1]) != nil, "\(lines)")
            #expect(matchLine(line("DELETE my-kv > Key1"), lines[2]) != nil, "\(lines)")
        }

        let start = Date()
        watch.send(SIGTERM)
        let status = watch.waitForExit(timeout: 5)
        #expect(status == 0 && !watch.endedBySignal, "exit \(String(describing: status)); \(watch.stderr)")
        #expect(Date().timeIntervalSince(start) < 3, "slow to stop on SIGTERM")
        #expect(watch.stderr.isEmpty, "\(watch.stderr)")

        // A new watch starts with the key's latest state, the delete (the walkthrough's case).
        let second = try RunningKvsh(["kv", "watch", "my-kv"], environment: kvsh.environment())
        defer { second.kill() }
        #expect(second.waitForLines { $0.count >= 1 }, "stdout: \(second.stdout)\nstderr: \(second.stderr)")
        #expect(second.lines.count == 1 && matchLine(line("DELETE my-kv > Key1"), second.lines[0]) != nil,
                "\(second.lines)")
        let start2 = Date()
        second.send(SIGINT)
        let status2 = second.waitForExit(timeout: 5)
        #expect(status2 == 0 && !second.endedBySignal, "exit \(String(describing: status2)); \(second.stderr)")
        #expect(Date().timeIntervalSince(start2) < 3, "slow to stop on SIGINT")
        #expect(second.stderr.isEmpty, "\(second.stderr)")
    }

    @Test("kv watch keeps going across a server restart, and stops on SIGTERM while the server is down")
    func watchAcrossRestart() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "w")
        try kvsh.ok("kv", "put", "w", "a", "1")
        let watch = try RunningKvsh(["kv", "watch", "w"], environment: kvsh.environment())
        defer { watch.kill() }
        #expect(watch.waitForLines { $0.count >= 1 }, "stdout: \(watch.stdout)\nstderr: \(watch.stderr)")

        server.kill9()
        try server.restart()
        // The stream may need a moment after the restart; retry the write, bounded.
        let deadline = Date().addingTimeInterval(10)
        var put = try kvsh("kv", "put", "w", "a", "2")
        while put.status != 0, Date() < deadline {
            usleep(200_000)
            put = try kvsh("kv", "put", "w", "a", "2")
        }
        #expect(put.status == 0, "\(put)")
        #expect(watch.waitForLines(timeout: 15) { $0.contains { $0.hasSuffix("] PUT w > a: 2") } },
                "\(watch.lines)\nstderr: \(watch.stderr)")
        #expect(watch.lines.count == 2, "\(watch.lines)")

        server.kill9()
        usleep(300_000)
        let start = Date()
        watch.send(SIGTERM)
        let status = watch.waitForExit(timeout: 8)
        #expect(status == 0 && !watch.endedBySignal, "exit \(String(describing: status)); \(watch.stderr)")
        #expect(Date().timeIntervalSince(start) < 3, "slow to stop on SIGTERM with the server down")
    }

    @Test("kv watch --json prints one entry per line; a filter limits the keys")
    func watchJSONWithFilter() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "w", "--history", "5")
        try kvsh.ok("kv", "put", "w", "orders.1", "a")
        try kvsh.ok("kv", "put", "w", "users.1", "b")

        let watch = try RunningKvsh(["kv", "watch", "w", "orders.>", "--json"], environment: kvsh.environment())
        defer { watch.kill() }
        #expect(watch.waitForLines { $0.count >= 1 }, "stdout: \(watch.stdout)\nstderr: \(watch.stderr)")
        try kvsh.ok("kv", "put", "w", "users.2", "c")
        try kvsh.ok("kv", "put", "w", "orders.2", "d")
        #expect(watch.waitForLines { $0.count >= 2 }, "\(watch.lines)")
        watch.send(SIGTERM)
        #expect(watch.waitForExit(timeout: 5) == 0, "\(watch.stderr)")
        let entries = watch.lines.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(entries.count == 2, "\(watch.lines)")
        #expect(entries.map { $0["key"] as? String } == ["orders.1", "orders.2"], "\(watch.lines)")
        #expect(entries.map { $0["value"] as? String } == ["a", "d"], "\(watch.lines)")
        #expect(entries.allSatisfy { $0["operation"] as? String == "PUT" && $0["bucket"] as? String == "w" })
    }

    @Test("the leading nats word, -s before the command, --server after it, and NATS_URL")
    func invocationForms() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let env = Kvsh(server)
        let noEnv = Kvsh(url: nil)
        let url = server.url
        try env.ok("kv", "add", "my-kv")

        // Lines pasted from the NATS docs, with the leading `nats`.
        #expect(try env.ok("nats", "kv", "put", "my-kv", "Key1", "Value1").stdout == "Value1\n")
        #expect(try env.ok("nats", "kv", "get", "my-kv", "Key1").shownValue == "Value1")

        // -s / --server before the command, with or without `nats`, and with `=`.
        for args in [["-s", url, "kv", "get", "my-kv", "Key1"],
                     ["--server", url, "kv", "get", "my-kv", "Key1"],
                     ["--server=\(url)", "kv", "get", "my-kv", "Key1"],
                     ["-s", url, "nats", "kv", "get", "my-kv", "Key1"],
                     ["nats", "-s", url, "kv", "get", "my-kv", "Key1"],
                     ["nats", "--timeout", "5s", "--server", url, "kv", "get", "my-kv", "Key1"],
                     ["kv", "get", "my-kv", "Key1", "--server", url],
                     ["kv", "get", "my-kv", "Key1", "-s", url],
                     ["nats", "kv", "get", "my-kv", "Key1", "--server=\(url)"]] {
            let r = try noEnv.run(args)
            #expect(r.status == 0 && r.shownValue == "Value1", "\(r)")
        }
        // Global flags before the command reach it.
        let json = try noEnv.run(["--json", "-s", url, "kv", "get", "my-kv", "Key1"])
        #expect((json.json as? [String: Any])?["value"] as? String == "Value1", "\(json)")

        // NATS_URL alone, and -s winning over a NATS_URL that points nowhere.
        let viaEnv = try env.run(["kv", "get", "my-kv", "Key1"])
        #expect(viaEnv.status == 0 && viaEnv.shownValue == "Value1", "\(viaEnv)")
        let override = try env.run(["-s", url, "kv", "get", "my-kv", "Key1"], natsURL: "nats://127.0.0.1:1")
        #expect(override.status == 0 && override.shownValue == "Value1", "\(override)")
        let badEnv = try env.run(["kv", "get", "my-kv", "Key1"], natsURL: "nats://127.0.0.1:1")
        expectCleanFailure(badEnv, contains: "nats://127.0.0.1:1")

        // Help is help, with exit 0, however it is asked for.
        // (`kvsh` alone with stdin not a terminal runs the empty script there: CLIErrorExitTests.)
        for args in [["--help"], ["help"], ["kv", "--help"], ["kv"], ["kv", "help"], ["kv", "put", "--help"],
                     ["kv", "help", "put"], ["nats", "kv", "--help"]] {
            let r = try noEnv.run(args)
            #expect(r.status == 0, "\(r)")
            #expect(r.stdout.contains("USAGE: kvsh"), "\(r)")
            #expect(r.stderr.isEmpty, "\(r)")
        }
    }
}

/// The `Label: value` rows of a status block, labels and values trimmed.
func statusRows(_ r: CLIResult) -> [String: String] {
    var rows: [String: String] = [:]
    for line in r.lines {
        guard let colon = line.range(of: ": ") ?? (line.hasSuffix(":") ? line.range(of: ":") : nil) else { continue }
        let label = line[..<colon.lowerBound].trimmingCharacters(in: .whitespaces)
        rows[label] = line[colon.upperBound...].trimmingCharacters(in: .whitespaces)
    }
    return rows
}
