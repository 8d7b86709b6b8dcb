import Foundation
import NATSClient
import NATSWire
import NIOCore
import Testing
import TestSupport

/// TLS first against a real `nats-server` with `handshake_first: true`: the client starts TLS
/// before any INFO, on the first connection and on each reconnect.
@Suite("TLS handshake first", .offCooperativePool)
struct TLSFirstTests {
    static func config(_ pki: TestPKI) -> String {
        """
        tls {
          cert_file: "\(pki.serverCert)"
          key_file: "\(pki.serverKey)"
          ca_file: "\(pki.caCert)"
          handshake_first: true
          timeout: 2
        }
        """
    }

    @Test("connects, requests and reconnects after a restart with TLS first; without it, one failure in time")
    func handshakeFirst() async throws {
        let pki = try await offPool { try TestPKI() }
        defer { pki.remove() }
        let server = try await startServer(jetstream: false, config: Self.config(pki))
        defer { server.stopInBackground() }

        var options = try testOptions(server.url, requestTimeout: .seconds(2))
        options.tls = TLSOptions(caFile: pki.caCert, handshakeFirst: true)
        let conn = try await NATSConnection.connect(options)
        let events = Recorder<ConnectionEvent>()
        conn.addEventObserver { events.append($0) }
        #expect(conn.serverInfo.tlsRequired)
        #expect(try await roundTrip(conn) == "hello")

        try await offPool { try server.restart() }
        try await waitUntil(10, ".reconnected") { events.sawReconnected }
        #expect(try await roundTrip(conn, "tls.first.again") == "hello")
        await conn.close()

        // Waiting for an INFO that a TLS-first server never sends: the attempt ends within
        // the connect timeout, with one reason.
        var waiting = try testOptions(server.url, connectTimeout: .seconds(2))
        waiting.tls = TLSOptions(caFile: pki.caCert)
        let started = ContinuousClock.now
        let refused = await capture { _ = try await NATSConnection.connect(waiting) }
        #expect(ContinuousClock.now - started < .seconds(6))
        guard case .cannotConnect(let tried)? = refused as? NATSError else {
            Issue.record("expected cannotConnect, got \(String(describing: refused))")
            return
        }
        #expect(tried.count == 1, "\(tried)")
    }

    @Test("TLS first to a server that sends its INFO in the clear fails with a TLS reason")
    func plainServer() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        var options = try testOptions(server.url, connectTimeout: .seconds(2))
        options.tls = TLSOptions(handshakeFirst: true)
        let failed = await capture { _ = try await NATSConnection.connect(options) }
        guard case .cannotConnect(let tried)? = failed as? NATSError else {
            Issue.record("expected cannotConnect, got \(String(describing: failed))")
            return
        }
        #expect(tried.count == 1 && tried[0].reason.hasPrefix("TLS"), "\(tried)")
    }
}
