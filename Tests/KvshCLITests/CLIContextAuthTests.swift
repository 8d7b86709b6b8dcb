// natscli contexts that authenticate by signature: a context's `creds` or `nkey` drives an
// operator-mode or nkey-user server with no connection flag, a way given above the context
// replaces it, and a context with two ways is refused before anything connects.

import Foundation
import NATSAuth
import Testing
import TestSupport

@Suite("kvsh binary: contexts with creds and nkey", .offCooperativePool)
struct CLIContextAuthTests {
    @Test("a selected context's creds reach an operator-mode server with no flag; the seed and JWT stay out of every output")
    func contextCreds() throws {
        let op = try OperatorServer()
        defer { op.stop() }
        let home = try CLIContextTests.Home()
        let user = try op.user()
        let file = home.config + "/user.creds"
        try FileManager.default.createDirectory(atPath: home.config, withIntermediateDirectories: true)
        try writeSecretFile(file, user.creds)
        try home.context("ops", ["url": op.server.url, "creds": "file://" + file])
        var results: [CLIResult] = []
        results.append(try home.ok("context", "select", "ops"))
        results.append(try home.ok("kv", "add", "cc"))
        results.append(try home.ok("kv", "put", "cc", "k", "by-context-creds"))
        let get = try home.ok("kv", "get", "cc", "k", "--raw")
        #expect(get.stdout == "by-context-creds")
        results.append(get)
        results.append(try home.ok("context", "show", "ops"))
        let traced = try home.run(["--trace", "kv", "get", "cc", "k", "--raw"])
        #expect(traced.status == 0 && traced.stdout == "by-context-creds", "\(traced)")
        results.append(traced)
        for r in results {
            #expect(!r.stdout.contains(user.seed.text) && !r.stderr.contains(user.seed.text), "\(r)")
            #expect(!r.stdout.contains(user.jwt) && !r.stderr.contains(user.jwt), "\(r)")
        }
        #expect(!FileManager.default.fileExists(atPath: home.storePath), "no embedded store may be made")
    }

    @Test("NATS_CONTEXT with an nkey file reaches an nkey-user server; a flag's way replaces the context's")
    func contextNKey() throws {
        let auth = try NKeyUserServer()
        defer { auth.stop() }
        let home = try CLIContextTests.Home()
        try FileManager.default.createDirectory(atPath: home.config, withIntermediateDirectories: true)
        let file = home.config + "/user.nk"
        try writeSecretFile(file, auth.user.text + "\n")
        try home.context("nk", ["url": auth.server.url, "nkey": file])
        try home.ok("kv", "add", "nkc", env: ["NATS_CONTEXT": "nk"])
        try home.ok("kv", "put", "nkc", "k", "v", env: ["NATS_CONTEXT": "nk"])
        #expect(try home.ok("kv", "get", "nkc", "k", "--raw", env: ["NATS_CONTEXT": "nk"]).stdout == "v")
        // A token given above the context replaces the context's nkey: the server then refuses.
        let replaced = try home.run(["--token", "not-an-nkey", "kv", "get", "nkc", "k"], env: ["NATS_CONTEXT": "nk"])
        expectCleanFailure(replaced, contains: "Authorization Violation")
        #expect(!replaced.stderr.contains(auth.user.text))
    }

    @Test("a context with two ways to authenticate is one error naming it, before anything connects")
    func twoWays() throws {
        let home = try CLIContextTests.Home()
        try home.context("both", ["url": "nats://127.0.0.1:1", "user": "u", "password": "p", "creds": "/x.creds"])
        let r = try home.run(["kv", "ls"], env: ["NATS_CONTEXT": "both"])
        #expect(r.stderr == "nats: error: context \"both\": user and creds exclude each other: keep one way to authenticate\n",
                "\(r)")
        expectCleanFailure(r, contains: "context \"both\": user and creds exclude each other")
        #expect(!FileManager.default.fileExists(atPath: home.storePath), "nothing written")
    }
}
