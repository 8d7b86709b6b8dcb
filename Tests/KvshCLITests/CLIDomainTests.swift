import Foundation
import Testing
import TestSupport

/// `--js-domain`, `--js-api-prefix` and a context's `jetstream_domain` end to end: kvsh on a
/// leaf node works on the hub's JetStream, which a client of the hub sees directly.
@Suite("kvsh binary: JetStream domains through a leaf node", .offCooperativePool)
struct CLIDomainTests {
    /// kvsh on the leaf through domain `hub`, on the leaf's own JetStream, and on the hub.
    struct Pair {
        let servers: HubAndLeafServers
        let leaf: Kvsh
        let hub: Kvsh

        init() throws {
            servers = try HubAndLeafServers()
            leaf = Kvsh(servers.leaf)
            hub = Kvsh(servers.hub)
        }

        /// `kvsh --js-domain hub ARGS…` on the leaf.
        @discardableResult
        func viaDomain(_ args: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult {
            let r = try leaf.run(["--js-domain", "hub"] + args)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r)", sourceLocation: sourceLocation)
            return r
        }
    }

    @Test("--js-domain hub on the leaf: every KV command and account info work on the hub's JetStream")
    func domainFlag() throws {
        let pair = try Pair()
        defer { pair.servers.stop() }
        try pair.viaDomain("kv", "add", "dom", "--history", "5")
        try pair.viaDomain("kv", "put", "dom", "k", "v1")
        #expect(try pair.viaDomain("kv", "get", "dom", "k", "--raw").stdout == "v1")
        try pair.viaDomain("kv", "create", "dom", "c", "x")
        expectCleanFailure(try pair.leaf.run(["--js-domain", "hub", "kv", "create", "dom", "c", "y"]),
                           contains: "key exists")
        try pair.viaDomain("kv", "update", "dom", "k", "v2", "1")
        expectCleanFailure(try pair.leaf.run(["--js-domain", "hub", "kv", "update", "dom", "k", "v3", "1"]),
                           contains: "wrong last sequence")
        try pair.viaDomain("kv", "del", "dom", "c")
        let history = try #require(try pair.viaDomain("kv", "history", "dom", "k", "--json").json as? [[String: Any]])
        #expect(history.compactMap { $0["revision"] as? Int } == [1, 3], "\(history)")
        #expect(try pair.viaDomain("kv", "keys", "dom").lines == ["k"])
        try pair.viaDomain("kv", "put", "dom", "gone", "x")
        try pair.viaDomain("kv", "purge", "dom", "gone", "--force")
        #expect(try pair.viaDomain("kv", "keys", "dom").lines == ["k"])
        #expect(try pair.viaDomain("kv", "ls", "--names").lines == ["dom"])
        let account = try #require(try pair.viaDomain("account", "info", "--json").json as? [String: Any])
        #expect((account["jetstream"] as? [String: Any])?["domain"] as? String == "hub", "\(account)")

        // A watch through the domain sees a put made on the hub itself.
        let watch = try RunningKvsh(["--js-domain", "hub", "kv", "watch", "dom", "k"],
                                    environment: pair.leaf.environment())
        defer { watch.kill() }
        #expect(watch.waitForLines { $0.count >= 1 }, "stdout: \(watch.stdout)\nstderr: \(watch.stderr)")
        try pair.hub.ok("kv", "put", "dom", "k", "from-hub")
        #expect(watch.waitForLines { $0.count >= 2 }, "stdout: \(watch.stdout)\nstderr: \(watch.stderr)")
        #expect(watch.lines.last?.hasSuffix("PUT dom > k: from-hub") == true, "\(watch.lines)")

        // The hub, with no domain, holds what the leaf wrote; the leaf's own JetStream does not.
        expectCleanFailure(try pair.hub.run(["kv", "get", "dom", "c"]), contains: "key not found")
        #expect(try pair.hub.ok("kv", "history", "dom", "k", "--json").json.map { ($0 as? [Any])?.count } == 3)
        #expect(try pair.hub.bucketNames() == ["dom"])
        expectCleanFailure(try pair.leaf.run(["kv", "get", "dom", "k"]), contains: "bucket not found")
        #expect(try pair.leaf.bucketNames().isEmpty)
        let leafAccount = try #require(try pair.leaf.ok("account", "info", "--json").json as? [String: Any])
        #expect((leafAccount["jetstream"] as? [String: Any])?["domain"] as? String == "leaf", "\(leafAccount)")

        // Through a domain a missing bucket is silence, not a 503: it is asked about first, so
        // the answer comes at once, not after --timeout. A domain nobody serves is said so.
        for args in [["kv", "put", "nob", "k", "v"], ["kv", "get", "nob", "k"]] {
            let r = try pair.leaf.run(["--js-domain", "hub", "--timeout", "20s"] + args)
            expectCleanFailure(r, contains: "nats: bucket not found: nob")
            #expect(r.elapsed < 20, "\(r)")
        }
        expectCleanFailure(try pair.leaf.run(["--js-domain", "nosuch", "kv", "get", "dom", "k"]),
                           contains: "nats: no JetStream answers on $JS.nosuch.API.> (is the JetStream domain or API "
                               + "prefix right?)")
        let info = try pair.leaf.run(["--js-domain", "nosuch", "account", "info"])
        #expect(info.status == 1 && info.stdout.hasSuffix("\nNo JetStream answers on $JS.nosuch.API.>\n"), "\(info)")
    }

    @Test("a context's jetstream_domain, and --js-api-prefix '$JS.hub.API', reach the hub the same way")
    func contextAndPrefix() throws {
        let pair = try Pair()
        defer { pair.servers.stop() }
        let home = try CLIContextTests.Home()
        try home.context("edge", ["url": pair.servers.leaf.url, "jetstream_domain": "hub"])
        try home.ok("--context", "edge", "kv", "add", "ctx")
        try home.ok("--context", "edge", "kv", "put", "ctx", "k", "by-context")
        #expect(try pair.hub.ok("kv", "get", "ctx", "k", "--raw").stdout == "by-context")

        let prefixed = ["--js-api-prefix", "$JS.hub.API"]
        #expect(try pair.leaf.run(prefixed + ["kv", "put", "ctx", "k", "by-prefix"]).status == 0)
        #expect(try pair.leaf.run(prefixed + ["kv", "get", "ctx", "k", "--raw"]).stdout == "by-prefix")
        #expect(try pair.hub.ok("kv", "get", "ctx", "k", "--raw").stdout == "by-prefix")
        // A flag replaces the context's setting: the leaf's own domain has no such bucket.
        expectCleanFailure(try home.run(["--context", "edge", "--js-domain", "leaf", "kv", "get", "ctx", "k"]),
                           contains: "bucket not found")
    }

    @Test("a bad domain or prefix, or both at once, is one error before connecting", arguments: [
        (["--js-domain", "a.b"], #"--js-domain "a.b" is not a JetStream domain name"#),
        (["--domain", "x y"], #"--js-domain "x y" is not a JetStream domain name"#),
        (["--js-domain", ">"], #"--js-domain ">" is not a JetStream domain name"#),
        (["--js-api-prefix", "$JS.*.API"], #"--js-api-prefix "$JS.*.API" is not a subject prefix"#),
        (["--js-domain", "hub", "--js-api-prefix", "$JS.hub.API"], "--js-domain and --js-api-prefix exclude each other"),
    ])
    func badInput(args: [String], message: String) throws {
        // Nothing listens on port 1: a message about connecting would mean it tried.
        let r = try Kvsh(url: "nats://127.0.0.1:1").run(args + ["kv", "get", "b", "k"])
        expectCleanFailure(r, contains: message)
        #expect(!r.stderr.contains("connect"), "\(r)")
    }

    @Test("a context with both fields, a bad context domain, and a domain on the embedded store are refused")
    func badContextAndStore() throws {
        let home = try CLIContextTests.Home()
        try home.context("both", ["url": "nats://127.0.0.1:1", "jetstream_domain": "hub",
                                  "jetstream_api_prefix": "$JS.hub.API"])
        try home.context("dotted", ["url": "nats://127.0.0.1:1", "jetstream_domain": "a.b"])
        expectCleanFailure(try home.run(["--context", "both", "kv", "get", "b", "k"]),
                           contains: #"context "both": jetstream_domain and jetstream_api_prefix exclude each other"#)
        expectCleanFailure(try home.run(["--context", "dotted", "kv", "get", "b", "k"]),
                           contains: #"context "dotted": jetstream_domain "a.b" is not a JetStream domain name"#)
        expectCleanFailure(try home.run(["--store", home.data + "/s.db", "--js-domain", "hub", "kv", "get", "b", "k"]),
                           contains: "--js-domain needs a server")
        #expect(!FileManager.default.fileExists(atPath: home.data + "/s.db"))
    }
}
