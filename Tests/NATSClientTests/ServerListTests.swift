import Foundation
import NATSClient
import NATSWire
import NIOCore
import Testing
import TestSupport

@Suite("Unreachable servers and the server list", .offCooperativePool)
struct ServerListTests {
    @Test("two closed ports: cannotConnect names both URLs, quickly")
    func bothClosed() async throws {
        let a = try closedPort()
        let b = try closedPort()
        let options = try testOptions("nats://127.0.0.1:\(a)", "127.0.0.1:\(b)", connectTimeout: .seconds(1))
        let start = ContinuousClock.now
        let error = await capture { _ = try await NATSConnection.connect(options) }
        let elapsed = ContinuousClock.now - start
        guard case .cannotConnect(let tried)? = error as? NATSError else {
            Issue.record("expected cannotConnect, got \(String(describing: error))")
            return
        }
        #expect(tried.count == 2)
        let description = "\(error!)"
        #expect(description.contains("nats://127.0.0.1:\(a)"), "\(description)")
        #expect(description.contains("nats://127.0.0.1:\(b)"), "\(description)")
        #expect(description.contains("refused"), "\(description)")
        // Refusals are immediate; the bound only guards against hanging (generous for a busy CI machine).
        #expect(elapsed < .seconds(8), "took \(elapsed)")
    }

    @Test("a server that accepts TCP but never sends INFO times out within connectTimeout")
    func silentServer() async throws {
        let silent = try LoopbackSocket(listening: true)
        let closed = try closedPort()
        let options = try testOptions("nats://127.0.0.1:\(silent.port)", "nats://127.0.0.1:\(closed)",
                                      connectTimeout: .milliseconds(500))
        let start = ContinuousClock.now
        let error = await capture { _ = try await NATSConnection.connect(options) }
        let elapsed = ContinuousClock.now - start
        guard case .cannotConnect(let tried)? = error as? NATSError else {
            Issue.record("expected cannotConnect, got \(String(describing: error))")
            return
        }
        #expect(tried.count == 2)
        #expect(tried.first?.server == "nats://127.0.0.1:\(silent.port)")
        #expect(tried.first?.reason == "timed out", "\(tried)")
        #expect(tried.last?.server == "nats://127.0.0.1:\(closed)")
        #expect(elapsed >= .milliseconds(450))
        // 500 ms for the silent one, the refusal is immediate; the bound only guards against
        // waiting forever, with room for a loaded machine.
        #expect(elapsed < .seconds(8), "took \(elapsed)")
    }

    @Test("[closed port, live server]: connects to the second")
    func poolSkipsDeadServer() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let dead = try closedPort()
        let conn = try await NATSConnection.connect(testOptions("nats://127.0.0.1:\(dead)", server.url))
        #expect(conn.connectedURL?.port == server.port)
        #expect(conn.isConnected)
        #expect(try await roundTrip(conn, "pool.check") == "hello")
        await conn.close()
    }

    @Test("an invalid URL is rejected before connecting")
    func invalidURL() {
        #expect(throws: NATSError.invalidURL("http://x:1")) { _ = try ServerURL(parsing: "http://x:1") }
        #expect(throws: NATSError.self) { _ = try ServerURL(parsing: "nats://host:99999") }
    }
}
