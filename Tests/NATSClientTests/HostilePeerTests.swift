import Foundation
@testable import JetStream
import NATSWire
import NIOCore
import Testing
import TestSupport
@testable import NATSClient

/// What a broken or hostile peer can send must end in a clear error or a bounded state,
/// never in a crash or unbounded memory. A real server where it can produce the input,
/// a scripted fake one where it cannot.
@Suite("Hostile and broken peers", .offCooperativePool)
struct HostilePeerTests {
    @Test("a reader that falls past its pending limits gets what was buffered, then slowConsumer")
    func slowConsumer() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let conn = try await connect(server)
        defer { Task(executorPreference: TestExecutor.shared) { await conn.close() } }
        let limits = PendingLimits(messages: 10, bytes: 1 << 20)
        let sub = try conn.subscribe("flood", pendingLimits: limits)
        try await conn.flush()
        for i in 0..<50 { try conn.publish("flood", payload: ByteBuffer(string: "m\(i)")) }
        // The server delivers our own messages before it answers the PING that follows them.
        try await conn.flush()
        let (got, failure) = try await within(5, "the buffered messages and the error") { () -> ([String], NATSError?) in
            var out: [String] = []
            do {
                for try await m in sub { out.append(text(m.payload)) }
                return (out, nil)
            } catch let error as NATSError {
                return (out, error)
            }
        }
        #expect(got == (0..<10).map { "m\($0)" })
        #expect(failure == .slowConsumer(subject: "flood", limits: limits))
        #expect(failure?.description.contains("slow consumer") == true)
        // The connection itself is fine, and the ended subscription is gone at the server.
        let other = try conn.subscribe("after")
        try conn.publish("after", payload: ByteBuffer(string: "ok"))
        let next = try await within(5, "a message on a new subscription") {
            var it = other.makeAsyncIterator()
            return try await it.next()
        }
        #expect(next.map { text($0.payload) } == "ok")
    }

    /// `$JS.API.CONSUMER.LIST` reply, as much of it as the test reads.
    struct ConsumerList: Decodable {
        var consumers: [ConsumerInfo]?
    }

    @Test("an ordered consumer whose sink stalls past its pending limits ends with a slowConsumer for its stream")
    func orderedConsumerFallsBehind() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let conn = try await connect(server)
        defer { Task(executorPreference: TestExecutor.shared) { await conn.close() } }
        let js = JetStreamContext(connection: conn)
        var stream = StreamConfig(name: "FLOOD")
        stream.subjects = ["flood.>"]
        _ = try await js.createStream(stream)
        for i in 0..<100 { _ = try await js.publish("flood.\(i)", payload: ByteBuffer(string: "m\(i)")) }
        var config = ConsumerConfig()
        config.deliverPolicy = "all"
        var consumer = OrderedConsumer(js: js, stream: "FLOOD", config: config)
        let limits = PendingLimits(messages: 5, bytes: 1 << 20)
        consumer.pendingLimits = limits
        var received = 0
        let failure = await capture {
            try await consumer.run { event in
                if case .started = event {
                    // Hold the sink until the server has pushed all 100: far past the limit of 5.
                    try? await waitUntilAsync(20, "all 100 to be delivered") {
                        let list = try await js.call("CONSUMER.LIST.FLOOD", as: ConsumerList.self)
                        return list.consumers?.first?.delivered.consumerSeq == 100
                    }
                } else {
                    received += 1
                }
                return true
            }
        }
        #expect(failure as? JetStreamError == .slowConsumer(stream: "FLOOD", limits: limits), "\(String(describing: failure))")
        #expect("\(failure.map { "\($0)" } ?? "")".contains("slow consumer: the reader of stream FLOOD"))
        #expect((1...5).contains(received), "the messages buffered before the limit are still handed on: \(received)")
    }

    /// INFO with `count` distinct cluster URLs, starting at `first`.
    static func info(urls count: Int, first: Int = 0) -> String {
        let urls = (first..<first + count).map { "\"10.\($0 / 65536 % 256).\($0 / 256 % 256).\($0 % 256):4222\"" }
        return #"INFO {"server_id":"fake","version":"2.15.1","proto":1,"headers":true,"max_payload":1048576,"#
            + #""connect_urls":["# + urls.joined(separator: ",") + "]}\r\n"
    }

    @Test("an INFO line of a large cluster (past the 4 KiB op-line limit) is accepted at connect")
    func bigInfoAtConnect() async throws {
        let fake = try FakeServer()
        let info = Self.info(urls: 400)
        #expect(info.utf8.count > 4_096)
        let script = Task(executorPreference: TestExecutor.shared) {
            try await offPool { () -> Bool in
                guard let fd = fake.acceptClient(timeout: 20), FakeServer.greet(fd, info: info, timeout: 20) else {
                    return false
                }
                FakeServer.send(fd, "PONG\r\n")
                _ = FakeServer.waitForEOF(fd, timeout: 20)
                FakeServer.hangUp(fd)
                return true
            }
        }
        var options = try testOptions("nats://127.0.0.1:\(fake.port)")
        options.maxReconnectAttempts = 0
        let conn = try await NATSConnection.connect(options)
        #expect(conn.serverInfo.connectURLs.count == 400)
        await conn.close()
        #expect(try await within(25, "the fake server") { try await script.value })
    }

    @Test("repeated INFOs replace the announced servers instead of piling them up; one INFO adds at most 1,024")
    func poolStaysBounded() async throws {
        let fake = try FakeServer()
        // Set once the client answered the PING after the last INFO: closing before it could
        // read that PING would end the script early (the INFO alone may fill a read).
        let answeredLast = Recorder<Bool>()
        let script = Task(executorPreference: TestExecutor.shared) {
            try await offPool { () -> Bool in
                guard let fd = fake.acceptClient(timeout: 20), FakeServer.greet(fd, timeout: 20) else { return false }
                FakeServer.send(fd, "PONG\r\n")
                for round in 0..<40 { FakeServer.send(fd, Self.info(urls: 100, first: round * 100)) }
                // The client answers this PING after it handled every INFO before it.
                FakeServer.send(fd, "PING\r\n")
                guard FakeServer.readUntil(fd, "PONG\r\n", timeout: 20) else { return false }
                FakeServer.send(fd, Self.info(urls: 3_000, first: 10_000) + "PING\r\n")
                guard FakeServer.readUntil(fd, "PONG\r\n", timeout: 20) else { return false }
                answeredLast.append(true)
                _ = FakeServer.waitForEOF(fd, timeout: 20)
                FakeServer.hangUp(fd)
                return true
            }
        }
        var options = try testOptions("nats://127.0.0.1:\(fake.port)")
        options.maxReconnectAttempts = 0
        let conn = try await NATSConnection.connect(options)
        try await waitUntil(20, "the last INFO to arrive") { conn.serverInfo.connectURLs.count == 3_000 }
        try await waitUntil(20, "the PONG to the last PING") { answeredLast.count == 1 }
        let servers = conn.state.withLockedValue { $0.pool.servers }
        #expect(servers.count == 1 + ServerPool.maxDiscovered)
        #expect(servers.first?.port == fake.port)
        #expect(servers.dropFirst().allSatisfy { $0.host.hasPrefix("10.0.") && $0.port == 4222 })
        await conn.close()
        #expect(try await within(25, "the fake server") { try await script.value })
    }
}

@Suite("ServerPool")
struct ServerPoolTests {
    @Test("announced servers follow the latest non-empty list, without the configured ones or repeats")
    func followsTheLatestList() throws {
        var pool = ServerPool([try ServerURL(parsing: "nats://u:p@127.0.0.1:4222")])
        pool.add(discovered: ["10.0.0.1:4222", "10.0.0.2:4222", "10.0.0.1:4222", "127.0.0.1:4222", "bad host:x"])
        #expect(pool.servers.map(\.host) == ["127.0.0.1", "10.0.0.1", "10.0.0.2"])
        #expect(pool.servers.allSatisfy { $0.user == "u" && $0.password == "p" })
        pool.add(discovered: ["10.0.0.3:4222"])
        #expect(pool.servers.map(\.host) == ["127.0.0.1", "10.0.0.3"])
        pool.add(discovered: [])
        #expect(pool.servers.map(\.host) == ["127.0.0.1", "10.0.0.3"])
        for round in 0..<100 {
            pool.add(discovered: (0..<50).map { "10.1.\(round).\($0):4222" })
        }
        #expect(pool.servers.count == 51)
    }
}

/// Polls an async `condition` every 20 ms until it holds or `seconds` pass.
func waitUntilAsync(_ seconds: Double, _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while !(try await condition()) {
        if ContinuousClock.now >= deadline { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(20))
    }
}
