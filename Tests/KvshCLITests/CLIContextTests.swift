#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

/// natscli contexts end to end: context files written the way natscli writes them in a temp
/// `XDG_CONFIG_HOME`, real `nats-server`s reached with no connection flag, and the
/// `kvsh context` commands.
@Suite("kvsh binary: natscli contexts", .offCooperativePool)
struct CLIContextTests {
    /// A user's config and data directories, and kvsh run with them (no `NATS_URL`).
    struct Home {
        let config: String
        let data: String
        var nats: String { config + "/nats" }
        var storePath: String { data + "/kvsh/store.db" }

        init() throws {
            let base = try makeTempDir(prefix: "kvsh-context-cli-")
            config = base + "/config"
            data = base + "/data"
        }

        /// Writes `<config>/nats/context/NAME.json` as natscli does (every key, 2-space indent,
        /// no trailing newline) and returns its path.
        @discardableResult
        func context(_ name: String, _ fields: [String: Any]) throws -> String {
            let path = nats + "/context/" + name + ".json"
            try write(ContextFileTests.natscliFile(fields), to: path)
            return path
        }

        func write(_ text: String, to path: String) throws {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }

        func read(_ name: String) -> String? { try? String(contentsOfFile: nats + "/" + name, encoding: .utf8) }

        func environment(_ extra: [String: String]) -> [String: String] {
            inheritedEnvironment(["TZ": "UTC", "SWIFT_BACKTRACE": "enable=no", "XDG_CONFIG_HOME": config,
                                  "XDG_DATA_HOME": data].merging(extra) { _, new in new }, removing: ["NATS_URL"])
        }

        @discardableResult
        func run(_ args: [String], env extra: [String: String] = [:]) throws -> CLIResult {
            let start = Date()
            let r = try runProcess(Kvsh.path, args, env: environment(extra), timeout: 30)
            return CLIResult(arguments: args, status: r.status, stdoutData: r.stdout, stderrData: r.stderr,
                             elapsed: Date().timeIntervalSince(start))
        }

        @discardableResult
        func ok(_ args: String..., env: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation)
            throws -> CLIResult {
            let r = try run(args, env: env)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r)", sourceLocation: sourceLocation)
            return r
        }
    }

    private static func mode(_ path: String) -> mode_t? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_mode & 0o777 : nil
    }

    @Test("a selected context reaches a user/password server with no flag; account info names it")
    func selectedContext() throws {
        let server = try NATSServerProcess(extraArgs: ["--user", "ctx-alice", "--pass", "ctx-s3cret-pw"])
        defer { server.stop() }
        let home = try Home()
        try home.context("dev", ["description": "Dev server", "url": server.url, "user": "ctx-alice",
                                 "password": "ctx-s3cret-pw"])
        let select = try home.ok("context", "select", "dev")
        #expect(select.stdout.contains("NATS Configuration Context \"dev\""), "\(select)")
        #expect(select.stdout.contains("Password: ***") && !select.stdout.contains("ctx-s3cret-pw"), "\(select)")
        #expect(home.read("context.txt") == "dev")
        // (The directory was made by this test; ContextFileTests checks the 0700 of a new one.)
        #expect(Self.mode(home.nats + "/context.txt") == 0o600)

        try home.ok("kv", "add", "ctxb")
        #expect(try home.ok("kv", "put", "ctxb", "k", "from-context").stdout == "from-context\n")
        #expect(try home.ok("nats", "kv", "get", "ctxb", "k").shownValue == "from-context")
        let info = try home.ok("account", "info")
        #expect(statusRows(info)["Context"] == "dev", "\(info)")
        #expect(statusRows(info)["Connected URL"] == server.url, "\(info)")
        let json = try #require(try home.ok("account", "info", "--json").json as? [String: Any])
        #expect(json["context"] as? String == "dev")
        #expect(!FileManager.default.fileExists(atPath: home.storePath), "no embedded store may be made")

        // A script and -c go there too.
        #expect(try home.ok("-c", "kv get ctxb k --raw").stdout == "from-context")
    }

    @Test("NATS_CONTEXT and --context (a name or a .json path) reach a token server")
    func namedContexts() throws {
        let server = try NATSServerProcess(extraArgs: ["--auth", "ctx-t0ken-value"])
        defer { server.stop() }
        let home = try Home()
        try home.context("tok", ["url": server.url, "token": "ctx-t0ken-value"])
        let elsewhere = try makeTempDir(prefix: "kvsh-context-file-") + "/staging.json"
        try home.write(ContextFileTests.natscliFile(["url": server.url, "token": "ctx-t0ken-value"]), to: elsewhere)

        try home.ok("kv", "add", "tokb", env: ["NATS_CONTEXT": "tok"])
        try home.ok("kv", "put", "tokb", "k", "v1", "--context", "tok")
        #expect(try home.ok("--context", elsewhere, "kv", "get", "tokb", "k").shownValue == "v1")
        let info = try home.ok("account", "info", "--context", elsewhere)
        #expect(statusRows(info)["Context"] == "staging", "\(info)")
        // --context beats NATS_CONTEXT.
        try home.ok("kv", "get", "tokb", "k", "--context", "tok", env: ["NATS_CONTEXT": "missing"])
        #expect(home.read("context.txt") == nil, "nothing selected, nothing written")
    }

    @Test("a flag beats its variable, which beats the context, field by field")
    func precedence() throws {
        let server = try NATSServerProcess(extraArgs: ["--user", "p-user", "--pass", "right-pw"])
        defer { server.stop() }
        let home = try Home()
        try home.context("p", ["url": "nats://127.0.0.1:1", "user": "p-user", "password": "wrong-pw"])
        let env = ["NATS_CONTEXT": "p"]
        // The context's url is dead and its password wrong: NATS_URL and NATS_PASSWORD fix them.
        try home.ok("kv", "add", "precb", env: env.merging(["NATS_URL": server.url, "NATS_PASSWORD": "right-pw"]) { $1 })
        // The flag beats a wrong variable.
        try home.ok("kv", "ls", "-s", server.url, "--password", "right-pw",
                    env: env.merging(["NATS_URL": "nats://127.0.0.1:1", "NATS_PASSWORD": "wrong-too"]) { $1 })
        // The variable beats a right context: the wrong variable is what is sent.
        try home.context("good", ["url": server.url, "user": "p-user", "password": "right-pw"])
        try home.ok("kv", "ls", "--context", "good")
        let overridden = try home.run(["kv", "ls", "--context", "good"], env: ["NATS_PASSWORD": "wrong-too"])
        expectCleanFailure(overridden, contains: "Authorization Violation")
        for secret in ["right-pw", "wrong-too", "wrong-pw"] { #expect(!overridden.stderr.contains(secret)) }
        // A context without a url means natscli's default server, never the embedded store.
        try home.context("nourl", ["description": "no url"])
        // (A server may listen there on this machine: connected or refused, that is where it went.)
        let noURL = try home.run(["account", "info", "--context", "nourl", "--timeout", "1s"])
        #expect((noURL.stdout + noURL.stderr).contains("nats://127.0.0.1:4222"), "\(noURL)")
        #expect(!FileManager.default.fileExists(atPath: home.storePath))
    }

    @Test("a missing, malformed or unusable context is one error naming it; nothing is written")
    func badContexts() throws {
        let home = try Home()
        let missing = try home.run(["kv", "ls"], env: ["NATS_CONTEXT": "missing"])
        expectCleanFailure(missing, contains: "context \"missing\" not found: no file \(home.nats)/context/missing.json")

        try home.write("gone", to: home.nats + "/context.txt")
        let selected = try home.run(["kv", "put", "b", "k", "v"])
        expectCleanFailure(selected, contains: "context \"gone\" not found")
        #expect(selected.stderr.contains("selected in \(home.nats)/context.txt"), "\(selected)")
        #expect(home.read("context.txt") == "gone", "context.txt is left alone")

        try home.write("{\n  \"url\": \"nats://127.0.0.1:4222\",\n}", to: home.nats + "/context/broken.json")
        let broken = try home.run(["kv", "ls", "--context", "broken"])
        expectCleanFailure(broken, contains: "context \"broken\": \(home.nats)/context/broken.json is not a valid "
                           + "context file: invalid JSON at byte ")

        let noFile = try home.run(["kv", "ls", "--context", "/nonexistent-kvsh/ctx.json"])
        expectCleanFailure(noFile, contains: "cannot read /nonexistent-kvsh/ctx.json")

        try home.context("op", ["url": "nats://127.0.0.1:1", "creds": "op://vault/nats/creds"])
        expectCleanFailure(try home.run(["kv", "ls", "--context", "op"]),
                           contains: "context \"op\": creds: op:// references are not supported")
        try home.context("legacy", ["nsc": "nsc://o/a/u"])
        expectCleanFailure(try home.run(["kv", "ls", "--context", "legacy"]), contains: "the nsc field is not supported")
        expectCleanFailure(try home.run(["kv", "ls", "--context", "a..b"]), contains: "invalid context name \"a..b\"")

        #expect(!FileManager.default.fileExists(atPath: home.data), "no embedded store may be made")
        #expect(home.read("context.txt") == "gone")
    }

    @Test("--store beats the selection and NATS_CONTEXT, --no-context ignores them, --store with --context is an error")
    func storeAndNoContext() throws {
        let home = try Home()
        try home.context("dead", ["url": "nats://127.0.0.1:1"])
        try home.write("dead", to: home.nats + "/context.txt")
        let file = try makeTempDir(prefix: "kvsh-context-store-") + "/s.db"
        try home.ok("--store", file, "kv", "add", "b", env: ["NATS_CONTEXT": "dead"])
        #expect(try home.ok("--store", file, "kv", "ls", "--names").stdout == "b\n")
        try home.ok("--no-context", "kv", "add", "local", env: ["NATS_CONTEXT": "missing"])
        #expect(FileManager.default.fileExists(atPath: home.storePath))
        #expect(try home.ok("kv", "ls", "--names", "--no-context").stdout == "local\n")
        let both = try home.run(["--store", file, "--context", "dead", "kv", "ls"])
        expectCleanFailure(both, contains: "--store and --context exclude each other")
    }

    @Test("a NATS_* connection variable with no server is an error naming it, not the embedded store")
    func variableWithoutServer() throws {
        let home = try Home()
        for name in ["NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "NATS_CERT", "NATS_KEY", "NATS_CA"] {
            let r = try home.run(["kv", "ls"], env: [name: "secret-\(name)"])
            expectCleanFailure(r, contains: "\(name) is set, which needs a server")
            #expect(!r.stderr.contains("secret-\(name)"), "\(r)")
        }
        // The flag's own message comes first, unchanged.
        expectCleanFailure(try home.run(["--user", "me", "kv", "ls"], env: ["NATS_USER": "x"]), contains: "--user needs a server")
        #expect(!FileManager.default.fileExists(atPath: home.data))
        try home.ok("kv", "ls", "--names", env: ["NATS_USER": ""])  // empty is unset
    }

    @Test("context ls, show and their --json never print a password, token, seed or URL credential")
    func secretsMasked() throws {
        let home = try Home()
        let secrets = ["url-s3cret", "pass-s3cret", "tok-s3cret", "SUAJWTSEEDs3cret", "eyJjwt-s3cret"]
        try home.context("full", ["description": "All set", "url": "nats://alice:url-s3cret@127.0.0.1:4222,nats://b:4223",
                                  "user": "alice", "password": "pass-s3cret", "token": "tok-s3cret",
                                  "user_seed": "SUAJWTSEEDs3cret", "user_jwt": "eyJjwt-s3cret", "ca": "/etc/ca.pem"])
        try home.context("plain", ["description": "Plain one"])
        try home.ok("context", "select", "plain")
        let show = try home.run(["context", "show", "full"])
        #expect(show.status == 0, "\(show)")
        let rows = statusRows(show)
        #expect(rows["Server URLs"] == "nats://***@127.0.0.1:4222,nats://b:4223", "\(show)")
        #expect(rows["Username"] == "alice" && rows["Password"] == "***" && rows["Token"] == "***", "\(show)")
        #expect(rows["User Seed"] == "***" && rows["User JWT"] == "***", "\(show)")
        #expect(rows["CA"] == "/etc/ca.pem (ERROR: cannot read it)", "\(show)")
        #expect(show.stderr.contains("kvsh: cannot connect with this context: context \"full\": user and user_jwt exclude each other: keep one way to authenticate"),
                "\(show)")
        let showJSON = try home.run(["context", "show", "full", "--json"])
        let record = try #require(showJSON.json as? [String: Any], "\(showJSON)")
        #expect(record["password"] as? String == "***" && record["token"] as? String == "***")
        #expect(record["user"] as? String == "alice" && record["selected"] as? Bool == false)
        let lsJSON = try home.ok("context", "ls", "--json")
        let list = try #require(lsJSON.json as? [[String: Any]], "\(lsJSON)")
        #expect(list.map { $0["name"] as? String } == ["full", "plain"])
        #expect(list.map { $0["selected"] as? Bool } == [false, true])
        for output in [show.stdout, show.stderr, showJSON.stdout, lsJSON.stdout] {
            for secret in secrets { #expect(!output.contains(secret), "\(secret) in \(output)") }
        }
        // The selected one is the default of show.
        #expect(try home.ok("context", "show").stdout.contains("NATS Configuration Context \"plain\""))
    }

    @Test("context ls marks the selection; --names; select and unselect as natscli; bad input writes nothing")
    func listAndSelect() throws {
        let home = try Home()
        let empty = try home.run(["context", "ls"])
        #expect(empty.status == 0 && empty.stdout.isEmpty && empty.stderr == "No known contexts\n", "\(empty)")
        try home.context("beta", ["description": "Second"])
        try home.context("alpha", ["description": "First"])
        try home.write("{", to: home.nats + "/context/broken.json")
        try home.ok("context", "select", "alpha")
        try home.ok("context", "select", "beta")
        #expect(home.read("context.txt") == "beta" && home.read("previous-context.txt") == "alpha")
        let ls = try home.ok("context", "ls")
        #expect(ls.stdout.contains("Known Contexts"), "\(ls)")
        #expect(ls.lines.contains { $0.hasPrefix("│ beta*") && $0.contains("Second") }, "\(ls)")
        #expect(ls.lines.contains { $0.hasPrefix("│ alpha ") && $0.contains("First") }, "\(ls)")
        #expect(ls.lines.contains { $0.hasPrefix("│ broken ") && $0.contains("cannot be read") }, "\(ls)")
        #expect(try home.ok("context", "ls", "--names").stdout == "alpha\nbeta\nbroken\n")

        for (args, message) in [(["context", "select", "nope"], "context \"nope\" not found"),
                                (["context", "select", "../etc"], "invalid context name"),
                                (["context", "select", "broken"], "is not a valid context file")] {
            expectCleanFailure(try home.run(args), contains: message)
        }
        let noName = try home.run(["context", "select"])
        #expect(noName.status == 64 && noName.stderr.contains("<name>"), "\(noName)")
        #expect(home.read("context.txt") == "beta" && home.read("previous-context.txt") == "alpha")

        try home.ok("context", "unselect")
        #expect(home.read("context.txt") == nil && home.read("previous-context.txt") == "beta")
        expectCleanFailure(try home.run(["context", "show"]), contains: "no context selected")
        // In the shell the context commands are the command line's.
        let inShell = try home.run(["-c", "context ls"])
        #expect(inShell.status != 0 && inShell.stderr.contains("runs from the command line"), "\(inShell)")
    }

    @Test("a context's inbox_prefix is the connection's reply subject prefix")
    func inboxPrefix() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let home = try Home()
        try home.context("inbox", ["url": server.url, "inbox_prefix": "_I_ctx.acme"])
        try home.ok("kv", "add", "ib", "--context", "inbox")
        let put = try home.run(["--trace", "kv", "put", "ib", "k", "v", "--context", "inbox"])
        #expect(put.status == 0, "\(put)")
        #expect(put.stderr.contains(" $KV.ib.k _I_ctx.acme."), "\(put)")
        try home.context("badinbox", ["url": server.url, "inbox_prefix": "a.*"])
        expectCleanFailure(try home.run(["kv", "ls", "--context", "badinbox"]), contains: "inbox_prefix \"a.*\" is not a subject prefix")
    }

    @Test("a context's cert, key and ca (with ~ and $VAR) reach a server that verifies client certificates")
    func tlsFiles() throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let server = try NATSServerProcess(config: """
            tls {
              cert_file: "\(pki.serverCert)"
              key_file: "\(pki.serverKey)"
              ca_file: "\(pki.caCert)"
              verify: true
              timeout: 2
            }
            """)
        defer { server.stop() }
        let home = try Home()
        try home.context("tls", ["url": "tls://127.0.0.1:\(server.port)", "cert": "$PKI/client.pem",
                                 "key": "~/client.key", "ca": "file://" + pki.caCert])
        let env = ["PKI": pki.dir, "HOME": pki.dir]
        try home.ok("kv", "add", "tlsb", "--context", "tls", env: env)
        try home.ok("kv", "put", "tlsb", "k", "over-tls", "--context", "tls", env: env)
        #expect(try home.ok("kv", "get", "tlsb", "k", "--context", "tls", env: env).shownValue == "over-tls")
        // Without the context's CA the server's certificate is not trusted.
        try home.context("noca", ["url": "tls://127.0.0.1:\(server.port)", "cert": pki.clientCert, "key": pki.clientKey])
        let untrusted = try home.run(["kv", "ls", "--context", "noca", "--timeout", "2s"])
        expectCleanFailure(untrusted, contains: "TLS")
    }
}
