import Foundation
import NATSClient
import NATSWire
import NIOCore
import Testing
import TestSupport

@Suite("NATS core against a real server", .offCooperativePool)
struct CoreTests {
    @Test("connects and reports the server's INFO")
    func connects() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let conn = try await connect(server)
        #expect(conn.isConnected)
        #expect(conn.connectedURL?.port == server.port)
        #expect(conn.serverInfo.port == server.port)
        #expect(conn.serverInfo.headers)
        #expect(conn.serverInfo.maxPayload == 1_048_576)
        #expect(try await conn.rtt() < .seconds(5))
        await conn.close()
        #expect(!conn.isConnected)
    }

    @Test("publish reaches a subscription, in order, as an AsyncSequence")
    func publishSubscribe() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let conn = try await connect(server)
        defer { Task(executorPreference: TestExecutor.shared) { await conn.close() } }
        let sub = try conn.subscribe("demo.*")
        try await conn.flush()
        for i in 0..<20 {
            try conn.publish("demo.\(i % 3)", replyTo: i == 0 ? "answer.here" : nil,
                             payload: ByteBuffer(string: "m\(i)"))
        }
        let got = try await within(5, "20 messages") {
            var out: [InboundMessage] = []
            for try await msg in sub {
                out.append(msg)
                if out.count == 20 { break }
            }
            return out
        }
        #expect(got.map { text($0.payload) } == (0..<20).map { "m\($0)" })
        #expect(got.map(\.subject) == (0..<20).map { "demo.\($0 % 3)" })
        #expect(got[0].replyTo == "answer.here")
        #expect(got[1].replyTo == nil)
        #expect(got.allSatisfy { $0.sid == sub.sid && $0.headers == nil })
    }

    @Test("headers go out as HPUB and come back as HMSG unchanged")
    func headersRoundTrip() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let conn = try await connect(server)
        defer { Task(executorPreference: TestExecutor.shared) { await conn.close() } }
        let sub = try conn.subscribe("hdr")
        try await conn.flush()
        var headers = NATSHeaders()
        headers.append("X-One", "1")
        headers.append("X-Multi", "a")
        headers.append("X-Multi", "b c")
        headers.append("lower-case", "kept")
        try conn.publish("hdr", headers: headers, payload: ByteBuffer(string: "body"))
        try conn.publish("hdr", headers: headers, payload: ByteBuffer())
        let got = try await within(5, "two HMSGs") {
            var out: [InboundMessage] = []
            for try await msg in sub {
                out.append(msg)
                if out.count == 2 { break }
            }
            return out
        }
        #expect(got[0].headers == headers)
        #expect(got[0].headers?["X-One"] == "1")
        #expect(got[0].headers?.values("X-Multi") == ["a", "b c"])
        #expect(got[0].headers?["x-one"] == nil)
        #expect(text(got[0].payload) == "body")
        #expect(got[1].headers == headers)
        #expect(got[1].payload.readableBytes == 0)
    }

    @Test("500 concurrent requests share the inbox and each gets its own answer")
    func manyConcurrentRequests() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let responder = try await connect(server)
        let requester = try await connect(server)
        defer { Task(executorPreference: TestExecutor.shared) { await responder.close(); await requester.close() } }
        let service = try responder.subscribe("svc.double")
        let serving = Task(executorPreference: TestExecutor.shared) {
            for try await msg in service {
                guard let reply = msg.replyTo, let n = Int(text(msg.payload)) else { continue }
                try responder.publish(reply, payload: ByteBuffer(string: String(n * 2)))
            }
        }
        defer { serving.cancel() }
        try await responder.flush()

        let answers = try await within(20, "500 replies") {
            try await withThrowingTaskGroup(of: (Int, Int?).self) { group in
                for i in 0..<500 {
                    group.addTask {
                        let reply = try await requester.request("svc.double", payload: ByteBuffer(string: String(i)),
                                                                timeout: .seconds(30))
                        return (i, Int(text(reply.payload)))
                    }
                }
                var out: [Int: Int?] = [:]
                for try await (i, answer) in group { out[i] = answer }
                return out
            }
        }
        #expect(answers.count == 500)
        let wrong = answers.filter { $0.value != $0.key * 2 }
        #expect(wrong.isEmpty, "wrong answers: \(wrong.prefix(5))")
        // The connection still works for more requests afterwards.
        let again = try await requester.request("svc.double", payload: ByteBuffer(string: "21"))
        #expect(text(again.payload) == "42")
    }

    @Test("a request nobody listens to fails with noResponders at once")
    func noResponders() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let conn = try await connect(server)
        defer { Task(executorPreference: TestExecutor.shared) { await conn.close() } }
        let start = ContinuousClock.now
        let error = await capture {
            _ = try await conn.request("nobody.home", payload: ByteBuffer(string: "?"), timeout: .seconds(10))
        }
        let elapsed = ContinuousClock.now - start
        #expect(error as? NATSError == .noResponders(subject: "nobody.home"))
        #expect(elapsed < .seconds(10), "took \(elapsed); must not wait for the 30 s timeout")
        #expect("\(error.map { "\($0)" } ?? "")".contains("no responders"))
    }

    @Test("a request whose responder stays silent times out after its timeout")
    func requestTimeout() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let conn = try await connect(server)
        defer { Task(executorPreference: TestExecutor.shared) { await conn.close() } }
        let silent = try conn.subscribe("silent")
        defer { silent.unsubscribe() }
        try await conn.flush()
        let start = ContinuousClock.now
        let error = await capture {
            _ = try await conn.request("silent", payload: ByteBuffer(), timeout: .milliseconds(300))
        }
        let elapsed = ContinuousClock.now - start
        guard case .timeout? = error as? NATSError else {
            Issue.record("expected NATSError.timeout, got \(String(describing: error))")
            return
        }
        #expect(elapsed >= .milliseconds(250))
        #expect(elapsed < .seconds(10))
        // A late reply to a timed-out request is dropped; the connection stays usable.
        let echo = try conn.subscribe("echo")
        let serving = Task(executorPreference: TestExecutor.shared) {
            for try await msg in echo { if let r = msg.replyTo { try conn.publish(r, payload: msg.payload) } }
        }
        defer { serving.cancel(); echo.unsubscribe() }
        try await conn.flush()
        #expect(text(try await conn.request("echo", payload: ByteBuffer(string: "ok")).payload) == "ok")
    }

    @Test("a tiny or zero timeout still ends the request (no hang)")
    func tinyTimeouts() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let conn = try await connect(server)
        defer { Task(executorPreference: TestExecutor.shared) { await conn.close() } }
        let silent = try conn.subscribe("silent")
        defer { silent.unsubscribe() }
        try await conn.flush()
        try await within(10, "100 requests with 0/1 ns timeouts") {
            for i in 0..<100 {
                let error = await capture {
                    _ = try await conn.request("silent", payload: ByteBuffer(), timeout: .nanoseconds(i % 2))
                }
                guard case .timeout? = error as? NATSError else {
                    Issue.record("request \(i): expected timeout, got \(String(describing: error))")
                    return
                }
            }
        }
    }

    @Test("flush returns after the server processed everything before it")
    func flushOrdersWrites() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let conn = try await connect(server)
        let sub = try conn.subscribe("flush.test")
        for i in 0..<200 { try conn.publish("flush.test", payload: ByteBuffer(string: "\(i)")) }
        try await conn.flush()
        // Every message was delivered before the PONG: end the subscription and count.
        sub.unsubscribe()
        let count = try await within(5, "buffered messages") {
            var n = 0
            for try await _ in sub { n += 1 }
            return n
        }
        #expect(count == 200)
        await conn.close()
        let error = await capture { try await conn.flush() }
        #expect(error as? NATSError == .connectionClosed)
    }

    @Test("flush is answered by its own PONG, not by a keep-alive PING's")
    func flushWithKeepAlives() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        var options = try testOptions(server.url)
        options.pingInterval = .milliseconds(1)
        options.maxPingsOutstanding = 1_000_000
        let conn = try await NATSConnection.connect(options)
        var short: [Int] = []
        for round in 0..<20 {
            let sub = try conn.subscribe("ka.\(round)")
            for i in 0..<2000 { try conn.publish("ka.\(round)", payload: ByteBuffer(string: "\(i)")) }
            try await conn.flush()
            sub.unsubscribe()
            let n = try await within(5, "buffered messages") {
                var n = 0
                for try await _ in sub { n += 1 }
                return n
            }
            if n != 2000 { short.append(n) }
        }
        #expect(short.isEmpty, "rounds where flush returned early got only \(short) of 2000")
        await conn.close()
    }

    @Test("max_payload is enforced before sending and the connection stays usable")
    func maxPayloadClientSide() async throws {
        let server = try await startServer(jetstream: false, config: "max_payload: 1024\n")
        defer { server.stopInBackground() }
        let conn = try await connect(server)
        defer { Task(executorPreference: TestExecutor.shared) { await conn.close() } }
        #expect(conn.serverInfo.maxPayload == 1024)
        let sub = try conn.subscribe("big")
        try await conn.flush()

        let tooBig = ByteBuffer(repeating: UInt8(ascii: "x"), count: 2000)
        #expect(throws: NATSError.payloadTooLarge(size: 2000, max: 1024)) {
            try conn.publish("big", payload: tooBig)
        }
        let requestError = await capture { _ = try await conn.request("big", payload: tooBig) }
        #expect(requestError as? NATSError == .payloadTooLarge(size: 2000, max: 1024))
        // Headers count against the limit too.
        var headers = NATSHeaders()
        headers.append("X-Pad", String(repeating: "h", count: 100))
        let nearly = ByteBuffer(repeating: UInt8(ascii: "y"), count: 1000)
        #expect(throws: NATSError.self) { try conn.publish("big", headers: headers, payload: nearly) }

        // Exactly the limit is fine, and the connection is still up.
        try conn.publish("big", payload: ByteBuffer(repeating: UInt8(ascii: "z"), count: 1024))
        try conn.publish("big", payload: ByteBuffer(string: "small"))
        try await conn.flush()
        #expect(conn.isConnected)
        let got = try await within(5, "two messages") {
            var out: [Int] = []
            for try await msg in sub {
                out.append(msg.payload.readableBytes)
                if out.count == 2 { break }
            }
            return out
        }
        #expect(got == [1024, 5])
    }

    @Test("unsubscribe ends the iteration; later messages are not delivered")
    func unsubscribeEndsIteration() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let conn = try await connect(server)
        defer { Task(executorPreference: TestExecutor.shared) { await conn.close() } }
        let sub = try conn.subscribe("unsub")
        let other = try conn.subscribe("unsub")
        try await conn.flush()
        let reader = Task(executorPreference: TestExecutor.shared) {
            var n = 0
            for try await _ in sub { n += 1 }
            return n
        }
        try conn.publish("unsub", payload: ByteBuffer(string: "1"))
        try await conn.flush()
        sub.unsubscribe()
        sub.unsubscribe() // idempotent
        try conn.publish("unsub", payload: ByteBuffer(string: "2"))
        try await conn.flush()
        let count = try await within(5, "the iteration to end") { try await reader.value }
        #expect(count == 1)
        // The other subscription on the same subject got both.
        let otherCount = try await within(5, "second subscription") {
            var n = 0
            for try await _ in other {
                n += 1
                if n == 2 { break }
            }
            return n
        }
        #expect(otherCount == 2)
    }

    @Test("close ends every subscription and fails later calls")
    func closeEndsSubscriptions() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let conn = try await connect(server)
        let events = Recorder<ConnectionEvent>()
        conn.addEventObserver { events.append($0) }
        let subs = try (0..<3).map { try conn.subscribe("close.\($0)") }
        let silent = try conn.subscribe("close.silent")
        try await conn.flush()
        let readers = subs.map { sub in
            Task(executorPreference: TestExecutor.shared) {
                var n = 0
                for try await _ in sub { n += 1 }
                return n
            }
        }
        let pending = Task(executorPreference: TestExecutor.shared) {
            try await conn.request("close.silent", payload: ByteBuffer(), timeout: .seconds(30))
        }
        try await Task.sleep(for: .milliseconds(100))
        await conn.close()
        for reader in readers {
            #expect(try await within(5, "a subscription to end") { try await reader.value } == 0)
        }
        let requestError = await capture { _ = try await within(5, "the pending request") { try await pending.value } }
        #expect(requestError as? NATSError == .connectionClosed)
        _ = silent
        #expect(!conn.isConnected)
        #expect(events.all == [.closed])
        #expect(throws: NATSError.connectionClosed) { try conn.publish("x", payload: ByteBuffer()) }
        #expect(throws: NATSError.connectionClosed) { _ = try conn.subscribe("x") }
        let error = await capture { _ = try await conn.request("x", payload: ByteBuffer()) }
        #expect(error as? NATSError == .connectionClosed)
        await conn.close() // twice is harmless
        #expect(events.all == [.closed])
        // The event stream has ended.
        try await within(5, "the event stream to end") { for await _ in conn.events {} }
    }
}
