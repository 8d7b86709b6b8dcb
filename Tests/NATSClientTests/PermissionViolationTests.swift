import Foundation
import NATSClient
import NATSWire
import NIOCore
import Testing
import TestSupport

/// A real server's `Permissions Violation` -ERRs fail the request or subscription they refused
/// at once, long before the request timeout; the connection stays up.
@Suite("NATS core: permission violations against a real server", .offCooperativePool)
struct PermissionViolationTests {
    @Test("a refused request and a refused subscription fail at once; allowed ones work on")
    func refused() async throws {
        let server = try await startServer(jetstream: false, config: """
            authorization { users = [ { user: u, password: pw, permissions: {
              publish: { deny: ["denied.>"] }, subscribe: { deny: ["secret.>"] } } } ] }
            """)
        defer { server.stopInBackground() }
        var options = try testOptions(server.url, requestTimeout: .seconds(20))
        options.user = "u"
        options.password = "pw"
        let conn = try await NATSConnection.connect(options)
        defer { Task(executorPreference: TestExecutor.shared) { await conn.close() } }
        let clock = ContinuousClock()
        let start = clock.now
        let requestError = await capture { _ = try await conn.request("denied.x", payload: ByteBuffer(string: "q")) }
        #expect(requestError as? NATSError == .permissionDenied(.publish, subject: "denied.x"),
                "\(String(describing: requestError))")
        let sub = try conn.subscribe("secret.data")
        let subError = await capture { for try await _ in sub {} }
        #expect(subError as? NATSError == .permissionDenied(.subscribe, subject: "secret.data"),
                "\(String(describing: subError))")
        #expect(clock.now - start < .seconds(20))
        #expect(conn.isConnected)
        // An allowed service on the same connection still answers.
        let service = try conn.subscribe("svc")
        try await conn.flush()
        let responder = Task {
            for try await msg in service {
                if let reply = msg.replyTo { try conn.publish(reply, payload: ByteBuffer(string: "pong")) }
                return
            }
        }
        let answer = try await conn.request("svc", payload: ByteBuffer(string: "ping"))
        #expect(text(answer.payload) == "pong")
        try await responder.value
    }
}
