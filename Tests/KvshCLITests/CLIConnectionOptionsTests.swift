// `--inbox-prefix` and `NATS_TIMEOUT` through the built binary, against real servers: a user
// whose permissions allow replies only under `_X.>`, and a port that never answers.

import Foundation
import Testing
import TestSupport

@Suite("kvsh binary: --inbox-prefix and NATS_TIMEOUT", .offCooperativePool)
struct CLIConnectionOptionsTests {
    /// Runs `kvsh args…` with `extra` in its environment (no NATS_URL unless given there).
    func run(_ args: [String], env extra: [String: String]) throws -> CLIResult {
        let kvsh = Kvsh(url: nil)
        let start = Date()
        let r = try runProcess(Kvsh.path, args, env: kvsh.environment(extra: extra), timeout: 30)
        return CLIResult(arguments: args, status: r.status, stdoutData: r.stdout, stderrData: r.stderr,
                         elapsed: Date().timeIntervalSince(start))
    }

    @Test("a user who may only get replies under _X.> works with --inbox-prefix _X; a bad prefix is refused first")
    func inboxPrefix() throws {
        let server = try NATSServerProcess(config: """
            authorization { users = [ { user: "narrow", password: "narrow-pw", permissions: {
              publish: { allow: ["$JS.API.>", "$KV.>"] },
              subscribe: { allow: ["_X.>"] } } } ] }
            """)
        defer { server.stop() }
        let url = "nats://narrow:narrow-pw@127.0.0.1:\(server.port)"
        let kvsh = Kvsh(url: nil)
        try kvsh.ok("-s", url, "--inbox-prefix", "_X", "kv", "add", "ib")
        try kvsh.ok("-s", url, "--inbox-prefix", "_X", "kv", "put", "ib", "k", "narrow")
        #expect(try kvsh.ok("-s", url, "--inbox-prefix", "_X", "kv", "get", "ib", "k", "--raw").stdout == "narrow")
        try kvsh.ok("-s", url, "--inbox-prefix=_X", "kv", "del", "ib", "k")
        #expect(try kvsh.ok("-s", url, "--inbox-prefix", "_X", "kv", "ls", "--names").stdout == "ib\n")

        // The default _INBOX is not allowed: the reply never comes.
        let denied = try kvsh.run(["-s", url, "--timeout", "1s", "kv", "get", "ib", "k"])
        #expect(denied.status != 0 && denied.stdout.isEmpty && denied.stderr.hasPrefix("nats: error: "), "\(denied)")

        // The flag beats a context's inbox_prefix.
        let home = try CLIContextTests.Home()
        try home.context("wide", ["url": url, "inbox_prefix": "_INBOX_other"])
        try home.ok("--context", "wide", "--inbox-prefix", "_X", "kv", "put", "ib", "k2", "v")

        // Checked before connecting (the port is never reached): nats.go's rules and kvsh's.
        for prefix in ["", "a.*", ">", "_X.", "a..b", "a b"] {
            let r = try kvsh.run(["-s", "nats://127.0.0.1:1", "--inbox-prefix", prefix, "kv", "ls"])
            #expect(r.status != 0 && r.stdout.isEmpty, "\(r)")
            #expect(r.stderr == "nats: error: --inbox-prefix \"\(prefix)\" is not a subject prefix (dot-separated "
                    + "tokens without wildcards or blanks)\n", "\(r)")
        }
        let embedded = try kvsh.run(["--inbox-prefix", "_X", "kv", "ls"], useEnvironmentURL: false)
        #expect(embedded.stderr == "nats: error: --inbox-prefix needs a server: give --server URL or set NATS_URL "
                + "(without one kvsh uses the embedded store)\n", "\(embedded)")
    }

    @Test("NATS_TIMEOUT bounds the wait when --timeout is not given; --timeout beats it; a bad one is one error")
    func timeoutVariable() throws {
        let silent = try SilentListener()
        let url = "nats://127.0.0.1:\(silent.port)"
        let byVariable = try run(["-s", url, "kv", "ls"], env: ["NATS_TIMEOUT": "1s"])
        expectCleanFailure(byVariable, contains: url)
        #expect(byVariable.elapsed >= 0.9 && byVariable.elapsed < 4, "NATS_TIMEOUT 1s, not the default 5s: \(byVariable)")
        let byFlag = try run(["-s", url, "--timeout", "1s", "kv", "ls"], env: ["NATS_TIMEOUT": "30s"])
        expectCleanFailure(byFlag, contains: url)
        #expect(byFlag.elapsed < 4, "--timeout beats NATS_TIMEOUT: \(byFlag)")
        let byDefault = try run(["-s", url, "kv", "ls"], env: [:])
        #expect(byDefault.elapsed >= 4.5, "the default is 5s: \(byDefault)")

        for (value, message) in [
            ("abc", #"NATS_TIMEOUT: invalid duration "abc": use a number with a unit such as 30s, 5m, 1h, 2d"#),
            ("0s", "NATS_TIMEOUT must be positive"),
        ] {
            let r = try run(["-s", url, "kv", "ls"], env: ["NATS_TIMEOUT": value])
            #expect(r.status != 0 && r.stdout.isEmpty, "\(r)")
            #expect(r.stderr == "nats: error: \(message)\n", "\(r)")
            #expect(r.elapsed < 3, "refused before connecting: \(r)")
        }
        // A good flag sets a bad variable aside; the flag's own messages are as before.
        let server = try NATSServerProcess()
        defer { server.stop() }
        let ok = try run(["-s", server.url, "--timeout", "2s", "kv", "ls", "--names"], env: ["NATS_TIMEOUT": "abc"])
        #expect(ok.status == 0 && ok.stderr.isEmpty, "\(ok)")
        let badFlag = try run(["-s", server.url, "--timeout", "0s", "kv", "ls"], env: [:])
        #expect(badFlag.stderr == "nats: error: --timeout must be positive\n", "\(badFlag)")
        // The embedded store has no timeout to take.
        let file = try makeTempDir(prefix: "kvsh-timeout-") + "/s.db"
        let local = try run(["--store", file, "kv", "ls", "--names"], env: ["NATS_TIMEOUT": "abc"])
        #expect(local.status == 0 && local.stderr.isEmpty, "\(local)")
    }
}
