// Bad input through the built `kvsh` binary: one clear message on stderr, a non-zero exit,
// nothing on stdout, and nothing written to the store.

import Foundation
import Testing
import TestSupport

@Suite("kvsh binary: bad input", .offCooperativePool)
struct CLIBadInputTests {
    /// What the store holds, to show a rejected command wrote nothing.
    struct Snapshot: Equatable {
        var buckets: Set<String>
        var values: Int?
        var keys: [String]
    }

    static func snapshot(_ kvsh: Kvsh, bucket: String = "b") throws -> Snapshot {
        Snapshot(buckets: try kvsh.bucketNames(), values: try kvsh.status(bucket)["values"] as? Int,
                 keys: try kvsh.keys(bucket).sorted())
    }

    /// (arguments, part of the expected message). Usage errors (see `usageMessages`, unknown
    /// commands among them) exit 64,
    /// the rest 1.
    static let rejected: [([String], String)] = [
        // Names and keys.
        (["kv", "add", "bad.name"], #"invalid bucket name "bad.name""#),
        (["kv", "add", "bad name"], #"invalid bucket name "bad name""#),
        (["kv", "put", "bad.name", "k", "v"], #"invalid bucket name "bad.name""#),
        (["kv", "put", "b", "a..b", "v"], #"invalid key "a..b""#),
        (["kv", "put", "b", ".x", "v"], #"invalid key ".x""#),
        (["kv", "put", "b", "x.", "v"], #"invalid key "x.""#),
        (["kv", "put", "b", "a b", "v"], #"invalid key "a b""#),
        (["kv", "put", "b", "a.*", "v"], "wildcards '*' and '>' are only allowed in filters"),
        (["kv", "put", "b", "a.>", "v"], "wildcards '*' and '>' are only allowed in filters"),
        (["kv", "put", "b", ">", "v"], "wildcards '*' and '>' are only allowed in filters"),
        (["kv", "create", "b", "*", "v"], "wildcards '*' and '>' are only allowed in filters"),
        (["kv", "update", "b", "a.*", "v", "1"], "wildcards '*' and '>' are only allowed in filters"),
        (["kv", "del", "b", "a..b"], #"invalid key "a..b""#),
        (["kv", "purge", "b", ".x"], #"invalid key ".x""#),
        (["kv", "get", "b", "a..b"], #"invalid key "a..b""#),
        (["kv", "keys", "b", "a..b"], #"invalid key "a..b""#),
        // Commands.
        (["kv", "gte", "b", "k"], #"unknown command "kv gte", did you mean "kv get"?"#),
        (["kv", "pt", "b", "k", "v"], #"did you mean "kv put"?"#),
        (["nats", "kv", "gte", "b", "k"], #"did you mean "kv get"?"#),
        (["frobnicate", "b", "k"], #"unknown command "frobnicate""#),
        (["kvv", "put", "b", "k", "v"], #"did you mean "kv"?"#),
        (["account", "inf"], #"did you mean "account info"?"#),
        // Argument counts.
        (["kv", "put", "b"], "Missing expected argument '<key>'"),
        (["kv", "put"], "Missing expected argument '<bucket>'"),
        (["kv", "get", "b"], "Missing expected argument '<key>'"),
        (["kv", "create", "b"], "Missing expected argument '<key>'"),
        (["kv", "put", "b", "k", "v", "extra"], "Unexpected argument 'extra'"),
        (["kv", "get", "b", "k", "extra"], "Unexpected argument 'extra'"),
        (["kv", "del", "b", "k", "k2", "--revision", "1"], "--revision guards the deletion of one key"),
        (["kv", "del", "b", "k", "--filter", "k"], "give keys or --filter, not both"),
        (["kv", "del", "b", "k", "a..b"], #"invalid key "a..b""#),
        (["kv", "watch", "b", "--count", "0"], "--count must be at least 1"),
        (["kv", "watch", "b", "--wait", "0s"], "--wait must be more than 0"),
        (["kv", "watch", "b", "--wait", "soon"], #"invalid duration "soon""#),
        (["kv", "del", "b", "--filter", "k", "--revision", "1"], "--revision guards one key: it cannot be given with --filter"),
        (["kv", "del", "b", "--filter", "a..b", "-f"], #"invalid key "a..b""#),
        (["kv", "update", "b", "k", "v", "1", "extra"], "expected VALUE and REVISION"),
        (["kv", "update", "b", "k"], "expected VALUE and REVISION"),
        (["kv", "watch", "b", "--history", "--updates"], "--history and --updates exclude each other"),
        // Revisions, options.
        (["kv", "update", "b", "k", "v", "abc"], #"invalid revision "abc""#),
        (["kv", "update", "b", "k", "v", "-1"], "Unknown option '-1'"),
        (["kv", "update", "b", "k", "v", "0"], #"invalid revision "0""#),
        (["kv", "get", "b", "k", "--revision", "x"], #"invalid revision "x""#),
        (["kv", "del", "b", "k", "--revision", "1.5"], #"invalid revision "1.5""#),
        (["kv", "purge", "b", "k", "--revision", "abc"], #"invalid revision "abc""#),
        (["kv", "put", "b", "k2", "v", "--timeout", "soon"], #"invalid duration "soon""#),
        (["kv", "put", "b", "k2", "v", "--bogus"], "Unknown option '--bogus'"),
        (["kv", "add", "b2", "--history", "100"], "history"),
        (["kv", "add", "b2", "--history", "x"], "'x' is invalid for '--history"),
        (["kv", "add", "b2", "--storage", "disk"], #"invalid storage "disk""#),
        (["kv", "add", "b2", "--max-value-size", "big"], #"invalid size "big""#),
        (["kv", "add", "b2", "--ttl", "forever"], #"invalid duration "forever""#),
        // Missing bucket or key.
        (["kv", "put", "nope", "k", "v"], "nats: bucket not found: nope"),
        (["kv", "create", "nope", "k", "v"], "nats: bucket not found: nope"),
        (["kv", "status", "nope"], "nats: bucket not found: nope"),
        (["kv", "keys", "nope"], "nats: bucket not found: nope"),
        (["kv", "rm", "nope", "-f"], "nats: bucket not found: nope"),
        (["kv", "watch", "nope"], "nats: bucket not found: nope"),
        (["kv", "get", "nope", "k", "--default", "d"], "nats: bucket not found: nope"),
        (["kv", "update", "b", "k", "v2", "99"], "nats: wrong last sequence: 1"),
        (["kv", "create", "b", "k", "v2"], "nats: wrong last sequence: 1: key exists"),
    ]

    /// Messages of usage errors: ArgumentParser's own and the commands' ValidationErrors (EX_USAGE).
    static let usageMessages = ["Missing expected argument", "Unexpected argument", "Unknown option",
                                "is invalid for", "expected VALUE and REVISION",
                                "exclude each other", "unknown command", "did you mean",
                                "--revision guards", "not both", "--count must be", "--wait must be"]

    @Test("rejected commands print one error, exit non-zero and write nothing")
    func rejectedCommands() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "b", "--history", "5")
        try kvsh.ok("kv", "put", "b", "k", "v")
        let before = try Self.snapshot(kvsh)
        #expect(before == Snapshot(buckets: ["b"], values: 1, keys: ["k"]))

        for (args, message) in Self.rejected {
            let r = try kvsh.run(args)
            expectCleanFailure(r, contains: message)
            let usage = Self.usageMessages.contains { message.contains($0) }
            #expect(r.status == (usage ? 64 : 1), "\(r)")
            // A command's usage, never the root's, which would not help.
            #expect(!r.stderr.contains("Usage: kvsh <subcommand>"), "\(r)")
        }
        #expect(try Self.snapshot(kvsh) == before)
    }

    @Test("missing bucket and missing key: the nats CLI's wording")
    func missingBucketAndKey() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "b")
        for args in [["kv", "get", "b", "missing"], ["kv", "get", "b", "missing", "--raw"],
                     ["kv", "get", "b", "missing", "--json"]] {
            let r = try kvsh.run(args)
            #expect(r.status == 1 && r.stdout.isEmpty && r.stderr == "nats: error: nats: key not found\n", "\(r)")
        }
        try kvsh.ok("kv", "put", "b", "k", "v")
        try kvsh.ok("kv", "del", "b", "k")
        let deleted = try kvsh("kv", "get", "b", "k")
        #expect(deleted.status == 1 && deleted.stderr == "nats: error: nats: key not found\n", "\(deleted)")
        let noRevision = try kvsh("kv", "get", "b", "k", "--revision", "99")
        #expect(noRevision.status == 1 && noRevision.stderr == "nats: error: nats: key not found\n", "\(noRevision)")

        let r = try kvsh("kv", "get", "nope", "k")
        #expect(r.status == 1 && r.stdout.isEmpty && r.stderr == "nats: error: nats: bucket not found: nope\n", "\(r)")
        // Writing to a missing bucket does not create it.
        #expect(try kvsh.bucketNames() == ["b"])
    }

    @Test("a value over the bucket's --max-value-size is rejected and not stored")
    func valueTooLarge() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        let add = try kvsh.ok("kv", "add", "b", "--max-value-size", "10")
        #expect(statusRows(add)["Maximum Value Size"] == "10 B")
        #expect(try kvsh.ok("kv", "put", "b", "fits", "1234567890").stdout == "1234567890\n")
        let before = try Self.snapshot(kvsh)

        for r in [try kvsh("kv", "put", "b", "k", "12345678901"),
                  try kvsh("kv", "put", "b", "k", stdin: Data(repeating: 0x41, count: 11)),
                  try kvsh("kv", "create", "b", "k2", "12345678901"),
                  try kvsh("kv", "put", "b", "fits", String(repeating: "x", count: 100))] {
            expectCleanFailure(r, contains: "larger than the maximum of 10 bytes")
        }
        #expect(try Self.snapshot(kvsh) == before)
        #expect(try kvsh.ok("kv", "get", "b", "fits", "--raw").stdout == "1234567890")
    }

    @Test("unreachable server: names the URL, exits within --timeout")
    func unreachableServer() throws {
        let kvsh = Kvsh(url: nil)
        // Nothing listens on port 1: refused at once.
        let refused = try kvsh.run(["-s", "nats://127.0.0.1:1", "--timeout", "1s", "kv", "get", "b", "k"],
                                   useEnvironmentURL: false, timeout: 15)
        expectCleanFailure(refused, contains: "nats://127.0.0.1:1")
        #expect(refused.elapsed < 4, "\(refused)")

        // A port that accepts the connection and never speaks: only --timeout ends the wait.
        let silent = try SilentListener()
        let url = "nats://127.0.0.1:\(silent.port)"
        for args in [["kv", "put", "b", "k", "v", "--timeout", "1s", "-s", url],
                     ["--timeout", "1s", "--server", url, "account", "info"]] {
            let r = try kvsh.run(args, useEnvironmentURL: false, timeout: 15)
            expectCleanFailure(r, contains: url)
            #expect(r.elapsed >= 0.9, "gave up before the timeout: \(r)")
            #expect(r.elapsed < 4, "the default 5s timeout, not --timeout 1s, was used: \(r)")
        }

        // A server list: every URL tried is named.
        let list = try kvsh.run(["-s", "nats://127.0.0.1:1,nats://127.0.0.1:2", "--timeout", "1s", "kv", "ls"],
                                useEnvironmentURL: false, timeout: 15)
        expectCleanFailure(list, contains: "nats://127.0.0.1:1")
        #expect(list.stderr.contains("nats://127.0.0.1:2"), "\(list)")

        let badURL = try kvsh.run(["-s", "http://[bad", "kv", "ls"], useEnvironmentURL: false, timeout: 15)
        expectCleanFailure(badURL, contains: "http://[bad")
    }

    @Test("server without JetStream: account info and kv commands point at nats-server -js")
    func withoutJetStream() throws {
        let server = try NATSServerProcess(jetstream: false)
        defer { server.stop() }
        let kvsh = Kvsh(server)

        let info = try kvsh("account", "info")
        #expect(info.status == 1, "\(info)")
        #expect(info.stdout.contains("Connected URL: \(server.url)"), "\(info)")
        #expect(info.stdout.contains("JetStream is not supported in this account"), "\(info)")
        #expect(!info.stdout.contains("JetStream Account Information"), "\(info)")
        #expect((info.stdout + info.stderr).contains("nats-server -js"), "\(info)")

        for args in [["kv", "add", "my-kv"], ["kv", "put", "my-kv", "k", "v"], ["kv", "get", "my-kv", "k"],
                     ["kv", "ls"], ["kv", "watch", "my-kv"]] {
            let r = try kvsh.run(args, timeout: 15)
            expectCleanFailure(r, contains: "nats-server -js")
            #expect(r.elapsed < 4, "\(r)")
        }
    }
}
