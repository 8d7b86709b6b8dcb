import Foundation
import NATSClient
import NIOCore
import Testing
import TestSupport

/// The reconnect loop belongs to the connection: `close()` stops and awaits it, and what is
/// given up while it runs says the connection is down.
@Suite("Reconnect loop owned by the connection", .offCooperativePool)
struct OwnedReconnectTests {
    @Test("close() during a back-off returns at once; nothing happens after .closed")
    func closeDuringBackoff() async throws {
        let server = try await startServer(jetstream: false)
        var options = try testOptions(server.url)
        options.reconnectWait = .seconds(30)
        let conn = try await NATSConnection.connect(options)
        let events = Recorder<ConnectionEvent>()
        conn.addEventObserver { events.append($0) }
        try await offPool { server.stop() }
        try await waitUntil(5, ".disconnected") { events.sawDisconnected }
        // Refused at once: the loop is soon between rounds, waiting out its back-off.
        try await Task.sleep(for: .milliseconds(500))
        let start = ContinuousClock.now
        await conn.close()
        #expect(ContinuousClock.now - start < .seconds(5), "close() waited for the back-off")
        try await Task.sleep(for: .milliseconds(300))
        #expect(events.all.filter { $0 == .closed }.count == 1, "\(events.all)")
        #expect(events.all.last == .closed, "events after .closed: \(events.all)")
        #expect(!events.sawReconnected)
    }

    @Test("a request given up while reconnecting fails with notConnected, naming the server")
    func requestWhileDown() async throws {
        let server = try await startServer(jetstream: false)
        let conn = try await NATSConnection.connect(testOptions(server.url))
        let events = Recorder<ConnectionEvent>()
        conn.addEventObserver { events.append($0) }
        try await offPool { server.stop() }
        try await waitUntil(5, ".disconnected") { events.sawDisconnected }
        let error = await capture {
            _ = try await conn.request("svc", payload: ByteBuffer(string: "?"), timeout: .milliseconds(300))
        }
        guard case .notConnected(let url, let attempts)? = error as? NATSError else {
            Issue.record("expected notConnected, got \(String(describing: error))")
            return
        }
        #expect(url == "nats://127.0.0.1:\(server.port)")
        #expect(attempts >= 0)
        #expect(conn.notConnectedError != nil)
        let flushError = await capture { try await conn.flush(timeout: .milliseconds(300)) }
        if case .notConnected? = flushError as? NATSError {} else {
            Issue.record("expected notConnected for the flush, got \(String(describing: flushError))")
        }
        await conn.close()
        #expect(conn.notConnectedError == nil)
    }
}
