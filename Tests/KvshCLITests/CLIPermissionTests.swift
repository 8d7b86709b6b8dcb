import Foundation
import Testing
import TestSupport

/// A permissions violation reported by the server is one clear message at once, well before
/// `--timeout`, from a one-shot command, a script line and a watch; the connection goes on.
@Suite("kvsh binary: permission violations", .offCooperativePool)
struct CLIPermissionTests {
    /// `writer` may not publish to bucket `locked`; `reader` may not subscribe to a two-token
    /// inbox (a watch's delivery subject); `deaf` to no inbox at all (the requests' either).
    static func server() throws -> NATSServerProcess {
        try NATSServerProcess(config: """
            authorization { users = [
              { user: writer, password: pw, permissions: { publish: { deny: ["$KV.locked.>"] } } }
              { user: reader, password: pw, permissions: { subscribe: { deny: ["_INBOX.*"] } } }
              { user: deaf, password: pw, permissions: { subscribe: { deny: ["_INBOX.>"] } } }
            ] }
            """)
    }

    /// A timeout far above what a step takes: a failure before it came from the -ERR.
    static let timeout = 20.0

    static func kvsh(_ server: NATSServerProcess, _ user: String) -> (Kvsh, [String]) {
        (Kvsh(url: nil), ["-s", server.url, "--user", user, "--password", "pw", "--timeout", "\(Int(timeout))s"])
    }

    @Test("kv put to a bucket the user may not publish to fails at once with the subject; nothing is written")
    func deniedPut() throws {
        let server = try Self.server()
        defer { server.stop() }
        let (kvsh, as_) = Self.kvsh(server, "writer")
        #expect(try kvsh.run(as_ + ["kv", "add", "locked"]).status == 0)
        let put = try kvsh.run(as_ + ["kv", "put", "locked", "k", "v"])
        expectCleanFailure(put, contains: #"permission denied: publish to "$KV.locked.k""#)
        #expect(put.stderr == "nats: error: nats: permission denied: publish to \"$KV.locked.k\"\n", "\(put)")
        #expect(put.elapsed < Self.timeout, "\(put)")
        expectCleanFailure(try kvsh.run(as_ + ["kv", "get", "locked", "k"]), contains: "key not found")
    }

    @Test("in a script the line fails with file:line:col, $error holds the message, other buckets still work")
    func deniedInScript() throws {
        let server = try Self.server()
        defer { server.stop() }
        let (kvsh, as_) = Self.kvsh(server, "writer")
        #expect(try kvsh.run(as_ + ["-c", "kv add locked; kv add open"]).status == 0)
        let dir = try makeTempDir(prefix: "kvsh-permission-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = dir + "/perm.kvsh"
        try Data("""
            kv put locked k v || echo "caught: $error"
            kv put open k after
            kv get open k --raw
            kv put locked k2 v
            echo not reached

            """.utf8).write(to: URL(fileURLWithPath: script))
        let r = try kvsh.run(as_ + [script])
        #expect(r.status == 1, "\(r)")
        #expect(r.stdout == "caught: nats: permission denied: publish to \"$KV.locked.k\"\nafter\nafter", "\(r)")
        #expect(r.stderr == "\(script):4:1: nats: permission denied: publish to \"$KV.locked.k2\"\n", "\(r)")
        #expect(r.elapsed < Self.timeout, "\(r)")
    }

    @Test("a watch whose delivery subject the user may not subscribe to fails at once, naming it")
    func deniedWatch() throws {
        let server = try Self.server()
        defer { server.stop() }
        let (kvsh, as_) = Self.kvsh(server, "reader")
        #expect(try kvsh.run(as_ + ["kv", "add", "watched"]).status == 0)
        let watch = try kvsh.run(as_ + ["kv", "watch", "watched"])
        expectCleanFailure(watch, contains: #"nats: error: nats: permission denied: subscription to "_INBOX."#)
        #expect(watch.elapsed < Self.timeout, "\(watch)")
        // Requests use a three-token inbox, which is allowed.
        #expect(try kvsh.run(as_ + ["kv", "put", "watched", "k", "v"]).status == 0)
    }

    @Test("a user who may not subscribe to the request inbox: each request fails at once, naming it")
    func deniedInbox() throws {
        let server = try Self.server()
        defer { server.stop() }
        let (kvsh, as_) = Self.kvsh(server, "deaf")
        for args in [["kv", "add", "b"], ["kv", "put", "b", "k", "v"], ["account", "info"]] {
            let r = try kvsh.run(as_ + args)
            expectCleanFailure(r, contains: #"nats: error: nats: permission denied: subscription to "_INBOX."#)
            #expect(r.stderr.hasSuffix(".*\"\n") && r.elapsed < Self.timeout, "\(r)")
        }
    }
}
