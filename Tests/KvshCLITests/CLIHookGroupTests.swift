import Foundation
import Testing
import TestSupport

/// Hook groups across real `kvsh serve` processes: three members share a bucket's events, one
/// is killed with SIGKILL midway, a fourth joins later.
@Suite("kvsh binary: hook groups shared by several kvsh serve processes", .offCooperativePool)
struct CLIHookGroupTests {
    /// Where a member's commands write: `KEY REVISION MEMBER` lines, appended (each line one write).
    struct Handled {
        let key: String
        let revision: Int
        let member: String
    }

    func handled(_ path: String) -> [Handled] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard words.count == 3, let revision = Int(words[1]) else { return nil }
            return Handled(key: words[0], revision: revision, member: words[2])
        }
    }

    func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// The owner of each partition, from the group's lease bucket (absent ones left out).
    func owners(_ kvsh: Kvsh, store: [String]) throws -> [Int: String] {
        let script = (0..<12).map { "if let e = kv get kvsh_group_work partitions.\($0) { echo \($0) $e.value }" }
        let r = try kvsh.run(store + ["-c", script.joined(separator: "\n")])
        var owners: [Int: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2, let partition = Int(words[0]) { owners[partition] = String(words[1]) }
        }
        return owners
    }

    /// A bucket `work` with history 64, and members of group `work` on it whose commands log
    /// `KEY REVISION MEMBER` lines; on a real server or an embedded store file.
    final class Fixture {
        let dir: String
        let server: NATSServerProcess?
        let kvsh: Kvsh
        let store: [String]
        let log: String
        let script: String

        init(_ kind: String) throws {
            dir = try makeTempDir(prefix: "kvsh-group-")
            server = kind == "nats" ? try NATSServerProcess() : nil
            kvsh = Kvsh(url: server?.url)
            store = server == nil ? ["--store", dir + "/store.db"] : []
            log = dir + "/handled"
            script = dir + "/member.kvsh"
            try #require(kvsh.run(store + ["kv", "add", "work", "--history", "64"]).status == 0)
            // On the embedded store every member's partition watches wake at each write of any
            // process, and renewals queue behind them on a loaded 2-core machine: a longer lease.
            let lease = server == nil ? "8s" : "4s"
            try """
                on put work --group work --lease \(lease) run 'echo "$KVSH_KEY $KVSH_REVISION $MEMBER" >> "$GROUP_LOG"'
                """.write(toFile: script, atomically: true, encoding: .utf8)
        }

        deinit {
            server?.stop()
            try? FileManager.default.removeItem(atPath: dir)
        }

        /// A `kvsh serve` member named `name`, once it has registered its hook.
        func member(_ name: String) throws -> RunningKvsh {
            let p = try RunningKvsh(store + ["serve", script],
                                    environment: kvsh.environment(extra: ["GROUP_LOG": log, "MEMBER": name]))
            #expect(p.waitForLines(timeout: 30) { $0 == ["1"] }, "\(p.stderr)")
            return p
        }

        /// Runs a script of `count` puts over 30 keys, value numbers from `first`.
        func put(first: Int, count: Int) throws {
            let path = dir + "/puts-\(first).kvsh"
            let text = (first..<(first + count)).map { "let _w = kv put work k\($0 % 30) v\($0)" }.joined(separator: "\n")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            try #require(kvsh.run(store + [path], timeout: 60).status == 0)
        }
    }

    /// Checks that each key's revisions were first handled in order; returns the repeated
    /// handlings and who handled each revision first.
    func checkOrder(_ lines: [Handled], sourceLocation: SourceLocation = #_sourceLocation)
        -> (repeats: [Handled], firstHandler: [Int: String]) {
        var lastOfKey: [String: Int] = [:], repeats: [Handled] = [], firstHandler: [Int: String] = [:]
        for line in lines {
            if firstHandler[line.revision] != nil {
                repeats.append(line)
                continue
            }
            firstHandler[line.revision] = line.member
            #expect(line.revision > lastOfKey[line.key] ?? 0,
                    "\(line.key): \(line.revision) after \(lastOfKey[line.key] ?? 0)", sourceLocation: sourceLocation)
            lastOfKey[line.key] = line.revision
        }
        return (repeats, firstHandler)
    }

    func describe(_ lines: [Handled], _ repeats: [Handled], _ firstHandler: [Int: String], stderr: [String]) -> String {
        "repeats \(repeats.map { "\($0.revision) by \($0.member) after \(firstHandler[$0.revision] ?? "")" }), "
            + "by member \(Dictionary(grouping: lines, by: \.member).mapValues(\.count)), stderr \(stderr)"
    }

    @Test("600 puts over 30 keys, a member SIGKILLed midway and one joining: every revision handled, each key in order, repeats only of the dead member's runs",
          arguments: ["nats", "embedded"])
    func sharedWork(store kind: String) throws {
        let f = try Fixture(kind)
        let (kvsh, store, log) = (f.kvsh, f.store, f.log)
        let members = try ["m1", "m2", "m3"].map(f.member)
        defer { members.forEach { $0.kill() } }
        // Balanced: every partition owned, by all three.
        #expect(eventually(30) {
            let o = (try? owners(kvsh, store: store)) ?? [:]
            return o.count == 12 && Set(o.values).count == 3
        }, "\(members.map(\.stderr))")

        try f.put(first: 0, count: 300)
        #expect(eventually(30) { handled(log).count >= 100 })
        let victim = members[1]
        let victimPartitions = try owners(kvsh, store: store).values.filter { $0.contains("_\(victim.pid)_") }.count
        #expect(victimPartitions > 0)
        victim.send(SIGKILL)
        _ = victim.waitForExit(timeout: 10)
        let joiner = try f.member("m4")
        defer { joiner.kill() }
        try f.put(first: 300, count: 300)

        // The dead member's partitions are taken over within its lease and a round.
        #expect(eventually(60) { Set(handled(log).map(\.revision)).count == 600 },
                "\(Set(handled(log).map(\.revision)).count) of 600 handled; \(members.map(\.stderr)) \(joiner.stderr)")
        let lines = handled(log)
        #expect(Set(lines.map(\.revision)) == Set(1...600))
        let (repeats, firstHandler) = checkOrder(lines)
        let summary = describe(lines, repeats, firstHandler, stderr: (members + [joiner]).map(\.stderr))
        #expect(repeats.allSatisfy { firstHandler[$0.revision] == "m2" }, "\(summary)")
        #expect(repeats.count <= 2 * victimPartitions, "\(victimPartitions) partitions: \(summary)")
        let workers = Set(lines.map(\.member))
        #expect(workers.count >= 3 && workers.contains("m4"), "\(summary)")
        #expect(firstHandler.filter { $0.key > 300 }.values.contains("m4"), "the joiner got a share of the second half")

        // A clean stop hands the partitions over at once: the others own all twelve.
        members[0].send(SIGTERM)
        #expect(members[0].waitForExit(timeout: 30) == 0, "\(members[0].stderr)")
        #expect(eventually(10) {
            let o = (try? owners(kvsh, store: store)) ?? [:]
            return o.count == 12 && Set(o.values).count == 2
        })
    }

    @Test("soak: ten SIGKILLs of the member owning the most partitions, each replaced, puts between them",
          .enabled(if: ProcessInfo.processInfo.environment["KVSH_SOAK"] == "1"), arguments: ["nats", "embedded"])
    func tenKills(store kind: String) throws {
        let f = try Fixture(kind)
        let (kvsh, store, log) = (f.kvsh, f.store, f.log)
        var members: [(name: String, process: RunningKvsh)] = []
        defer { members.forEach { $0.process.kill() } }
        func start(_ name: String) throws { members.append((name, try f.member(name))) }
        for n in 1...3 { try start("m\(n)") }
        var killed: [String: Int] = [:], total = 0, stderr: [String] = []
        for round in 0..<10 {
            #expect(eventually(60) {
                let o = (try? owners(kvsh, store: store)) ?? [:]
                return o.count == 12 && Set(o.values).count == 3
            }, "round \(round): not balanced")
            try f.put(first: total, count: 60)
            total += 60
            let o = try owners(kvsh, store: store)
            let live = members.filter { $0.process.isRunning }
            let victim = try #require(live.max { a, b in
                o.values.filter { $0.contains("_\(a.process.pid)_") }.count < o.values.filter { $0.contains("_\(b.process.pid)_") }.count
            })
            killed[victim.name] = o.values.filter { $0.contains("_\(victim.process.pid)_") }.count
            victim.process.send(SIGKILL)
            _ = victim.process.waitForExit(timeout: 10)
            stderr.append(victim.process.stderr)
            try start("m\(4 + round)")
        }
        #expect(eventually(120) { Set(handled(log).map(\.revision)).count == total }, "\(Set(handled(log).map(\.revision)).count) of \(total)")
        let lines = handled(log)
        #expect(Set(lines.map(\.revision)) == Set(1...total))
        let (repeats, firstHandler) = checkOrder(lines)
        let summary = describe(lines, repeats, firstHandler, stderr: stderr + members.map(\.process.stderr))
        #expect(repeats.allSatisfy { killed[firstHandler[$0.revision] ?? ""] != nil }, "\(summary)")
        #expect(repeats.count <= 2 * killed.values.reduce(0, +), "\(summary)")
    }
}
