// The explicit-intent rule through the built `kvsh` binary: a command that destroys a bucket or
// a key's history runs only with --force or a yes typed at a terminal (the terminal half is in
// LineEditorTests/KvshPromptSafetyTests), and an operand never vanishes because a list was empty.

import Foundation
import Testing
import TestSupport

@Suite("kvsh binary: destructive commands need explicit intent", .offCooperativePool)
struct CLIExplicitIntentTests {
    /// A server with bucket `orders` holding two keys.
    private static func ordersServer() throws -> (NATSServerProcess, Kvsh) {
        let server = try NATSServerProcess()
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "orders", "--history", "5")
        try kvsh.ok("kv", "put", "orders", "o.1", "first")
        try kvsh.ok("kv", "put", "orders", "o.2", "second")
        return (server, kvsh)
    }

    private static func expectUntouched(_ kvsh: Kvsh, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try kvsh.bucketNames().contains("orders"), sourceLocation: sourceLocation)
        #expect(try kvsh.keys("orders").sorted() == ["o.1", "o.2"], sourceLocation: sourceLocation)
    }

    @Test("kv del BUCKET and kv rm BUCKET without a terminal are refused unless -f/--force; nothing is deleted",
          arguments: [["kv", "del", "orders"], ["kv", "rm", "orders"], ["nats", "kv", "delete", "orders"]])
    func bucketDeletionRefused(_ args: [String]) throws {
        let (server, kvsh) = try Self.ordersServer()
        defer { server.stop() }
        let refused = try kvsh.run(args)
        expectCleanFailure(refused, contains: "kv del orders with no key deletes the whole bucket and every key in it: "
                           + "give -f/--force to do that where kvsh cannot ask (nothing was changed)")
        #expect(refused.status == 1, "\(refused)")
        try Self.expectUntouched(kvsh)

        let forced = try kvsh.run(args + ["--force"])
        #expect(forced.status == 0 && forced.stdout.isEmpty && forced.stderr.isEmpty, "\(forced)")
        #expect(try !kvsh.bucketNames().contains("orders"))
    }

    @Test("-f deletes the bucket, written before or after the bucket name")
    func shortForce() throws {
        let (server, kvsh) = try Self.ordersServer()
        defer { server.stop() }
        try kvsh.ok("kv", "rm", "-f", "orders")
        #expect(try !kvsh.bucketNames().contains("orders"))
        try kvsh.ok("kv", "add", "again")
        try kvsh.ok("kv", "del", "again", "-f")
        #expect(try !kvsh.bucketNames().contains("again"))
    }

    @Test("from bash, an unset key variable (kvsh kv del orders $KEY) does not delete the bucket")
    func unsetShellVariable() throws {
        let (server, kvsh) = try Self.ordersServer()
        defer { server.stop() }
        let r = try runProcess("/bin/sh", ["-c", "unset KEY; exec \"$KVSH\" kv del orders $KEY"],
                               env: kvsh.environment(extra: ["KVSH": Kvsh.path]), timeout: 20)
        #expect(r.status == 1)
        #expect(String(decoding: r.stderr, as: UTF8.self).contains("give -f/--force"))
        try Self.expectUntouched(kvsh)
    }

    @Test("kv purge of one key follows the nats CLI: refused without a terminal unless --force")
    func purgeNeedsIntent() throws {
        let (server, kvsh) = try Self.ordersServer()
        defer { server.stop() }
        let refused = try kvsh.run(["kv", "purge", "orders", "o.1"])
        expectCleanFailure(refused, contains: "kv purge removes every revision of orders > o.1: give -f/--force")
        #expect(try kvsh.ok("kv", "history", "orders", "o.1", "--json").json.map { ($0 as? [Any])?.count } == 1)

        try kvsh.ok("kv", "purge", "orders", "o.1", "-f")
        #expect(try kvsh.keys("orders") == ["o.2"])
        let history = try kvsh.ok("kv", "history", "orders", "o.1", "--json").json as? [[String: Any]]
        #expect(history?.map { $0["operation"] as? String } == ["PURGE"], "\(String(describing: history))")
    }

    @Test("--revision without a key is refused: it guards one key, never a bucket")
    func revisionWithoutKey() throws {
        let (server, kvsh) = try Self.ordersServer()
        defer { server.stop() }
        let r = try kvsh.run(["kv", "del", "orders", "--revision", "3", "--force"])
        expectCleanFailure(r, contains: "--revision needs a key")
        #expect(r.status == 64)
        try Self.expectUntouched(kvsh)
    }

    @Test("scripts and -c: bucket deletion is refused without --force; the script stops there",
          arguments: ["kv rm orders\necho after", "use orders\nkv del orders\necho after"])
    func scriptRefused(_ script: String) throws {
        let (server, kvsh) = try Self.ordersServer()
        defer { server.stop() }
        let r = try kvsh.run(["-c", script])
        #expect(r.status == 1, "\(r)")
        #expect(!r.stdout.contains("after"), "\(r)")
        #expect(r.stderr.contains("-c:") && r.stderr.contains("give -f/--force"), "\(r)")
        try Self.expectUntouched(kvsh)
        // The same script read from stdin.
        let piped = try kvsh.run([], stdin: Data(script.utf8))
        #expect(piped.status == 1 && piped.stderr.contains("give -f/--force"), "\(piped)")
        try Self.expectUntouched(kvsh)
    }

    @Test("an empty $list where keys go is an error, never 'no key': the bucket survives",
          arguments: [
            ("let ks = kv keys orders 'none.>'\nkv del orders $ks", "no key given: $ks is an empty list"),
            ("let ks = kv keys orders 'none.>'\nkv del orders $ks --force", "no key given: $ks is an empty list"),
            ("let ks = kv keys orders 'none.>'\nuse orders\ndel $ks", "no key given: $ks is an empty list"),
            ("let ks = kv keys orders 'none.>'\nkv purge orders $ks -f", "no key given: $ks is an empty list"),
            ("let b = kv keys orders 'none.>'\nkv rm $b -f", "no bucket given: $b is an empty list"),
            ("let ks = kv keys orders 'none.>'\nkv keys orders $ks", "no filter given: $ks is an empty list"),
            ("let ks = kv keys orders 'none.>'\non put orders $ks run 'true'", "no argument given: $ks is an empty list"),
          ])
    func emptyListOperand(_ script: String, _ message: String) throws {
        let (server, kvsh) = try Self.ordersServer()
        defer { server.stop() }
        let r = try kvsh.run(["-c", script])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains(message + " (nothing was run)"), "\(r)")
        try Self.expectUntouched(kvsh)
        #expect(try kvsh.ok("kv", "history", "orders", "o.1", "--json").json.map { ($0 as? [Any])?.count } == 1)
    }

    @Test("an empty $list is still fine where no operand is expected: for runs no iteration, echo prints a blank line")
    func emptyListElsewhere() throws {
        let (server, kvsh) = try Self.ordersServer()
        defer { server.stop() }
        let r = try kvsh.run(["-c", "let none = kv keys orders 'none.>'\nfor k in $none { echo $k }\necho $none\necho done"])
        #expect(r.status == 0 && r.stdout == "\ndone\n", "\(r)")
    }
}
