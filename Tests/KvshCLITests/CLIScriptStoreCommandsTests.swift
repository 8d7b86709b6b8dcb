// The store commands scripts lean on, through the built kvsh binary and on both stores (a
// nats-server, and the embedded store with --store FILE): kv del of several keys and by
// --filter, kv get --default, kv watch --count/--wait, and what `let` binds for each.

import Foundation
import Testing
import TestSupport

@Suite("kvsh binary: store commands for scripts, on both stores", .offCooperativePool)
struct CLIScriptStoreCommandsTests {
    enum Store: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case server, embedded
        var testDescription: String { rawValue }
    }

    /// One server for the suite (stopped at exit by TestSupport's safety net).
    static let server: (process: NATSServerProcess?, error: String?) = {
        do {
            return (try NATSServerProcess(), nil)
        } catch {
            return (nil, "\(error)")
        }
    }()

    /// kvsh on one store, with a bucket of its own (`bucket`) holding `keys` (value: the key).
    struct Target {
        let options: [String]
        let bucket: String

        init(_ store: Store, keys: [String] = []) throws {
            bucket = "s" + UUID().uuidString.prefix(8).lowercased()
            switch store {
            case .server:
                let server = try #require(CLIScriptStoreCommandsTests.server.process,
                                          "\(CLIScriptStoreCommandsTests.server.error ?? "")")
                options = ["-s", server.url]
            case .embedded:
                options = ["--store", try makeTempDir(prefix: "kvsh-script-store-") + "/s.db"]
            }
            try ok(["kv", "add", bucket, "--history", "5"])
            for key in keys { try ok(["kv", "put", bucket, key, key]) }
        }

        @discardableResult
        func run(_ args: [String], timeout: Double = 20) throws -> CLIResult {
            try Kvsh(url: nil).run(options + args, useEnvironmentURL: false, timeout: timeout)
        }

        /// Runs a script with `kvsh -c`; `$B` in it is the bucket.
        func script(_ text: String) throws -> CLIResult { try run(["-c", text.replacingOccurrences(of: "$B", with: bucket)]) }

        @discardableResult
        func ok(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult {
            let r = try run(args)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r)", sourceLocation: sourceLocation)
            return r
        }

        func keys() throws -> [String] {
            let r = try run(["kv", "keys", bucket, "--json"])
            return try #require(r.json as? [String], "\(r)")
        }
    }

    /// stdout's lines as JSON objects.
    private static func objects(_ r: CLIResult) -> [[String: Any]] {
        r.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    // MARK: kv del

    @Test("kv del BUCKET K1 K2 …: every key checked first, then each deleted; --json one object per key",
          arguments: Store.allCases)
    func deleteSeveral(_ store: Store) throws {
        let t = try Target(store, keys: ["a", "b", "c", "d", "e"])
        let b = t.bucket
        let r = try t.ok(["kv", "del", b, "a", "b"])
        #expect(r.stdout.isEmpty)
        #expect(try t.keys() == ["c", "d", "e"])

        let bad = try t.run(["kv", "del", b, "c", "bad key"])
        expectCleanFailure(bad, contains: "bad key")
        #expect(try t.keys() == ["c", "d", "e"], "nothing deleted when one key is bad")

        let guarded = try t.run(["kv", "del", b, "c", "d", "--revision", "3"])
        expectCleanFailure(guarded, contains: "--revision guards the deletion of one key: give exactly one key with it")
        #expect(guarded.status == 64)

        let json = try t.ok(["kv", "del", b, "c", "d", "--json"])
        let objects = Self.objects(json)
        #expect(json.lines.count == 2 && objects.map { $0["key"] as? String } == ["c", "d"], "\(json)")
        #expect(objects.map { $0["revision"] as? Int } == [8, 9], "\(json)")
        #expect(try t.keys() == ["e"])
    }

    @Test("let binds the marker entry for one key, a list of markers for several", arguments: Store.allCases)
    func deleteBindings(_ store: Store) throws {
        let t = try Target(store, keys: ["a", "b", "c"])
        let r = try t.script("""
            let one = kv del $B a
            echo $one.key $one.op $one.revision
            let two = kv del $B b c
            echo $two.count $two.0.key $two.1.key $two.1.op
            """)
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        #expect(r.lines == ["a DEL 4", "2 b c DEL"], "\(r)")
    }

    @Test("kv del BUCKET --filter: refused where kvsh cannot ask, -f deletes what matches", arguments: Store.allCases)
    func deleteByFilter(_ store: Store) throws {
        let t = try Target(store, keys: ["tmp.a", "tmp.b.c", "keep", "other.x"])
        let b = t.bucket
        let refused = try t.run(["kv", "del", b, "--filter", "tmp.>"])
        expectCleanFailure(refused, contains: "kv del \(b) --filter deletes 2 keys matching 'tmp.>': "
                           + "give -f/--force to do that where kvsh cannot ask (nothing was changed)")
        #expect(refused.status == 1)
        #expect(try t.keys() == ["keep", "other.x", "tmp.a", "tmp.b.c"])

        let forced = try t.run(["kv", "del", b, "--filter", "tmp.>", "-f"])
        #expect(forced.status == 0 && forced.stdout.isEmpty, "\(forced)")
        #expect(forced.stderr == "Deleted 2 keys matching 'tmp.>' in bucket \(b)\n", "\(forced)")
        #expect(try t.keys() == ["keep", "other.x"])

        let none = try t.run(["kv", "del", b, "--filter", "tmp.>"])
        #expect(none.status == 0 && none.stdout.isEmpty, "\(none)")
        #expect(none.stderr == "No keys matching 'tmp.>' in bucket \(b): nothing was deleted\n", "\(none)")

        let json = try t.run(["kv", "del", b, "--filter", "keep", "--filter", "other.*", "--force", "--json"])
        #expect(json.status == 0 && json.stderr.isEmpty, "\(json)")
        #expect(Self.objects(json).map { $0["key"] as? String } == ["keep", "other.x"], "\(json)")
        #expect(try t.keys() == [])
    }

    @Test("kv del --filter: bad forms are usage errors; under let a list of markers", arguments: Store.allCases)
    func deleteByFilterForms(_ store: Store) throws {
        let t = try Target(store, keys: ["x.1", "x.2", "y"])
        let b = t.bucket
        let both = try t.run(["kv", "del", b, "y", "--filter", "x.*", "-f"])
        expectCleanFailure(both, contains: "give keys or --filter, not both")
        #expect(both.status == 64)
        let badFilter = try t.run(["kv", "del", b, "--filter", "x.>.y", "-f"])
        #expect(badFilter.status != 0 && badFilter.stdout.isEmpty, "\(badFilter)")
        #expect(try t.keys() == ["x.1", "x.2", "y"])

        let r = try t.script("""
            let gone = kv del $B --filter 'x.*' -f
            echo $gone.count $gone.0.key $gone.1.op
            let none = kv del $B --filter 'x.*'
            echo $none.count
            """)
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        #expect(r.lines == ["2 x.1 DEL", "0"], "\(r)")
        #expect(try t.keys() == ["y"])
    }

    // MARK: kv get --default

    @Test("kv get --default: a key without a value shows the default at revision 0; a missing bucket still fails",
          arguments: Store.allCases)
    func getDefault(_ store: Store) throws {
        let t = try Target(store, keys: ["here", "gone"])
        let b = t.bucket
        try t.ok(["kv", "del", b, "gone"])
        let missing = try t.ok(["kv", "get", b, "never", "--default", "fallback"])
        #expect(missing.stdout == "\(b) > never revision: 0 created @ 1970-01-01 00:00:00\n\nfallback\n\n", "\(missing)")
        #expect(try t.ok(["kv", "get", b, "gone", "--default", "d", "--raw"]).stdout == "d")
        #expect(try t.ok(["kv", "get", b, "here", "--default", "d", "--raw"]).stdout == "here")
        #expect(try t.ok(["kv", "get", b, "here", "--revision", "99", "--default", "d", "--raw"]).stdout == "d")
        let json = try t.ok(["kv", "get", b, "never", "--default", "", "--json"]).json as? [String: Any]
        #expect(json?["value"] as? String == "" && json?["revision"] as? Int == 0, "\(String(describing: json))")
        #expect(json?["operation"] as? String == "PUT" && json?["created"] as? String == "1970-01-01T00:00:00Z",
                "\(String(describing: json))")

        let noBucket = try t.run(["kv", "get", "no-such-bucket", "k", "--default", "d"])
        expectCleanFailure(noBucket, contains: "bucket not found")
        let badKey = try t.run(["kv", "get", b, "bad key", "--default", "d"])
        #expect(badKey.status != 0 && badKey.stdout.isEmpty, "\(badKey)")

        let r = try t.script("""
            let e = kv get $B never --default 'no value'
            echo $e.value / $e.revision $e.delta $e.op $e.created
            let h = kv get $B here --default x
            echo $h.value $h.revision
            """)
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        #expect(r.lines == ["no value / 0 0 PUT 1970-01-01T00:00:00Z", "here 1"], "\(r)")
    }

    // MARK: kv watch --count / --wait

    @Test("kv watch --count N stops after N entries, in both output forms and under let", arguments: Store.allCases)
    func watchCount(_ store: Store) throws {
        let t = try Target(store, keys: ["a", "b", "c"])
        let b = t.bucket
        let human = try t.ok(["kv", "watch", b, "--history", "--count", "2"], sourceLocation: #_sourceLocation)
        #expect(human.lines.count == 2 && human.lines[0].hasSuffix("PUT \(b) > a: a"), "\(human)")
        let json = try t.ok(["kv", "watch", b, "--count", "1", "--json", "--wait", "10s"])
        #expect(Self.objects(json).map { $0["key"] as? String } == ["a"], "\(json)")

        let r = try t.script("""
            let w = kv watch $B --count 2 --history
            echo $w.count $w.0.key $w.1.value
            let all = kv watch $B 'c' --wait 300ms
            echo $all.count $all.0.key
            """)
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        #expect(r.lines == ["2 a b", "1 c"], "\(r)")

        let unbounded = try t.script("let w = kv watch $B")
        #expect(unbounded.status != 0 && unbounded.stderr.contains("give --count or --wait"), "\(unbounded)")

        // With the other options as before: markers left out are not counted; --revision starts there.
        try t.ok(["kv", "del", b, "b"])
        let noDeletes = try t.ok(["kv", "watch", b, "--no-deletes", "--count", "2", "--json"])
        #expect(Self.objects(noDeletes).map { $0["key"] as? String } == ["a", "c"], "\(noDeletes)")
        let fromRevision = try t.ok(["kv", "watch", b, "--revision", "3", "--count", "2", "--json"])
        #expect(Self.objects(fromRevision).map { "\($0["key"] ?? "") \($0["operation"] ?? "")" } == ["c PUT", "b DELETE"],
                "\(fromRevision)")
    }

    @Test("kv watch --wait: fewer than --count entries by then fails with status 1; --wait alone succeeds",
          arguments: Store.allCases)
    func watchWait(_ store: Store) throws {
        let t = try Target(store, keys: ["a"])
        let b = t.bucket
        let short = try t.run(["kv", "watch", b, "--updates", "--count", "1", "--wait", "300ms"])
        expectCleanFailure(short, contains: "kv watch: 0 of 1 entries within 300ms")
        #expect(short.status == 1)
        let alone = try t.run(["kv", "watch", b, "--updates", "--wait", "200ms"])
        #expect(alone.status == 0 && alone.stdout.isEmpty && alone.stderr.isEmpty, "\(alone)")
        let script = try t.script("kv watch $B --updates --count 2 --wait 200ms; echo after $?")
        #expect(script.status == 1 && !script.stdout.contains("after"), "\(script)")
        #expect(script.stderr.contains("kv watch: 0 of 2 entries within 200ms"), "\(script)")

        let zero = try t.run(["kv", "watch", b, "--count", "0"])
        #expect(zero.status == 64, "\(zero)")
    }

    @Test("kv watch --updates --count 1 sees another process's write and ends", arguments: Store.allCases)
    func watchSeesWriter(_ store: Store) throws {
        let t = try Target(store)
        let watcher = try RunningKvsh(t.options + ["kv", "watch", t.bucket, "--updates", "--count", "1", "--json",
                                                   "--wait", "20s"],
                                      environment: Kvsh(url: nil).environment())
        // --updates sees only writes made once it is subscribed: write until it has seen one.
        var writes = 0
        while watcher.isRunning && writes < 100 {
            try t.ok(["kv", "put", t.bucket, "k", "v\(writes)"])
            writes += 1
            if watcher.waitForExit(timeout: 0.2) != nil { break }
        }
        #expect(watcher.waitForExit(timeout: 10) == 0, "\(watcher.stderr)")
        let lines = watcher.lines
        #expect(lines.count == 1 && lines[0].contains("\"key\":\"k\""), "\(lines) \(watcher.stderr)")
    }
}
