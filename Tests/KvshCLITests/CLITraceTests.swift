// `--trace` and `KVSH_LOG` against a real server: protocol lines on stderr, data on stdout as
// without them, no secret in any line; and the message of a command given up while the
// shell's connection is down.

import Foundation
import Testing
import TestSupport
@testable import KvshCLI

@Suite("kvsh binary: --trace and KVSH_LOG", .offCooperativePool)
struct CLITraceTests {
    /// Runs `kvsh args…` with `KVSH_LOG` set to `level`.
    func run(_ kvsh: Kvsh, logLevel level: String, _ args: [String], natsURL: String? = nil) throws -> CLIResult {
        let result = try runProcess(Kvsh.path, args, env: kvsh.environment(natsURL: natsURL, extra: ["KVSH_LOG": level]),
                                    timeout: 20)
        return CLIResult(arguments: args, status: result.status, stdoutData: result.stdout,
                         stderrData: result.stderr, elapsed: 0)
    }

    @Test("--trace prints the protocol on stderr, stdout is unchanged, and user and password never appear")
    func traceWithPassword() throws {
        let server = try NATSServerProcess(extraArgs: ["--user", "trace-user", "--pass", "trace-s3cret-pw"])
        defer { server.stop() }
        let kvsh = Kvsh(server)
        let auth = ["--user", "trace-user", "--password", "trace-s3cret-pw"]
        try #require(try kvsh.run(["kv", "add", "b"] + auth).status == 0)
        let put = try kvsh.run(["--trace", "kv", "put", "b", "k", "traced-value"] + auth)
        #expect(put.status == 0, "\(put)")
        #expect(put.stderr.contains(">>> CONNECT {"), "\(put)")
        #expect(put.stderr.contains(#""user":"[REDACTED]""#) && put.stderr.contains(#""pass":"[REDACTED]""#), "\(put)")
        #expect(put.stderr.contains(">>> PUB $KV.b.k _INBOX.") || put.stderr.contains(">>> HPUB $KV.b.k _INBOX."),
                "\(put)")
        #expect(put.stderr.contains("<<< PONG") && put.stderr.contains("<<< MSG _INBOX."), "\(put)")
        #expect(put.stderr.contains("<<< INFO server_id="), "\(put)")
        #expect(!put.stderr.contains("traced-value"), "payloads are not traced: \(put)")
        for secret in ["trace-user", "trace-s3cret-pw"] { #expect(!put.stderr.contains(secret), "\(secret): \(put)") }
        for line in put.stderr.split(separator: "\n") {
            #expect(line.wholeMatch(of: #/\d\d:\d\d:\d\d\.\d{3} (trace|debug) .+/#) != nil, "not a log line: \(line)")
        }

        let traced = try kvsh.run(["--trace", "kv", "get", "b", "k"] + auth)
        let plain = try kvsh.run(["kv", "get", "b", "k"] + auth)
        #expect(traced.status == 0 && plain.status == 0 && plain.stderr.isEmpty, "\(traced)\n\(plain)")
        #expect(traced.stdout == plain.stdout, "the value goes to stdout as without --trace")
        #expect(traced.stderr.contains("debug JetStream API $JS.API.DIRECT.GET.KV_b.$KV.b.k: ok"), "\(traced)")
        #expect(traced.stdout.contains("traced-value"))
    }

    @Test("a token in the URL is never traced; KVSH_LOG=debug logs connects and API calls, not the protocol")
    func tokenAndLevels() throws {
        let server = try NATSServerProcess(extraArgs: ["--auth", "tok3n-s3cret"])
        defer { server.stop() }
        let kvsh = Kvsh(url: nil)
        let url = "nats://tok3n-s3cret@127.0.0.1:\(server.port)"
        let add = try kvsh.run(["--trace", "-s", url, "kv", "add", "b"])
        #expect(add.status == 0, "\(add)")
        #expect(add.stderr.contains(#""auth_token":"[REDACTED]""#), "\(add)")
        #expect(add.stderr.contains("connecting to nats://127.0.0.1:\(server.port)"), "\(add)")
        #expect(!add.stderr.contains("tok3n-s3cret"), "\(add)")

        let debug = try run(kvsh, logLevel: "debug", ["kv", "ls", "--names"], natsURL: url)
        #expect(debug.status == 0 && debug.lines == ["b"], "\(debug)")
        #expect(debug.stderr.contains("debug connected to nats://127.0.0.1:\(server.port)"), "\(debug)")
        #expect(debug.stderr.contains("JetStream API $JS.API.STREAM.LIST: ok"), "\(debug)")
        #expect(!debug.stderr.contains(">>>") && !debug.stderr.contains("<<<"), "\(debug)")
        #expect(!debug.stderr.contains("tok3n-s3cret"), "\(debug)")

        let quiet = try run(kvsh, logLevel: "warning", ["kv", "ls", "--names"], natsURL: url)
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet)")

        let bad = try run(kvsh, logLevel: "loud", ["kv", "ls"], natsURL: url)
        expectCleanFailure(bad, contains: "KVSH_LOG must be one of trace, debug, info, notice, warning, error, critical")
    }

    @Test("the shell takes --trace from its start; a line may not give it, as with the other connection options")
    func traceInTheShell() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "b")
        let traced = try kvsh.run(["--trace", "-c", "kv put b k v1; kv get b k"])
        #expect(traced.status == 0, "\(traced)")
        #expect(traced.stderr.contains(">>> PUB $KV.b.k") || traced.stderr.contains(">>> HPUB $KV.b.k"), "\(traced)")
        #expect(traced.stdout.contains("v1"), "\(traced)")
        let perLine = try kvsh.run(["-c", "kv get b k --trace"])
        #expect(perLine.status != 0, "\(perLine)")
        #expect(perLine.stderr.contains("--trace cannot be given to one command in the shell"), "\(perLine)")
    }
}

@Suite("ShellHost: a command given up while the connection is down", .offCooperativePool)
struct NotConnectedTests {
    @Test("says it is reconnecting, to which server, with how many tries, instead of a timeout")
    func notConnectedMessage() async throws {
        let server = try NATSServerProcess()
        let port = server.port
        let output = CollectedOutput()
        let shell = try makeShell(options: try GlobalOptions.parse(["-s", server.url, "--timeout", "1s"]), output: output)
        let up = await shell.session.run(source: "kv add b\nkv put b k v\n", file: "up.kvsh")
        #expect(up == 0, "\(output.err)")
        server.stop()
        let down = await shell.session.run(source: "kv get b k\n", file: "down.kvsh")
        await shell.host.close()
        #expect(down != 0)
        #expect(output.err.contains("nats: not connected: reconnecting to nats://127.0.0.1:\(port), "), "\(output.err)")
        #expect(output.err.contains(" so far"), "\(output.err)")
        #expect(!output.err.contains("timeout waiting"), "\(output.err)")
    }
}
