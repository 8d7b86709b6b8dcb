// `--creds` and `--nkey` (and NATS_CREDS / NATS_NKEY) against real servers: nkey users, and
// operator mode with a memory resolver, JetStream enabled for the account, and keys and JWTs
// made by the test support. No seed or JWT may appear in any output, error or trace.

import Foundation
import NATSAuth
import Testing
import TestSupport

@Suite("kvsh binary: --creds and --nkey", .offCooperativePool)
struct CLIAuthTests {
    /// Fails the test when a run's stdout or stderr holds one of `secrets`.
    func expectNoSecrets(_ results: [CLIResult], _ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for r in results {
            for secret in secrets {
                #expect(!r.stdout.contains(secret) && !r.stderr.contains(secret), "a secret in: \(r)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    @Test("an nkey user: --nkey FILE and NATS_NKEY add, put and get; a wrong seed is refused by the server")
    func nkeyUser() throws {
        let auth = try NKeyUserServer()
        defer { auth.stop() }
        let dir = try makeTempDir(prefix: "kvsh-nkey-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/user.nk"
        try writeSecretFile(file, auth.user.text + "\n")
        let kvsh = Kvsh(url: nil)
        let url = auth.server.url
        var results: [CLIResult] = []

        results.append(try kvsh.ok("--nkey", file, "-s", url, "kv", "add", "nk"))
        results.append(try kvsh.ok("--nkey", file, "-s", url, "kv", "put", "nk", "k", "by-nkey"))
        let get = try kvsh.ok("--nkey", file, "-s", url, "kv", "get", "nk", "k", "--raw")
        #expect(get.stdout == "by-nkey", "\(get)")
        results.append(get)

        let env = kvsh.environment(natsURL: url, extra: ["NATS_NKEY": file])
        let fromEnv = try runProcess(Kvsh.path, ["kv", "get", "nk", "k", "--raw"], env: env, timeout: 20)
        #expect(fromEnv.status == 0 && String(decoding: fromEnv.stdout, as: UTF8.self) == "by-nkey",
                "\(String(decoding: fromEnv.stderr, as: UTF8.self))")
        #expect(fromEnv.stderr.isEmpty)

        // Without credentials, and with another user's seed: the server's refusal, once.
        let none = try kvsh.run(["-s", url, "kv", "get", "nk", "k"])
        expectCleanFailure(none, contains: "Authorization Violation")
        let other = dir + "/other.nk"
        try writeSecretFile(other, NKeySeed.generate(.user).text)
        let wrong = try kvsh.run(["--nkey", other, "-s", url, "kv", "get", "nk", "k"])
        expectCleanFailure(wrong, contains: "nats: server error: Authorization Violation (connecting to \(url))")
        results.append(wrong)

        // The trace shows the public key and masks the signature.
        let traced = try kvsh.run(["--trace", "--nkey", file, "-s", url, "kv", "get", "nk", "k", "--raw"])
        #expect(traced.status == 0 && traced.stdout == "by-nkey", "\(traced)")
        #expect(traced.stderr.contains(#""nkey":"\#(auth.user.publicKey.text)""#), "\(traced)")
        #expect(traced.stderr.contains(#""sig":"[REDACTED]""#), "\(traced)")
        #expect(traced.stderr.components(separatedBy: #""sig":""#).count == 2, "one CONNECT, its sig masked: \(traced)")
        results.append(traced)
        expectNoSecrets(results, [auth.user.text])
    }

    @Test("operator mode: --creds FILE and NATS_CREDS add, put, get and watch; secrets stay out of every output")
    func credsUser() throws {
        let op = try OperatorServer()
        defer { op.stop() }
        let dir = try makeTempDir(prefix: "kvsh-creds-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let user = try op.user()
        let file = dir + "/user.creds"
        try writeSecretFile(file, user.creds)
        let kvsh = Kvsh(url: nil)
        let url = op.server.url
        var results: [CLIResult] = []

        results.append(try kvsh.ok("--creds", file, "-s", url, "kv", "add", "cr"))
        results.append(try kvsh.ok("--creds", file, "-s", url, "kv", "put", "cr", "k", "v1"))
        let get = try kvsh.ok("--creds", file, "-s", url, "kv", "get", "cr", "k", "--raw")
        #expect(get.stdout == "v1", "\(get)")
        results.append(get)

        let env = kvsh.environment(natsURL: url, extra: ["NATS_CREDS": file])
        let watch = try RunningKvsh(["kv", "watch", "cr"], environment: env)
        defer { watch.kill() }
        #expect(watch.waitForLines { $0.count >= 1 }, "stdout: \(watch.stdout)\nstderr: \(watch.stderr)")
        results.append(try kvsh.ok("--creds", file, "-s", url, "kv", "put", "cr", "k", "v2"))
        #expect(watch.waitForLines { $0.count >= 2 }, "\(watch.lines)")
        let lines = watch.lines
        #expect(lines.count == 2 && lines[0].hasSuffix("PUT cr > k: v1") && lines[1].hasSuffix("PUT cr > k: v2"),
                "\(lines)")
        watch.send(SIGTERM)
        #expect(watch.waitForExit(timeout: 5) == 0, "\(watch.stderr)")
        for text in [watch.stdout, watch.stderr] {
            #expect(!text.contains(user.jwt) && !text.contains(user.seed.text))
        }

        let fromEnv = try runProcess(Kvsh.path, ["kv", "get", "cr", "k", "--raw"], env: env, timeout: 20)
        #expect(fromEnv.status == 0 && String(decoding: fromEnv.stdout, as: UTF8.self) == "v2",
                "\(String(decoding: fromEnv.stderr, as: UTF8.self))")

        let traced = try kvsh.run(["--trace", "--creds", file, "-s", url, "kv", "get", "cr", "k", "--raw"])
        #expect(traced.status == 0 && traced.stdout == "v2", "\(traced)")
        #expect(traced.stderr.contains(#""jwt":"[REDACTED]""#) && traced.stderr.contains(#""sig":"[REDACTED]""#),
                "\(traced)")
        results.append(traced)
        // Without the creds the server refuses.
        expectCleanFailure(try kvsh.run(["-s", url, "kv", "get", "cr", "k"]), contains: "Authorization Violation")
        expectNoSecrets(results, [user.jwt, user.seed.text, String(user.jwt.split(separator: ".")[2])])
    }

    @Test("an expired user JWT fails before connecting; a user of an account the server does not know is refused")
    func refusedCreds() throws {
        let op = try OperatorServer()
        defer { op.stop() }
        let dir = try makeTempDir(prefix: "kvsh-creds-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let kvsh = Kvsh(url: nil)
        let url = op.server.url

        let expiry = Int64(Date().timeIntervalSince1970) - 30
        let expired = try op.user(expires: expiry)
        let expiredFile = dir + "/expired.creds"
        try writeSecretFile(expiredFile, expired.creds)
        // Checked before connecting: the same message with no server listening at all.
        for server in [url, "nats://127.0.0.1:1"] {
            let r = try kvsh.run(["--creds", expiredFile, "-s", server, "kv", "ls"])
            expectCleanFailure(r, contains: "user JWT in \(expiredFile) expired at ")
            #expect(!r.stderr.contains("Authorization") && !r.stderr.contains("connect"), "\(r)")
            expectNoSecrets([r], [expired.jwt, expired.seed.text])
        }

        let stranger = try op.user(issuer: NKeySeed.generate(.account))
        let strangerFile = dir + "/stranger.creds"
        try writeSecretFile(strangerFile, stranger.creds)
        let refused = try kvsh.run(["--creds", strangerFile, "-s", url, "kv", "ls"])
        expectCleanFailure(refused, contains: "nats: server error: Authorization Violation (connecting to \(url))")
        expectNoSecrets([refused], [stranger.jwt, stranger.seed.text])
    }

    @Test("bad files and combinations: one error naming the file or the options, nothing on stdout")
    func badInput() throws {
        let dir = try makeTempDir(prefix: "kvsh-creds-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let kvsh = Kvsh(url: nil)
        let url = "nats://127.0.0.1:1"  // never reached: each fails first
        let seed = NKeySeed.generate(.user)
        let garbage = dir + "/garbage.creds"
        try writeSecretFile(garbage, "not a creds file\n\(seed.text.dropLast(3))\n")
        let noEnd = dir + "/noend.creds"
        try writeSecretFile(noEnd, "-----BEGIN NATS USER JWT-----\neyJhIn0.eyJiIn0.c2ln\n\n")
        let publicKey = dir + "/public.nk"
        try writeSecretFile(publicKey, seed.publicKey.text + "\n")
        let cases: [([String], String)] = [
            (["--creds", dir + "/missing.creds"], "cannot read the credentials file \(dir)/missing.creds: No such file or directory"),
            (["--creds", dir], "cannot read the credentials file \(dir): not a regular file"),
            (["--creds", garbage], "\(garbage) is not a creds file"),
            (["--creds", noEnd], "\(noEnd) is not a valid creds file: the block that opens on line 1 has no closing"),
            (["--nkey", publicKey], "the seed in \(publicKey) is not usable: a user public key, not a seed"),
            (["--nkey", garbage], "the seed in \(garbage) is not usable"),
            (["--creds", garbage, "--nkey", publicKey], "--creds and --nkey exclude each other"),
            (["--nkey", publicKey, "--token", "t"], "--nkey and --token exclude each other"),
            (["--creds", "", "-s", url], "--creds needs a file name"),
        ]
        for (args, message) in cases {
            let r = try kvsh.run(args + ["-s", url, "kv", "ls"])
            expectCleanFailure(r, contains: message)
            expectNoSecrets([r], [seed.text, String(seed.text.dropLast(3))])
        }
        // They need a server: refused for the embedded store, the flags and the variables alike.
        let embedded = try kvsh.run(["--creds", garbage, "kv", "ls"], useEnvironmentURL: false)
        expectCleanFailure(embedded, contains: "--creds needs a server")
        var env = kvsh.environment(extra: ["NATS_CREDS": garbage])
        env["NATS_URL"] = nil
        let fromEnv = try runProcess(Kvsh.path, ["kv", "ls"], env: env, timeout: 20)
        #expect(fromEnv.status != 0 && fromEnv.stdout.isEmpty)
        #expect(String(decoding: fromEnv.stderr, as: UTF8.self).contains("NATS_CREDS needs a server"))
        env["NATS_NKEY"] = publicKey
        env["NATS_URL"] = url
        let both = try runProcess(Kvsh.path, ["kv", "ls"], env: env, timeout: 20)
        #expect(String(decoding: both.stderr, as: UTF8.self).contains("NATS_CREDS and NATS_NKEY are both set"))
    }

    @Test("a creds file others can read: one warning on stderr, and the command still works")
    func openPermissions() throws {
        let op = try OperatorServer()
        defer { op.stop() }
        let dir = try makeTempDir(prefix: "kvsh-creds-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let user = try op.user()
        let file = dir + "/open.creds"
        try writeSecretFile(file, user.creds, mode: 0o644)
        let r = try Kvsh(url: nil).run(["--creds", file, "-s", op.server.url, "kv", "ls", "--names"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr == "kvsh: warning: permissions 0644 for \(file) are too open: it holds an nkey seed "
                + "that other users can read; chmod 600 \(file)\n", "\(r)")
        expectNoSecrets([r], [user.jwt, user.seed.text])
    }

    @Test("a client certificate without its key (or the reverse) is refused before anything connects")
    func certificateWithoutKey() throws {
        let kvsh = Kvsh(url: nil)
        // Port 1: nothing listens; the refusal must come first.
        let cert = try kvsh.run(["-s", "nats://127.0.0.1:1", "--tlscert", "/nowhere/c.pem", "kv", "ls"])
        expectCleanFailure(cert, contains: "--tlscert needs --tlskey")
        let key = try kvsh.run(["-s", "nats://127.0.0.1:1", "--tlskey", "/nowhere/k.pem", "kv", "ls"])
        expectCleanFailure(key, contains: "--tlskey needs --tlscert")
        #expect(cert.stderr == "nats: error: --tlscert needs --tlskey: give the client certificate and its key together "
                + "(NATS_CERT and NATS_KEY, or a context's cert and key)\n", "\(cert)")
        #expect(key.stderr == "nats: error: --tlskey needs --tlscert: give the client certificate and its key together "
                + "(NATS_CERT and NATS_KEY, or a context's cert and key)\n", "\(key)")
    }
}
