import Foundation
import JetStream
import KeyValue
import KeyValueNATS
import NATSClient
import NATSWire
import NIOCore
import Testing
import TestSupport

@Suite("Reconnect after a server crash", .offCooperativePool)
struct ReconnectTests {
    /// Crash options: fast reconnects, short request timeouts so lost acks are retried soon.
    func crashOptions(_ server: NATSServerProcess) throws -> ClientOptions {
        var options = try testOptions(server.url, connectTimeout: .seconds(5), requestTimeout: .seconds(1))
        options.reconnectWait = .milliseconds(200)
        return options
    }

    /// A put retried (bounded) while JetStream settles after a restart.
    func putRetrying(_ bucket: any KeyValueBucket, _ key: String, _ value: String) async throws -> UInt64 {
        var attempt = 0
        while true {
            do {
                return try await bucket.put(key, Array(value.utf8))
            } catch {
                attempt += 1
                if attempt >= 30 { throw TestSupportError("put \(key) failed \(attempt) times: \(error)") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    @Test("KV watch sees every revision exactly once, in order, across kill -9 and restart")
    func kvWatchAcrossCrash() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        let conn = try await NATSConnection.connect(crashOptions(server))
        let events = Recorder<ConnectionEvent>()
        conn.addEventObserver { events.append($0) }
        let js = JetStreamContext(connection: conn)
        let store: any KeyValueStore = NATSKeyValueStore(js: js)
        var config = BucketConfig(bucket: "crash")
        config.history = 64 // nothing is ever dropped: the stream keeps every revision
        _ = try await store.createBucket(config)
        let bucket = try await store.bucket("crash")

        let watch = try await bucket.watch(filters: [], options: WatchOptions())
        let seen = Recorder<WatchEvent>()
        let reader = Task(executorPreference: TestExecutor.shared) {
            for try await event in watch { seen.append(event) }
        }
        // Start writing once the (empty) initial state is delivered, so the marker comes first.
        try await waitUntil(10, "initialValuesDone") { seen.count > 0 }

        let n = 300
        let retries = Recorder<Int>()
        var outage: Task<Void, any Error>?
        for i in 1...n {
            if i == n / 2 {
                try await offPool { server.kill9() }
                outage = Task(executorPreference: TestExecutor.shared) {
                    // Longer than the 1 s request timeout: puts made meanwhile time out and are
                    // retried, and the buffered originals still reach the server (duplicates).
                    try await Task.sleep(for: .milliseconds(1200))
                    try await offPool { try server.restart() }
                }
            }
            var attempt = 0
            while true {
                do {
                    _ = try await bucket.put("k.\(i)", Array("\(i)".utf8))
                    break
                } catch {
                    attempt += 1
                    retries.append(i)
                    if attempt >= 30 { throw TestSupportError("put k.\(i) failed \(attempt) times: \(error)") }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
        }
        try await outage?.value

        let info = try await js.streamInfo("KV_crash")
        let lastSeq = info.state.lastSeq
        #expect(info.state.messages == lastSeq, "history 64 keeps every revision")
        #expect(lastSeq >= UInt64(n))

        try await waitUntil(20, "the watcher to reach revision \(lastSeq)") {
            seen.all.contains { if case .entry(let e) = $0 { e.revision >= lastSeq } else { false } }
        }
        watch.stop()
        _ = try await within(5, "the reader to finish") { await reader.result }

        let all = seen.all
        #expect(all.first == .initialValuesDone, "empty bucket: the marker comes first")
        #expect(all.filter { $0 == .initialValuesDone }.count == 1)
        let entries = all.compactMap { if case .entry(let e) = $0 { e } else { nil } }
        let revisions = entries.map(\.revision)
        let mismatch = zip(revisions, 1...lastSeq).first { $0.0 != $0.1 }
        #expect(revisions == Array(1...lastSeq),
                "first mismatch (seen, expected): \(mismatch.map { "\($0)" } ?? "none"), \(revisions.count) seen")
        let values = Set(entries.compactMap { Int(String(decoding: $0.value, as: UTF8.self)) })
        #expect(values == Set(1...n))
        #expect(entries.allSatisfy { $0.key == "k.\(String(decoding: $0.value, as: UTF8.self))" })
        #expect(entries.allSatisfy { $0.operation == .put && $0.bucket == "crash" })

        let kinds = events.all.filter { $0.isDisconnected || $0.isReconnected }
        #expect(kinds.count == 2, "events: \(events.all)")
        if case .disconnected? = kinds.first {} else { Issue.record("first event should be .disconnected: \(kinds)") }
        if case .reconnected? = kinds.last {} else { Issue.record("second event should be .reconnected: \(kinds)") }
        // Duplicates (lost acks) are allowed, but the watcher saw each stored revision once.
        #expect(Set(revisions).count == revisions.count)
        print("kvWatchAcrossCrash: \(n) puts, \(lastSeq) revisions, \(retries.count) retried puts")
        await store.close()
    }

    @Test("an updates-only watch on an empty bucket misses nothing written while it was away")
    func updatesOnlyWatchAcrossCrash() async throws {
        let server = try await startServer()
        defer { server.stopInBackground() }
        var options = try crashOptions(server)
        // Slow reconnects: another client writes after the restart, before this one is back.
        options.reconnectWait = .seconds(10)
        let conn = try await NATSConnection.connect(options)
        let events = Recorder<ConnectionEvent>()
        conn.addEventObserver { events.append($0) }
        let store: any KeyValueStore = NATSKeyValueStore(js: JetStreamContext(connection: conn))
        _ = try await store.createBucket(BucketConfig(bucket: "fresh"))
        let bucket = try await store.bucket("fresh")

        let watch = try await bucket.watch(filters: [], options: WatchOptions(updatesOnly: true))
        let seen = Recorder<WatchEvent>()
        let reader = Task(executorPreference: TestExecutor.shared) {
            for try await event in watch { seen.append(event) }
        }
        try await waitUntil(10, "initialValuesDone") { seen.count > 0 }
        // Let the consumer exist on the server before the crash.
        try await Task.sleep(for: .milliseconds(200))

        try await offPool { server.kill9() }
        try await waitUntil(5, ".disconnected") { events.sawDisconnected }
        // Attempts at about 0, 0.1, 0.3, 0.7, 1.5, 3.1 and 6.3 s (backoff doubling from 100 ms,
        // plus up to 50 ms jitter each): restarting at 3.5 s leaves ~2.8 s before the next one.
        try await Task.sleep(for: .milliseconds(3500))
        try await offPool { try server.restart() }
        let other = try await NATSConnection.connect(testOptions(server.url))
        let otherBucket = try await NATSKeyValueStore(js: JetStreamContext(connection: other)).bucket("fresh")
        let duringRevision = try await otherBucket.put("during", Array("outage".utf8))
        await other.close()
        #expect(!conn.isConnected, "the watcher's client must still be away for this test to mean anything")

        try await waitUntil(10, ".reconnected") { events.sawReconnected }
        let afterRevision = try await putRetrying(bucket, "after", "restart")
        try await waitUntil(10, "the watcher to see revision \(afterRevision)") {
            seen.all.contains { if case .entry(let e) = $0 { e.revision == afterRevision } else { false } }
        }
        watch.stop()
        _ = try await within(5, "the reader to finish") { await reader.result }
        let entries = seen.all.compactMap { if case .entry(let e) = $0 { e } else { nil } }
        #expect(seen.all.first == .initialValuesDone)
        #expect(entries.map(\.revision) == [duringRevision, afterRevision])
        #expect(entries.map(\.key) == ["during", "after"])
        await store.close()
    }

    @Test("after maxReconnectAttempts the connection gives up: subscriptions, requests and flushes fail")
    func givesUp() async throws {
        let server = try await startServer(jetstream: false)
        var options = try crashOptions(server)
        options.maxReconnectAttempts = 2
        options.reconnectWait = .milliseconds(100)
        let conn = try await NATSConnection.connect(options)
        let events = Recorder<ConnectionEvent>()
        conn.addEventObserver { events.append($0) }
        let sub = try conn.subscribe("gone")
        let silent = try conn.subscribe("gone.silent")
        try await conn.flush()
        let reader = Task(executorPreference: TestExecutor.shared) {
            var n = 0
            for try await _ in sub { n += 1 }
            return n
        }
        let request = Task(executorPreference: TestExecutor.shared) {
            try await conn.request("gone.silent", payload: ByteBuffer(), timeout: .seconds(30))
        }
        try await Task.sleep(for: .milliseconds(100))
        try await offPool { server.stop() }
        try await waitUntil(5, ".disconnected") { events.sawDisconnected }
        // A flush made while away waits for the reconnect, and fails when it never comes.
        let flush = Task(executorPreference: TestExecutor.shared) { try await conn.flush(timeout: .seconds(30)) }

        let readerError = await capture {
            _ = try await within(10, "the subscription to end") { try await reader.value }
        }
        #expect(readerError as? NATSError == .connectionClosed)
        let requestError = await capture { _ = try await within(5, "the request to fail") { try await request.value } }
        #expect(requestError as? NATSError == .connectionClosed)
        let flushError = await capture { try await within(5, "the flush to fail") { try await flush.value } }
        #expect(flushError as? NATSError == .connectionClosed)
        #expect(events.all.count == 2 && events.all.last == .closed, "\(events.all)")
        // The event stream ends too, and close() afterwards adds nothing.
        try await within(5, "the event stream to end") { for await _ in conn.events {} }
        await conn.close()
        #expect(events.all.filter { $0 == .closed }.count == 1)
        #expect(throws: NATSError.connectionClosed) { try conn.publish("gone", payload: ByteBuffer()) }
        _ = silent
    }

    @Test("a server that hangs up right after its PONG never leaves a dead 'connected' client")
    func hangUpRightAfterPong() async throws {
        for round in 0..<20 {
            let fake = try FakeServer()
            let script = Task(executorPreference: TestExecutor.shared) {
                try await offPool { () -> Bool in
                    guard let fd = fake.acceptClient(timeout: 20), FakeServer.greet(fd, timeout: 20) else {
                        return false
                    }
                    FakeServer.send(fd, "PONG\r\n")
                    FakeServer.hangUp(fd)
                    return true
                }
            }
            var options = try testOptions("nats://127.0.0.1:\(fake.port)")
            options.maxReconnectAttempts = 1
            options.reconnectWait = .milliseconds(50)
            let outcome = await capture {
                let conn = try await NATSConnection.connect(options)
                // Live after all: the hang-up must then be noticed (reconnect fails, gives up).
                try await waitUntil(5, "round \(round): the hang-up to be noticed") { !conn.isConnected }
                await conn.close()
            }
            if let outcome, !(outcome is NATSError) { Issue.record("round \(round): \(outcome)") }
            #expect(try await within(25, "the fake server") { try await script.value })
        }
    }

    @Test("close() while a reconnect handshake is in flight leaves nothing connected")
    func closeDuringReconnectHandshake() async throws {
        let fake = try FakeServer()
        let handshakeWaiting = DispatchSemaphore(value: 0)
        let sendPong = DispatchSemaphore(value: 0)
        let dropFirst = DispatchSemaphore(value: 0)
        // First session: a normal handshake; once the client is live the "server" drops it.
        // Second session: INFO, read CONNECT+PING, hold the PONG until the client was closed.
        // Blocking socket code: on a Dispatch thread, never on the cooperative pool.
        let script = Task(executorPreference: TestExecutor.shared) {
            try await offPool { () -> (second: Bool, closedByClient: Bool) in
                guard let first = fake.acceptClient(timeout: 20) else { return (false, false) }
                _ = FakeServer.greet(first, timeout: 20)
                FakeServer.send(first, "PONG\r\n")
                _ = dropFirst.wait(timeout: .now() + 25)
                FakeServer.hangUp(first)
                guard let second = fake.acceptClient(timeout: 20), FakeServer.greet(second, timeout: 20) else {
                    return (false, false)
                }
                handshakeWaiting.signal()
                _ = sendPong.wait(timeout: .now() + 25)
                FakeServer.send(second, "PONG\r\n")
                let eof = FakeServer.waitForEOF(second, timeout: 3)
                FakeServer.hangUp(second)
                return (true, eof)
            }
        }
        var options = try testOptions("nats://127.0.0.1:\(fake.port)", connectTimeout: .seconds(10))
        options.reconnectWait = .milliseconds(100)
        let conn = try await NATSConnection.connect(options)
        let events = Recorder<ConnectionEvent>()
        conn.addEventObserver { events.append($0) }
        dropFirst.signal()
        let waited = try await offPool { handshakeWaiting.wait(timeout: .now() + 25) }
        #expect(waited == .success, "the client never came back for a second handshake")
        await conn.close()
        sendPong.signal()
        let outcome = try await within(30, "the fake server script") { try await script.value }
        #expect(outcome.second)
        #expect(outcome.closedByClient, "the late handshake's socket must be closed, not kept")
        #expect(!conn.isConnected)
        let afterClose = events.all.drop { $0 != .closed }.dropFirst()
        #expect(afterClose.isEmpty, "events after .closed: \(Array(afterClose))")
    }

    @Test("a plain subscription keeps receiving after kill -9 and restart; events in order")
    func subscriptionAcrossCrash() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let conn = try await NATSConnection.connect(crashOptions(server))
        let events = Recorder<ConnectionEvent>()
        conn.addEventObserver { events.append($0) }
        let sub = try conn.subscribe("plain.>")
        let received = Recorder<String>()
        let reader = Task(executorPreference: TestExecutor.shared) {
            for try await msg in sub { received.append(text(msg.payload)) }
        }
        try conn.publish("plain.a", payload: ByteBuffer(string: "before"))
        try await conn.flush()
        try await waitUntil(5, "the first message") { received.count == 1 }

        try await offPool { server.kill9() }
        try await waitUntil(5, ".disconnected") { events.sawDisconnected }
        #expect(!conn.isConnected)
        // Buffered while away; sent after the re-subscription, so it comes back to us.
        try conn.publish("plain.b", payload: ByteBuffer(string: "buffered"))
        try await offPool { try server.restart() }
        try await waitUntil(10, ".reconnected") { events.sawReconnected }
        #expect(conn.isConnected)

        try conn.publish("plain.c", payload: ByteBuffer(string: "after"))
        try await conn.flush()
        let other = try await NATSConnection.connect(testOptions(server.url))
        try other.publish("plain.d", payload: ByteBuffer(string: "from another client"))
        try await other.flush()
        await other.close()
        try await waitUntil(5, "all four messages") { received.count >= 4 }
        #expect(received.all == ["before", "buffered", "after", "from another client"])

        let kinds = events.all
        #expect(kinds.count == 2, "\(kinds)")
        if case .disconnected(let url)? = kinds.first {
            #expect(url.contains("\(server.port)"))
        } else {
            Issue.record("first event should be .disconnected: \(kinds)")
        }
        if case .reconnected(let url)? = kinds.last {
            #expect(url.contains("\(server.port)"))
        } else {
            Issue.record("second event should be .reconnected: \(kinds)")
        }
        // Requests work again too.
        let echo = try conn.subscribe("plain.echo")
        let serving = Task(executorPreference: TestExecutor.shared) {
            for try await msg in echo { if let r = msg.replyTo { try conn.publish(r, payload: msg.payload) } }
        }
        defer { serving.cancel() }
        try await conn.flush()
        #expect(text(try await conn.request("plain.echo", payload: ByteBuffer(string: "ping")).payload) == "ping")

        await conn.close()
        _ = try await within(5, "the reader to finish") { await reader.result }
        #expect(events.all.last == .closed)
    }
}
