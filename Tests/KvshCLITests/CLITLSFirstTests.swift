// `--tlsfirst` (and its alias `--tls-first`) and a context's `tls_first` against a real
// nats-server whose client port wants the TLS handshake before its INFO (`handshake_first`).

import Foundation
import Testing
import TestSupport

@Suite("kvsh binary: --tlsfirst and tls_first", .offCooperativePool)
struct CLITLSFirstTests {
    static func server(_ pki: TestPKI) throws -> NATSServerProcess {
        try NATSServerProcess(config: """
            tls {
              cert_file: "\(pki.serverCert)"
              key_file: "\(pki.serverKey)"
              ca_file: "\(pki.caCert)"
              handshake_first: true
              timeout: 3
            }
            """)
    }

    @Test("--tlsfirst --tlsca adds, puts and gets; --tls-first too; without it one error within the timeout")
    func flag() throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let server = try Self.server(pki)
        defer { server.stop() }
        let kvsh = Kvsh(url: nil)
        let url = server.url
        try kvsh.ok("-s", url, "--tlsfirst", "--tlsca", pki.caCert, "kv", "add", "tf")
        try kvsh.ok("-s", url, "--tlsfirst", "--tlsca", pki.caCert, "kv", "put", "tf", "k", "first")
        let get = try kvsh.ok("-s", url, "--tls-first", "--tlsca", pki.caCert, "kv", "get", "tf", "k", "--raw")
        #expect(get.stdout == "first", "\(get)")
        // A tls:// URL says TLS as well; the flag says when.
        let tlsURL = "tls://127.0.0.1:\(server.port)"
        #expect(try kvsh.ok("-s", tlsURL, "--tlsfirst", "--tlsca", pki.caCert, "kv", "get", "tf", "k", "--raw").stdout == "first")

        // The server sends nothing until the client's TLS handshake: one message, in time, whether
        // kvsh's timeout (1s) or the server's TLS timeout (3s, closing the link) ends the wait.
        for timeout in ["1s", "5s"] {
            let waiting = try kvsh.run(["-s", url, "--tlsca", pki.caCert, "--timeout", timeout, "kv", "get", "tf", "k"])
            #expect(waiting.status == 1 && waiting.stdout.isEmpty, "\(waiting)")
            #expect(waiting.stderr == "nats: error: nats: could not connect to \(url) (TLS: the server sent no INFO; "
                    + "one with handshake_first waits for the TLS handshake first)\n", "\(waiting)")
            #expect(waiting.elapsed < 5, "\(waiting)")
        }
    }

    @Test("--tlsfirst to a server that sends its INFO first fails with a TLS reason; without a server it is refused")
    func plainServer() throws {
        let server = try NATSServerProcess(jetstream: false)
        defer { server.stop() }
        let kvsh = Kvsh(url: nil)
        let r = try kvsh.run(["-s", server.url, "--tlsfirst", "--timeout", "2s", "kv", "ls"])
        expectCleanFailure(r, contains: "could not connect to \(server.url) (TLS")
        let embedded = try kvsh.run(["--tlsfirst", "kv", "ls"], useEnvironmentURL: false)
        #expect(embedded.status != 0 && embedded.stdout.isEmpty, "\(embedded)")
        #expect(embedded.stderr == "nats: error: --tlsfirst needs a server: give --server URL or set NATS_URL "
                + "(without one kvsh uses the embedded store)\n", "\(embedded)")
    }

    @Test("a context with \"tls_first\": true and its ca connects with no flags")
    func context() throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let server = try Self.server(pki)
        defer { server.stop() }
        let home = try CLIContextTests.Home()
        try home.context("first", ["url": server.url, "ca": pki.caCert, "tls_first": true])
        try home.ok("context", "select", "first")
        try home.ok("kv", "add", "ctxtf")
        try home.ok("kv", "put", "ctxtf", "k", "from-context")
        #expect(try home.ok("kv", "get", "ctxtf", "k").shownValue == "from-context")
        let show = try home.ok("context", "show")
        #expect(statusRows(show)["TLS First"] == "true", "\(show)")
    }
}
