import Testing
import TestSupport
@testable import NATSClient

/// `NATSConnection.connect` stops when its task is cancelled: an owner (the shell closing,
/// Tab's deadline) can cancel a connect and await it instead of leaving it behind.
@Suite("Cancelling a connect", .offCooperativePool)
struct ConnectCancellationTests {
    @Test("cancelled while a silent server holds the handshake: CancellationError at once, the half-open link closed, no other server tried")
    func cancelledDuringHandshake() async throws {
        let fake = try FakeServer()
        // Both URLs name the fake: a connect that went on would try it a second time.
        let url = "nats://127.0.0.1:\(fake.port)"
        var options = try testOptions(url, url, connectTimeout: .seconds(60))
        options.maxReconnectAttempts = 0
        let connecting = Task(executorPreference: TestExecutor.shared) { () -> NATSConnection in
            try await NATSConnection.connect(options)
        }
        let client = try await offPool { fake.acceptClient(timeout: 20) }
        let fd = try #require(client, "the connect reached the fake server")
        defer { FakeServer.hangUp(fd) }
        connecting.cancel()
        // Without cancellation the handshake would wait its 60 s connect timeout.
        let outcome = try await within(20, "the cancelled connect to end") { await connecting.result }
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(try await offPool { FakeServer.waitForEOF(fd, timeout: 20) }, "the half-open link was closed")
        let second = try await offPool { fake.acceptClient(timeout: 0.5) }
        #expect(second == nil, "the second URL was not tried")
        if let second { FakeServer.hangUp(second) }
    }

    @Test("a task cancelled before it connects opens no link")
    func cancelledBeforeStart() async throws {
        let fake = try FakeServer()
        let options = try testOptions("nats://127.0.0.1:\(fake.port)", connectTimeout: .seconds(60))
        let connecting = Task(executorPreference: TestExecutor.shared) { () -> NATSConnection in
            withUnsafeCurrentTask { $0?.cancel() }
            return try await NATSConnection.connect(options)
        }
        let outcome = try await within(20, "the cancelled connect to end") { await connecting.result }
        #expect(throws: CancellationError.self) { try outcome.get() }
        let client = try await offPool { fake.acceptClient(timeout: 0.5) }
        #expect(client == nil)
        if let client { FakeServer.hangUp(client) }
    }
}
