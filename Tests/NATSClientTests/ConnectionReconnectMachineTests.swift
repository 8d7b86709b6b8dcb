import NATSWire
import NIOCore
import Testing
@testable import NATSClient

/// Reconnects, keep-alives, flushes and request deadlines of the state machine, driven by
/// events with times given as values: no socket, no clock, no sleep.
@Suite("Connection state machine: reconnect, pings and deadlines")
struct ConnectionReconnectMachineTests {
    let url = "nats://127.0.0.1:4222"

    @Test("a reconnect replays the inbox, then subscriptions by sid, then the writes buffered meanwhile")
    func replayOrder() throws {
        var m = makeMachine(try machineOptions(url))
        let (id, _) = try handshake(&m, url, link: "L1")
        for n in 0..<12 { _ = try m.subscribe("s.\(n)", queue: n == 3 ? "workers" : nil, now: t0) { "sub\($0)" }.get() }
        _ = m.flushDue(id)
        _ = m.unsubscribed(6) // s.4: an ended subscription is not replayed
        _ = m.flushDue(id)
        guard case .startReconnecting(let lost, let event) = m.channelInactive(id) else {
            Issue.record("losing the live link must start the reconnect")
            return
        }
        #expect(lost.isEmpty && event == .disconnected(url))
        #expect(!m.isLive)
        #expect(m.write(checkingLimit: true, publishBody("during", "1")).kind == "buffered")
        #expect(m.write(checkingLimit: true, publishBody("during", "2")).kind == "buffered")
        let step = try #require(m.nextReconnectStep().connectTo)
        #expect(step.url == url && step.after == .zero, "the first try is immediate")
        let (_, live) = try handshake(&m, step.url, link: "L2", waiter: "H2")
        #expect(live.event == .reconnected(url) && live.waiter == "H2" && live.link == "L2")
        var expected = "SUB \(inbox).* 1\r\n"
        for n in 0..<12 where n != 4 {
            expected += n == 3 ? "SUB s.3 workers 5\r\n" : "SUB s.\(n) \(n + 2)\r\n"
        }
        expected += "PUB during 1\r\n1\r\nPUB during 1\r\n2\r\n"
        #expect(String(buffer: live.replay) == expected)
        #expect(live.resubscribed == 11)
        #expect(m.isLive)
        #expect(m.nextReconnectStep().isStop, "live again: the loop stops")
    }

    @Test("holdsWrites: until the live link's flush takes them; while away, until the replay hands them over")
    func heldWrites() throws {
        var m = makeMachine(try machineOptions(url))
        let (id, _) = try handshake(&m, url, link: "L1")
        #expect(!m.holdsWrites)
        _ = m.write(checkingLimit: true, publishBody("a", "1"))
        #expect(m.holdsWrites, "queued for the flush")
        _ = m.flushDue(id)
        #expect(!m.holdsWrites, "handed to the link")
        _ = m.channelInactive(id)
        #expect(!m.holdsWrites)
        _ = m.write(checkingLimit: true, publishBody("b", "2"))
        #expect(m.holdsWrites, "kept for the replay")
        let step = try #require(m.nextReconnectStep().connectTo)
        let (_, live) = try handshake(&m, step.url, link: "L2", waiter: "H2")
        #expect(String(buffer: live.replay).hasSuffix("PUB b 1\r\n2\r\n"))
        #expect(!m.holdsWrites, "handed to the new link with the replay")
    }

    @Test("writes past the reconnect buffer fail while away; PINGs and SUBs are held to it as documented")
    func reconnectBufferLimit() throws {
        var m = makeMachine(try machineOptions(url) { $0.reconnectBufferSize = 20 })
        let (id, _) = try handshake(&m, url, link: "L1")
        _ = m.channelInactive(id)
        #expect(m.write(checkingLimit: true, publishBody("a", "0123456789")).kind == "buffered")
        #expect(m.write(checkingLimit: true, publishBody("a", "x")).kind == "fail(\(NATSError.reconnectBufferFull))")
        guard case .failure(.reconnectBufferFull) = m.subscribe("s", queue: nil, now: t0, make: { "sub\($0)" }) else {
            Issue.record("a SUB past the limit must fail, and register nothing")
            return
        }
        #expect(m.subscriptions.isEmpty)
        #expect(m.flushRequested(waiter: "F1", deadline: t0 + .seconds(1)).kind == "buffered", "a flush is not limited")
        #expect(m.write(checkingLimit: false, publishBody("a", "y")).kind == "buffered")
    }

    @Test("the ping interval queues a PING; too many unanswered close the link, which reconnects")
    func keepAlive() throws {
        var m = makeMachine(try machineOptions(url) { $0.maxPingsOutstanding = 2 })
        let (id, live) = try handshake(&m, url, link: "L1")
        #expect(live.pingInterval == m.options.pingInterval)
        guard case .ping(let first) = m.pingTimerFired(id) else { Issue.record("no PING"); return }
        #expect(first.kind == "scheduleFlush(L1, \(id))")
        let pingBytes = m.flushDue(id)
        #expect(String(buffer: try #require(pingBytes)) == "PING\r\n")
        #expect(m.received(.pong, on: id, now: t0).kind == "none", "a keep-alive PONG completes no flush")
        // Answered: the count starts again. Two unanswered are allowed, the third closes.
        guard case .ping = m.pingTimerFired(id), case .ping = m.pingTimerFired(id) else {
            Issue.record("two unanswered PINGs are allowed")
            return
        }
        guard case .closeStale(let stale) = m.pingTimerFired(id) else {
            Issue.record("the third interval without a PONG must close the link")
            return
        }
        #expect(stale == "L1")
        guard case .startReconnecting = m.channelInactive(id) else { Issue.record("no reconnect"); return }
        guard case .stop = m.pingTimerFired(id) else { Issue.record("the old link's timer must stop"); return }
    }

    @Test("PONGs complete flushes in wire order, keep-alives in between; a lost link fails only what it sent")
    func pongOrder() throws {
        var m = makeMachine(try machineOptions(url))
        let (id, _) = try handshake(&m, url, link: "L1")
        _ = m.flushRequested(waiter: "F1", deadline: t0 + .seconds(5))
        _ = m.pingTimerFired(id)
        _ = m.flushRequested(waiter: "F2", deadline: t0 + .seconds(5))
        let threePings = m.flushDue(id)
        #expect(String(buffer: try #require(threePings)) == "PING\r\nPING\r\nPING\r\n")
        guard case .succeedPong("F1") = m.received(.pong, on: id, now: t0) else { Issue.record("F1 first"); return }
        #expect(m.received(.pong, on: id, now: t0).kind == "none")
        guard case .succeedPong("F2") = m.received(.pong, on: id, now: t0) else { Issue.record("then F2"); return }

        _ = m.flushRequested(waiter: "F3", deadline: t0 + .seconds(5))
        _ = m.flushDue(id) // F3's PING went out on L1
        _ = m.flushRequested(waiter: "F4", deadline: t0 + .seconds(5)) // F4's is still queued
        guard case .startReconnecting(let lost, _) = m.channelInactive(id) else { Issue.record("no reconnect"); return }
        #expect(lost == ["F3"])
        let step = try #require(m.nextReconnectStep().connectTo)
        let (id2, live) = try handshake(&m, step.url, link: "L2")
        #expect(String(buffer: live.replay).hasSuffix("PING\r\n"), "F4's PING is replayed")
        guard case .succeedPong("F4") = m.received(.pong, on: id2, now: t0) else { Issue.record("F4 answered"); return }
    }

    @Test("a request the server dropped mid-way waits on: a reply after the reconnect still completes it")
    func serverClosesMidRequest() throws {
        var m = makeMachine(try machineOptions(url))
        let (id, _) = try handshake(&m, url, link: "L1")
        let token = m.nextRequestToken()
        let registered = m.requestStarted(token, subject: "svc", deadline: t0 + .seconds(5), waiter: "R1")
        #expect(registered == nil)
        _ = m.write(checkingLimit: true, publishBody("svc", "q"))
        _ = m.flushDue(id)
        guard case .startReconnecting(let lost, _) = m.channelInactive(id) else { Issue.record("no reconnect"); return }
        #expect(lost.isEmpty, "requests are not failed by the loss")
        #expect(m.requests.count == 1)
        let step = try #require(m.nextReconnectStep().connectTo)
        let (id2, _) = try handshake(&m, step.url, link: "L2")
        let reply = InboundMessage(subject: "\(inbox).\(token)", sid: 1, payload: ByteBuffer(string: "late"))
        guard case .succeedRequest("R1", _) = m.received(.message(reply), on: id2, now: t0) else {
            Issue.record("the reply did not complete the request")
            return
        }
    }

    @Test("a request past its deadline times out when live, and says notConnected while reconnecting")
    func deadlines() throws {
        var m = makeMachine(try machineOptions(url))
        let (id, _) = try handshake(&m, url, link: "L1")
        let first = m.nextRequestToken()
        _ = m.requestStarted(first, subject: "svc.a", deadline: t0 + .seconds(1), waiter: "R1")
        let armed = m.sweepRequested(before: t0 + .seconds(1), now: t0)
        let armAt = try #require(armed)
        #expect(armAt == t0 + .milliseconds(100), "a sweep at least every 100 ms while any waits")
        let rearm = m.sweepRequested(before: t0 + .seconds(2), now: t0)
        #expect(rearm == nil, "armed early enough already")
        let early = m.sweepDue(armedFor: armAt, now: armAt)
        #expect(early.requests.isEmpty && early.next == t0 + .seconds(1))
        let live = m.sweepDue(armedFor: t0 + .seconds(1), now: t0 + .seconds(1))
        #expect(live.requests.map(\.0) == ["R1"] && live.requests.map(\.1) == [.timeout(what: "a reply on svc.a")])
        #expect(live.next == nil)

        let second = m.nextRequestToken()
        _ = m.requestStarted(second, subject: "$JS.API.STREAM.INFO.KV_my-sem", deadline: t0 + .seconds(3), waiter: "R2")
        _ = m.flushRequested(waiter: "F1", deadline: t0 + .seconds(3))
        _ = m.channelInactive(id)
        let step = try #require(m.nextReconnectStep().connectTo)
        guard case .open(let attempt) = m.attemptStarted(try ServerURL(parsing: step.url), waiter: "H2") else {
            Issue.record("no attempt")
            return
        }
        _ = m.connectFailed(attempt, error: NATSError.timeout(what: "x"))
        let down = m.sweepDue(armedFor: t0 + .seconds(3), now: t0 + .seconds(3))
        let expected = NATSError.notConnected(reconnectingTo: url, attempts: 1)
        #expect(down.requests.map(\.0) == ["R2"] && down.requests.map(\.1) == [expected])
        #expect(down.pongs.map(\.0) == ["F1"] && down.pongs.map(\.1) == [expected])
        #expect(expected.description == "not connected: reconnecting to nats://127.0.0.1:4222, 1 try so far")
        #expect(NATSError.notConnected(reconnectingTo: url, attempts: 3).description
            == "not connected: reconnecting to nats://127.0.0.1:4222, 3 tries so far")
        #expect(m.notConnectedError == expected)
    }

    @Test("close during a reconnect: the attempt's link closes and its waiter fails, once; nothing is tried after")
    func closeDuringReconnect() throws {
        var m = makeMachine(try machineOptions(url))
        let (id, _) = try handshake(&m, url, link: "L1")
        _ = try m.subscribe("s", queue: nil, now: t0) { "sub\($0)" }.get()
        _ = m.channelInactive(id)
        let step = try #require(m.nextReconnectStep().connectTo)
        guard case .open(let attempt) = m.attemptStarted(try ServerURL(parsing: step.url), waiter: "H2") else {
            Issue.record("no attempt")
            return
        }
        _ = m.channelActive(attempt, link: "L2")
        _ = m.received(.info(serverInfo()), on: attempt, now: t0)
        let closing = m.closeRequested()
        let teardown = try #require(closing)
        #expect(teardown.link == "L2" && teardown.handshake == "H2" && teardown.subscribers == ["sub2"])
        let secondClose = m.closeRequested()
        #expect(secondClose == nil, "teardown once: .closed is emitted once")
        #expect(m.received(.pong, on: attempt, now: t0).kind == "none", "no live link after close")
        #expect(m.nextReconnectStep().isStop)
        guard case .fail(_, .connectionClosed) = m.attemptStarted(try ServerURL(parsing: url), waiter: "H3") else {
            Issue.record("no attempt may start after close")
            return
        }
        #expect(m.channelInactive(attempt).kind == "none")
    }

    @Test("after maxReconnectAttempts rounds the connection gives up: subscriptions end with connectionClosed")
    func givesUp() throws {
        var m = makeMachine(try machineOptions(url, "nats://127.0.0.1:4223") { $0.maxReconnectAttempts = 2 })
        let (id, _) = try handshake(&m, url, link: "L1")
        _ = try m.subscribe("s", queue: nil, now: t0) { "sub\($0)" }.get()
        _ = m.requestStarted(m.nextRequestToken(), subject: "svc", deadline: t0 + .seconds(9), waiter: "R1")
        _ = m.channelInactive(id)
        var tried: [(String, Duration)] = []
        while let step = m.nextReconnectStep().connectTo {
            tried.append((step.url, step.after))
            guard case .open(let attempt) = m.attemptStarted(try ServerURL(parsing: step.url), waiter: "H") else {
                Issue.record("no attempt")
                return
            }
            _ = m.connectFailed(attempt, error: NATSError.timeout(what: "x"))
            if tried.count > 10 { break }
        }
        // The one that was live goes last in each round; the second round after a back-off.
        #expect(tried.map(\.0) == ["nats://127.0.0.1:4223", url, "nats://127.0.0.1:4223", url])
        #expect(tried.map(\.1) == [.zero, .zero, .milliseconds(100), .zero])
        #expect(m.isClosed)
        #expect(m.nextReconnectStep().isStop)

        var none = makeMachine(try machineOptions(url) { $0.maxReconnectAttempts = 0 })
        let (id2, _) = try handshake(&none, url, link: "L1")
        _ = try none.subscribe("s", queue: nil, now: t0) { "sub\($0)" }.get()
        _ = none.requestStarted(none.nextRequestToken(), subject: "svc", deadline: t0 + .seconds(9), waiter: "R1")
        _ = none.channelInactive(id2)
        let teardown = try #require(none.nextReconnectStep().teardown, "no reconnect allowed: give up at once")
        #expect(teardown.subscribers == ["sub2"] && teardown.requests == ["R1"])
        #expect(teardown.subscriptionError == .connectionClosed && teardown.error == .connectionClosed)
        let secondClose = none.closeRequested()
        #expect(secondClose == nil, "close() afterwards adds nothing")
    }

    @Test("back-off doubles from 100 ms per failed round up to reconnectWait")
    func backoff() throws {
        let m = makeMachine(try machineOptions(url) { $0.reconnectWait = .seconds(2) })
        #expect((1...7).map { m.backoff(afterRounds: $0) }
            == [100, 200, 400, 800, 1600, 2000, 2000].map { Duration.milliseconds($0) })
    }

    @Test("announced servers join the reconnect rounds")
    func discoveredServers() throws {
        var m = makeMachine(try machineOptions(url))
        let (id, _) = try handshake(&m, url, link: "L1", info: serverInfo(connectURLs: ["10.0.0.7:4222"]))
        #expect(m.pool.servers.map(\.description) == [url, "nats://10.0.0.7:4222"])
        _ = m.channelInactive(id)
        #expect(m.nextReconnectStep().connectTo?.url == "nats://10.0.0.7:4222")
    }
}
