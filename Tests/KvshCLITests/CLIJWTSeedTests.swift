// `--jwt`/`--seed`, `NATS_JWT`/`NATS_SEED` and a context's `user_jwt`/`user_seed` against the
// operator-mode server: the user JWT and seed passed as values (natscli's literal form) or as
// `file://PATH`. Neither may appear in any output, error or trace.

import Foundation
import NATSAuth
import Testing
import TestSupport

@Suite("kvsh binary: --jwt and --seed", .offCooperativePool)
struct CLIJWTSeedTests {
    func run(_ args: [String], env extra: [String: String] = [:]) throws -> CLIResult {
        let start = Date()
        let r = try runProcess(Kvsh.path, args, env: Kvsh(url: nil).environment(extra: extra), timeout: 30)
        return CLIResult(arguments: args, status: r.status, stdoutData: r.stdout, stderrData: r.stderr,
                         elapsed: Date().timeIntervalSince(start))
    }

    func expectNoSecrets(_ results: [CLIResult], _ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for r in results {
            for secret in secrets {
                #expect(!r.stdout.contains(secret) && !r.stderr.contains(secret), "a secret in: \(r)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    @Test("the JWT and seed as values, from flags, variables, file:// and a context: add, put, get; traced masked")
    func literalValues() throws {
        let op = try OperatorServer()
        defer { op.stop() }
        let user = try op.user()
        let url = op.server.url
        var results: [CLIResult] = []
        func ok(_ args: [String], env: [String: String] = [:]) throws -> CLIResult {
            let r = try run(args, env: env)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
            results.append(r)
            return r
        }
        _ = try ok(["-s", url, "--jwt", user.jwt, "--seed", user.seed.text, "kv", "add", "js"])
        _ = try ok(["-s", url, "--jwt", user.jwt, "--seed", user.seed.text, "kv", "put", "js", "k", "by-jwt"])
        #expect(try ok(["-s", url, "--jwt", user.jwt, "--seed", user.seed.text, "kv", "get", "js", "k", "--raw"]).stdout
                == "by-jwt")
        let variables = ["NATS_URL": url, "NATS_JWT": user.jwt, "NATS_SEED": user.seed.text]
        #expect(try ok(["kv", "get", "js", "k", "--raw"], env: variables).stdout == "by-jwt")

        let dir = try makeTempDir(prefix: "kvsh-jwt-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeSecretFile(dir + "/user.jwt", user.jwt + "\n")
        try writeSecretFile(dir + "/user.seed", user.seed.text + "\r\n")
        #expect(try ok(["-s", url, "--jwt", "file://\(dir)/user.jwt", "--seed", "file://\(dir)/user.seed",
                        "kv", "get", "js", "k", "--raw"]).stdout == "by-jwt")

        let home = try CLIContextTests.Home()
        try home.context("jwt", ["url": url, "user_jwt": user.jwt, "user_seed": "file://\(dir)/user.seed"])
        let fromContext = try home.ok("--context", "jwt", "kv", "get", "js", "k", "--raw")
        #expect(fromContext.stdout == "by-jwt")
        results.append(fromContext)
        let shown = try home.ok("context", "show", "jwt")
        #expect(statusRows(shown)["User JWT"] == "***", "\(shown)")
        results.append(shown)

        let traced = try run(["--trace", "-s", url, "--jwt", user.jwt, "--seed", user.seed.text, "kv", "get", "js", "k"])
        #expect(traced.status == 0, "\(traced)")
        #expect(traced.stderr.contains(#""jwt":"[REDACTED]""#) && traced.stderr.contains(#""sig":"[REDACTED]""#),
                "\(traced)")
        results.append(traced)
        // A user the server does not know is its refusal, once.
        let stranger = try op.user(issuer: NKeySeed.generate(.account))
        let refused = try run(["-s", url, "--jwt", stranger.jwt, "--seed", stranger.seed.text, "kv", "ls"])
        #expect(refused.stderr == "nats: error: nats: server error: Authorization Violation (connecting to \(url))\n",
                "\(refused)")
        results.append(refused)
        expectNoSecrets(results, [user.jwt, user.seed.text, String(user.jwt.split(separator: ".")[2]),
                                  stranger.jwt, stranger.seed.text])
    }

    @Test("bad values and combinations: one exact error each, before connecting, no secret in it")
    func badInput() throws {
        let op = try OperatorServer()
        defer { op.stop() }
        let user = try op.user()
        let other = NKeySeed.generate(.user)
        let expired = try op.user(expires: Int64(Date().timeIntervalSince1970) - 30)
        let jwt = user.jwt, seed = user.seed.text
        let dir = try makeTempDir(prefix: "kvsh-jwt-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let url = "nats://127.0.0.1:1"  // never reached: each fails first
        let expiry = Timestampish.utc(try #require(try JWT.claims(of: expired.jwt).expires))
        let cases: [([String], [String: String], String)] = [
            (["--jwt", jwt], [:], "--jwt needs --seed: give the user JWT and its seed together"),
            (["--seed", seed], [:], "--seed needs --jwt: give the user JWT and its seed together"),
            (["--jwt", "", "--seed", seed], [:], "--jwt needs the user JWT (or file://PATH)"),
            (["--jwt", jwt, "--seed", seed, "--creds", "/x.creds"], [:], "--creds and --jwt exclude each other: give one way to authenticate"),
            (["--jwt", jwt, "--seed", seed, "--token", "t"], [:], "--jwt and --token exclude each other: give one way to authenticate"),
            ([], ["NATS_JWT": jwt], "NATS_JWT needs NATS_SEED: set the user JWT and its seed together"),
            ([], ["NATS_SEED": seed], "NATS_SEED needs NATS_JWT: set the user JWT and its seed together"),
            ([], ["NATS_JWT": jwt, "NATS_SEED": seed, "NATS_NKEY": "/x.nk"],
             "NATS_NKEY and NATS_JWT are both set: unset one, or give --creds, --nkey, or --jwt with --seed"),
            (["--jwt", "/home/me/user.jwt", "--seed", seed], [:],
             "--jwt is not a valid NATS JWT: it needs three parts separated by dots; give the JWT itself, or file://PATH"),
            (["--jwt", jwt, "--seed", other.publicKey.text], [:], "--seed is not a usable seed: a user public key, not a seed"),
            (["--jwt", jwt, "--seed", other.text], [:], "--seed does not belong to the user JWT of --jwt "
             + "(issued to \(user.seed.publicKey.text), the seed is \(other.publicKey.text)'s)"),
            (["--jwt", expired.jwt, "--seed", expired.seed.text], [:], "the user JWT of --jwt expired at \(expiry)"),
            ([], ["NATS_JWT": expired.jwt, "NATS_SEED": expired.seed.text], "the user JWT of NATS_JWT expired at \(expiry)"),
            (["--jwt", jwt, "--seed", "env://SEED"], [:],
             "--seed: env:// references are not supported; give the value itself, or file://PATH"),
            (["--jwt", "file://\(dir)/missing.jwt", "--seed", seed], [:],
             "cannot read the credentials file \(dir)/missing.jwt: No such file or directory"),
        ]
        var results: [CLIResult] = []
        for (args, env, message) in cases {
            let r = try run(args + ["-s", url, "kv", "ls"], env: env)
            #expect(r.status == 1 && r.stdout.isEmpty, "\(r)")
            #expect(r.stderr == "nats: error: \(message)\n", "\(r)")
            results.append(r)
        }
        // The account's JWT where a user's belongs.
        let accountJWT = try JWT.encode(JWTClaims(subject: op.account.publicKey.text, nats: ["type": "account", "version": 2]),
                                        signedBy: op.operatorKey, issuedAt: 0)
        let account = try run(["--jwt", accountJWT, "--seed", seed, "-s", url, "kv", "ls"])
        #expect(account.stderr == "nats: error: --jwt holds an account JWT, not a user JWT\n", "\(account)")
        // They need a server.
        var env = Kvsh(url: nil).environment()
        env["NATS_JWT"] = jwt
        env["NATS_SEED"] = seed
        let noServer = try runProcess(Kvsh.path, ["kv", "ls"], env: env, timeout: 20)
        #expect(String(decoding: noServer.stderr, as: UTF8.self) == "nats: error: NATS_JWT needs a server: give --server URL "
                + "or set NATS_URL (without one kvsh uses the embedded store)\n")
        let flagNoServer = try run(["--jwt", jwt, "--seed", seed, "kv", "ls"])
        #expect(flagNoServer.stderr == "nats: error: --jwt needs a server: give --server URL or set NATS_URL "
                + "(without one kvsh uses the embedded store)\n", "\(flagNoServer)")
        results.append(flagNoServer)
        // A context: one way to authenticate, both halves, file:// only.
        let home = try CLIContextTests.Home()
        for (fields, message) in [
            (["user_jwt": jwt], "context \"c\": user_jwt needs user_seed: keep the user JWT and its seed together"),
            (["user_seed": seed], "context \"c\": user_seed needs user_jwt: keep the user JWT and its seed together"),
            (["user_jwt": jwt, "user_seed": seed, "creds": "/x.creds"], "context \"c\": creds and user_jwt exclude each other: keep one way to authenticate"),
            (["user_jwt": "env://JWT", "user_seed": seed],
             "context \"c\": user_jwt: env:// references are not supported; give the value itself, or file://PATH"),
            (["user_jwt": "not-a-jwt", "user_seed": seed],
             "context \"c\": user_jwt is not a valid NATS JWT: it needs three parts separated by dots; give the JWT itself, or file://PATH"),
        ] as [([String: String], String)] {
            try home.context("c", fields.merging(["url": url]) { a, _ in a })
            let r = try home.run(["--context", "c", "kv", "ls"])
            #expect(r.status == 1 && r.stdout.isEmpty, "\(r)")
            #expect(r.stderr == "nats: error: \(message)\n", "\(r)")
            results.append(r)
        }
        expectNoSecrets(results, [seed, jwt, other.text, expired.jwt, expired.seed.text, String(jwt.split(separator: ".")[2])])
    }
}

/// The UTC text kvsh gives an expiry time in (RFC 3339, whole seconds).
enum Timestampish {
    static func utc(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
