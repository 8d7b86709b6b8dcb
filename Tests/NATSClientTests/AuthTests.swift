import Foundation
import NATSClient
import NATSWire
import NIOCore
import Testing
import TestSupport

/// Publishes one message to itself and reads it back: proves the session works.
func roundTrip(_ conn: NATSConnection, _ subject: String = "auth.check") async throws -> String {
    let sub = try conn.subscribe(subject)
    defer { sub.unsubscribe() }
    try conn.publish(subject, payload: ByteBuffer(string: "hello"))
    return try await within(5, "round trip on \(subject)") {
        for try await msg in sub { return text(msg.payload) }
        return "(ended)"
    }
}

@Suite("Authentication and TLS", .offCooperativePool)
struct AuthTests {
    @Test("user and password: options, URL credentials, and a wrong password")
    func userPassword() async throws {
        let server = try await startServer(jetstream: false, extraArgs: ["--user", "a", "--pass", "b"])
        defer { server.stopInBackground() }

        var options = try testOptions(server.url)
        options.user = "a"
        options.password = "b"
        let viaOptions = try await NATSConnection.connect(options)
        #expect(try await roundTrip(viaOptions) == "hello")
        await viaOptions.close()

        let viaURL = try await NATSConnection.connect(testOptions("nats://a:b@127.0.0.1:\(server.port)"))
        #expect(try await roundTrip(viaURL) == "hello")
        await viaURL.close()

        options.password = "wrong"
        let wrong = await capture { _ = try await NATSConnection.connect(options) }
        guard case .server(let refusal, let refusedBy)? = wrong as? NATSError else {
            Issue.record("expected NATSError.server, got \(String(describing: wrong))")
            return
        }
        #expect(refusal.kind == .authorizationViolation)
        #expect(refusal.text == "Authorization Violation")
        #expect(refusedBy == server.url)

        let wrongURL = await capture {
            _ = try await NATSConnection.connect(testOptions("nats://a:nope@127.0.0.1:\(server.port)"))
        }
        #expect("\(wrongURL.map { "\($0)" } ?? "")".contains("Authorization Violation"))
        // The password never shows up in the message.
        #expect(!"\(wrongURL.map { "\($0)" } ?? "")".contains("nope"))

        let none = await capture { _ = try await NATSConnection.connect(testOptions(server.url)) }
        #expect("\(none.map { "\($0)" } ?? "")".contains("Authorization Violation"))
    }

    @Test("token authentication")
    func token() async throws {
        let server = try await startServer(jetstream: false, extraArgs: ["--auth", "tok"])
        defer { server.stopInBackground() }
        var options = try testOptions(server.url)
        options.token = "tok"
        let conn = try await NATSConnection.connect(options)
        #expect(try await roundTrip(conn) == "hello")
        await conn.close()

        // A token may also ride in the URL, as `nats://tok@host:port`.
        let port = try #require(server.url.split(separator: ":").last)
        let inURL = try await NATSConnection.connect(testOptions("nats://tok@127.0.0.1:\(port)"))
        #expect(try await roundTrip(inURL) == "hello")
        await inURL.close()

        options.token = "bad"
        let wrong = await capture { _ = try await NATSConnection.connect(options) }
        guard case .server(let refusal, _)? = wrong as? NATSError else {
            Issue.record("expected NATSError.server, got \(String(describing: wrong))")
            return
        }
        #expect(refusal.kind == .authorizationViolation)
        #expect(refusal.text == "Authorization Violation")
    }

    @Test("TLS with a private CA and a client certificate; without the CA it fails with a TLS reason")
    func mutualTLS() async throws {
        let pki = try await offPool { try TestPKI() }
        defer { pki.remove() }
        let config = """
            tls {
              cert_file: "\(pki.serverCert)"
              key_file: "\(pki.serverKey)"
              ca_file: "\(pki.caCert)"
              verify: true
              timeout: 2
            }
            """
        let server = try await startServer(jetstream: false, config: config)
        defer { server.stopInBackground() }
        let url = "tls://127.0.0.1:\(server.port)"

        var options = try testOptions(url)
        options.tls = TLSOptions(caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey)
        let conn = try await NATSConnection.connect(options)
        #expect(conn.serverInfo.tlsRequired)
        #expect(try await roundTrip(conn) == "hello")
        let echo = try conn.subscribe("tls.echo")
        let serving = Task(executorPreference: TestExecutor.shared) {
            for try await msg in echo { if let r = msg.replyTo { try conn.publish(r, payload: msg.payload) } }
        }
        defer { serving.cancel() }
        try await conn.flush()
        #expect(text(try await conn.request("tls.echo", payload: ByteBuffer(string: "secure")).payload) == "secure")
        await conn.close()

        // The server's certificate is not signed by any system root.
        var noCA = options
        noCA.tls = TLSOptions(caFile: nil, certFile: pki.clientCert, keyFile: pki.clientKey)
        let untrusted = await capture { _ = try await NATSConnection.connect(noCA) }
        guard case .cannotConnect(let tried)? = untrusted as? NATSError else {
            Issue.record("expected cannotConnect, got \(String(describing: untrusted))")
            return
        }
        #expect(tried.count == 1)
        #expect(tried.first?.reason.contains("TLS") == true, "reason: \(tried)")
        #expect(tried.first?.server == "tls://127.0.0.1:\(server.port)")

        // The server requires TLS: a plain nats:// URL without TLS options still upgrades
        // (system roots, so it fails on the certificate, again for a TLS reason).
        let plain = await capture { _ = try await NATSConnection.connect(testOptions(server.url)) }
        #expect("\(plain.map { "\($0)" } ?? "")".contains("TLS"))

        // verify: true — without a client certificate the server refuses the session.
        var noClientCert = options
        noClientCert.tls = TLSOptions(caFile: pki.caCert)
        let anonymous = await capture {
            let c = try await NATSConnection.connect(noClientCert)
            // With TLS 1.3 the refusal can arrive just after the handshake.
            _ = try await roundTrip(c)
            await c.close()
        }
        #expect(anonymous != nil)
        if case .cannotConnect(let reasons)? = anonymous as? NATSError {
            #expect(reasons.first?.reason.contains("TLS") == true, "\(reasons)")
        }
    }
}
