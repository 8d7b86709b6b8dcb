#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSQLite
import Foundation
import Testing
import TestSupport

/// kvsh without a server: the embedded store, at its default place or `--store FILE`.
@Suite("kvsh binary: the embedded store", .offCooperativePool)
struct CLIEmbeddedTests {
    /// A `kvsh` with no server and its own `XDG_DATA_HOME`.
    struct Local {
        let dataHome: String
        var storePath: String { dataHome + "/kvsh/store.db" }

        init() throws { dataHome = try makeTempDir(prefix: "kvsh-embedded-cli-") + "/data" }

        var environment: [String: String] {
            inheritedEnvironment(["TZ": "UTC", "SWIFT_BACKTRACE": "enable=no", "XDG_DATA_HOME": dataHome],
                                 removing: ["NATS_URL"])
        }

        @discardableResult
        func run(_ args: [String], stdin: Data? = nil) throws -> CLIResult {
            let start = Date()
            let r = try runProcess(Kvsh.path, args, env: environment, stdin: stdin, timeout: 30)
            return CLIResult(arguments: args, status: r.status, stdoutData: r.stdout, stderrData: r.stderr,
                             elapsed: Date().timeIntervalSince(start))
        }

        @discardableResult
        func ok(_ args: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult {
            let r = try run(args)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r)", sourceLocation: sourceLocation)
            return r
        }
    }

    private func mode(_ path: String) -> mode_t? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_mode & 0o777 : nil
    }

    @Test("with no server kvsh keeps its data in $XDG_DATA_HOME/kvsh/store.db (directory 0700, file 0600)")
    func defaultStore() throws {
        let local = try Local()
        let status = try local.ok("kv", "add", "my-kv", "--history", "3")
        let rows = statusRows(status)
        #expect(rows["Backing Store Kind"] == "embedded", "\(status)")
        #expect(rows["JetStream Stream"] == nil, "\(status)")
        #expect(rows["History Kept"] == "3", "\(status)")
        #expect(mode(local.dataHome + "/kvsh") == 0o700)
        #expect(mode(local.storePath) == 0o600)

        #expect(try local.ok("kv", "put", "my-kv", "Key1", "Value1").stdout == "Value1\n")
        #expect(try local.ok("nats", "kv", "get", "my-kv", "Key1").shownValue == "Value1")
        try local.ok("kv", "del", "my-kv", "Key1")
        try local.ok("kv", "del", "my-kv", "never-there")
        let get = try local.run(["kv", "get", "my-kv", "Key1"])
        expectCleanFailure(get, contains: "nats: key not found")

        let info = try local.ok("kv", "status", "my-kv")
        #expect(statusRows(info)["Values Stored"] == "3", "\(info)")
        let account = try local.ok("account", "info")
        #expect(account.stdout.contains("Path: \(local.storePath)"), "\(account)")
        #expect(account.stdout.contains("Buckets: 1"), "\(account)")
        let json = try #require(try local.ok("account", "info", "--json").json as? [String: Any])
        #expect(json["store"] as? String == "embedded")
        #expect(json["path"] as? String == local.storePath)
        #expect(json["buckets"] as? Int == 1)
        #expect(json["entries"] as? Int == 3)
        #expect((json["bytes"] as? Int ?? 0) > 0)
    }

    @Test("--store FILE picks another store; the default one is untouched")
    func storeOption() throws {
        let local = try Local()
        let other = try makeTempDir(prefix: "kvsh-other-store-") + "/elsewhere.db"
        try local.ok("--store", other, "kv", "add", "b")
        try local.ok("kv", "put", "b", "k", "v", "--store", other)
        #expect(try local.ok("kv", "get", "b", "k", "--store=\(other)").shownValue == "v")
        #expect(FileManager.default.fileExists(atPath: other))
        #expect(!FileManager.default.fileExists(atPath: local.storePath))
        // --store wins over NATS_URL (the explicit option over the environment).
        var env = local.environment
        env["NATS_URL"] = "nats://127.0.0.1:1"
        let r = try runProcess(Kvsh.path, ["kv", "get", "b", "k", "--store", other], env: env, timeout: 30)
        #expect(r.status == 0, "\(String(decoding: r.stderr, as: UTF8.self))")
    }

    @Test("bad store options: one message, non-zero exit, nothing written")
    func badOptions() throws {
        let local = try Local()
        let both = try local.run(["--store", "/tmp/x.db", "-s", "nats://127.0.0.1:1", "kv", "add", "b"])
        expectCleanFailure(both, contains: "--store and --server exclude each other")
        let user = try local.run(["--user", "me", "kv", "add", "b"])
        expectCleanFailure(user, contains: "--user needs a server")
        let missingDir = try local.run(["--store", "/nonexistent-kvsh-dir/store.db", "kv", "ls"])
        expectCleanFailure(missingDir, contains: "/nonexistent-kvsh-dir/store.db")
        let empty = try local.run(["--store", "", "kv", "ls"])
        expectCleanFailure(empty, contains: "--store needs a file name")
        #expect(!FileManager.default.fileExists(atPath: local.dataHome), "nothing may be created on bad input")
        // A bad key or bucket does not even open the store.
        let badKey = try local.run(["kv", "put", "b", "a..b", "v"])
        expectCleanFailure(badKey, contains: "invalid key")
        #expect(!FileManager.default.fileExists(atPath: local.storePath))
    }

    @Test("the walkthrough semaphore: create once, update on the revision, the nats wording")
    func semaphore() throws {
        let local = try Local()
        try local.ok("kv", "add", "my-sem")
        #expect(try local.ok("kv", "create", "my-sem", "Semaphore1", "Value1").stdout == "Value1\n")
        let again = try local.run(["kv", "create", "my-sem", "Semaphore1", "Value1"])
        #expect(again.stderr == "nats: error: nats: wrong last sequence: 1: key exists\n", "\(again)")
        #expect(again.status == 1)
        #expect(try local.ok("kv", "update", "my-sem", "Semaphore1", "Value2", "1").stdout == "Value2\n")
        let stale = try local.run(["kv", "update", "my-sem", "Semaphore1", "Value2", "1"])
        #expect(stale.stderr == "nats: error: nats: wrong last sequence: 2\n", "\(stale)")
        try local.ok("kv", "rm", "my-sem", "-f")
        expectCleanFailure(try local.run(["kv", "get", "my-sem", "Semaphore1"]), contains: "bucket not found")
    }

    @Test("two terminals: kv watch in one sees kv put from another process")
    func watchAcrossProcesses() throws {
        let local = try Local()
        try local.ok("kv", "add", "my-kv")
        try local.ok("kv", "put", "my-kv", "Key1", "Value1")
        let watch = try RunningKvsh(["kv", "watch", "my-kv"], environment: local.environment)
        defer { watch.kill() }
        #expect(watch.waitForLines { $0.count >= 1 }, "stdout: \(watch.stdout)\nstderr: \(watch.stderr)")
        try local.ok("kv", "put", "my-kv", "Key1", "Value2")
        try local.ok("kv", "del", "my-kv", "Key1")
        #expect(watch.waitForLines { $0.count >= 3 }, "\(watch.lines)")
        let lines = watch.lines
        #expect(lines.count == 3 && lines[0].hasSuffix("PUT my-kv > Key1: Value1")
                && lines[1].hasSuffix("PUT my-kv > Key1: Value2") && lines[2].hasSuffix("DELETE my-kv > Key1"),
                "\(lines)")
        watch.send(SIGTERM)
        #expect(watch.waitForExit(timeout: 5) == 0, "\(watch.stderr)")
    }

    @Test("examples/walkthrough.kvsh runs green on the embedded store")
    func walkthroughScript() throws {
        let local = try Local()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../examples/walkthrough.kvsh").standardized.path
        let r = try local.run([script])
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.isEmpty, "\(r)")
    }

    @Test("--store on another program's SQLite file: one message, exit 1, the file byte for byte as it was")
    func foreignStoreFile() throws {
        let local = try Local()
        let dir = try makeTempDir(prefix: "kvsh-foreign-store-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/app.db"
        // A rollback-journal SQLite database with a table, as most programs make one.
        var db: OpaquePointer?
        try #require(sqlite3_open(path, &db) == SQLITE_OK)
        #expect(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (42);", nil, nil, nil) == SQLITE_OK)
        sqlite3_close(db)
        let before = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        let bytes = FileManager.default.contents(atPath: path)
        for args in [["kv", "ls"], ["kv", "add", "b"], ["kv", "put", "b", "k", "v"], ["account", "info"]] {
            let r = try local.run(["--store", path] + args)
            expectCleanFailure(r, contains: "\(path) is an SQLite database of another program, not a kvsh store")
        }
        #expect(FileManager.default.contents(atPath: path) == bytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == before)
    }

}
