import NATSWire
import NIOCore
import Testing
@testable import NATSClient

/// The connection's state machine driven by events alone: no socket, no clock, no sleep.
@Suite("Connection state machine: handshake and close")
struct ConnectionHandshakeMachineTests {
    @Test("a plain handshake: CONNECT without TLS or credentials, then live with the inbox subscribed")
    func plainHandshake() throws {
        var m = makeMachine(try machineOptions("nats://127.0.0.1:4222"))
        guard case .open(let id) = m.attemptStarted(try ServerURL(parsing: "nats://127.0.0.1:4222"), waiter: "H1")
        else { Issue.record("no attempt"); return }
        #expect(!m.isLive)
        #expect(m.channelActive(id, link: "L1").kind == "none")
        // The server may PING before its INFO is answered; it is answered at once.
        guard case .sendPong(let pongLink) = m.received(.ping, on: id, now: t0) else {
            Issue.record("PING not answered")
            return
        }
        #expect(pongLink == "L1")
        let hello = try #require(m.received(.info(serverInfo()), on: id, now: t0).connect)
        #expect(hello.link == "L1" && hello.id == id && hello.tlsHost == nil)
        #expect(!hello.options.tlsRequired)
        #expect(hello.options.user == nil && hello.options.password == nil && hello.options.token == nil)
        #expect(hello.options.name == "machine-tests")
        #expect(!m.isLive, "live only once the PONG came")
        let live = try #require(m.received(.pong, on: id, now: t0).goLive)
        #expect(m.isLive)
        #expect(live.link == "L1" && live.waiter == "H1" && live.event == nil, "the first connection is no reconnect")
        #expect(String(buffer: live.replay) == "SUB \(inbox).* 1\r\n")
        #expect(m.info.serverID == "S1")
        #expect(m.lastURL?.port == 4222)
    }

    @Test("TLS when the INFO requires it, the URL says tls://, or TLS options are given")
    func tlsHandshakes() throws {
        // The server requires it.
        var m = makeMachine(try machineOptions("nats://10.0.0.1:4222"))
        guard case .open(let id) = m.attemptStarted(try ServerURL(parsing: "nats://10.0.0.1:4222"), waiter: "H")
        else { Issue.record("no attempt"); return }
        _ = m.channelActive(id, link: "L")
        let required = try #require(m.received(.info(serverInfo(tlsRequired: true)), on: id, now: t0).connect)
        #expect(required.tlsHost == "10.0.0.1" && required.options.tlsRequired)
        let live = try #require(m.received(.pong, on: id, now: t0).goLive)
        #expect(live.link == "L")

        // The URL asks for it.
        var byScheme = makeMachine(try machineOptions("tls://example.test:4443"))
        guard case .open(let id2) = byScheme.attemptStarted(try ServerURL(parsing: "tls://example.test:4443"), waiter: "H")
        else { Issue.record("no attempt"); return }
        _ = byScheme.channelActive(id2, link: "L")
        let scheme = try #require(byScheme.received(.info(serverInfo()), on: id2, now: t0).connect)
        #expect(scheme.tlsHost == "example.test" && scheme.options.tlsRequired)

        // TLS options force it.
        var forced = makeMachine(try machineOptions("nats://10.0.0.2:4222") { $0.tls = TLSOptions(caFile: "/ca.pem") })
        guard case .open(let id3) = forced.attemptStarted(try ServerURL(parsing: "nats://10.0.0.2:4222"), waiter: "H")
        else { Issue.record("no attempt"); return }
        _ = forced.channelActive(id3, link: "L")
        #expect(try #require(forced.received(.info(serverInfo()), on: id3, now: t0).connect).tlsHost == "10.0.0.2")
    }

    @Test("CONNECT carries user and password, a token, or a URL's credentials; the trace masks each")
    func credentials() throws {
        func hello(_ url: String, _ configure: (inout ClientOptions) -> Void = { _ in }) throws -> ConnectOptions {
            var m = makeMachine(try machineOptions(url, configure: configure))
            guard case .open(let id) = m.attemptStarted(try ServerURL(parsing: url), waiter: "H") else {
                throw TestFailure("no attempt")
            }
            _ = m.channelActive(id, link: "L")
            return try #require(m.received(.info(serverInfo()), on: id, now: t0).connect).options
        }
        let userPass = try hello("nats://127.0.0.1:4222") { $0.user = "alice"; $0.password = "s3cret-pw" }
        #expect(userPass.user == "alice" && userPass.password == "s3cret-pw" && userPass.token == nil)
        let token = try hello("nats://127.0.0.1:4222") { $0.token = "t0ken-value" }
        #expect(token.token == "t0ken-value" && token.user == nil)
        let inURL = try hello("nats://bob:url-pw@127.0.0.1:4222") { $0.user = "alice"; $0.password = "other" }
        #expect(inURL.user == "bob" && inURL.password == "url-pw", "the URL's credentials win")
        let urlToken = try hello("nats://url-token@127.0.0.1:4222")
        #expect(urlToken.token == "url-token" && urlToken.user == nil && urlToken.password == nil)

        for (options, secrets) in [(userPass, ["alice", "s3cret-pw"]), (token, ["t0ken-value"]),
                                   (inURL, ["bob", "url-pw"]), (urlToken, ["url-token"])] {
            let line = ProtocolTrace.connect(options)
            #expect(line.contains(ProtocolTrace.redacted), "\(line)")
            for secret in secrets { #expect(!line.contains(secret), "\(secret) in \(line)") }
            // The rest of CONNECT is shown as sent.
            #expect(line.contains("\"name\":\"machine-tests\"") && line.contains("\"headers\":true"))
        }
        #expect(!ProtocolTrace.connect(ConnectOptions()).contains(ProtocolTrace.redacted), "nothing to mask")
    }

    @Test("-ERR during the handshake ends the attempt with the server's text and closes the link")
    func errorDuringHandshake() throws {
        var m = makeMachine(try machineOptions("nats://127.0.0.1:4222"))
        guard case .open(let id) = m.attemptStarted(try ServerURL(parsing: "nats://127.0.0.1:4222"), waiter: "H1")
        else { Issue.record("no attempt"); return }
        _ = m.channelActive(id, link: "L1")
        _ = m.received(.info(serverInfo()), on: id, now: t0)
        let end = try #require(m.received(.err(ServerError("Authorization Violation")), on: id, now: t0).finished)
        #expect(end.waiter == "H1" && end.close == "L1")
        #expect(end.error as? NATSError == .server(ServerError("Authorization Violation")))
        #expect(NATSConnection.authorizationRefusal(try #require(end.error))?.text == "Authorization Violation")
        #expect(NATSConnection.authorizationRefusal(NATSError.server(ServerError("Maximum Connections Exceeded"))) == nil)
        // The link is no longer followed: a late PONG changes nothing, and a next attempt may start.
        #expect(m.received(.pong, on: id, now: t0).kind == "none")
        #expect(!m.isLive)
        guard case .open = m.attemptStarted(try ServerURL(parsing: "nats://127.0.0.1:4223"), waiter: "H2") else {
            Issue.record("the next server could not be tried")
            return
        }
    }

    @Test("a connect timeout names the step it waited for; a link that comes up too late is closed")
    func handshakeTimeouts() throws {
        var m = makeMachine(try machineOptions("nats://127.0.0.1:4222"))
        let url = try ServerURL(parsing: "nats://127.0.0.1:4222")
        guard case .open(let first) = m.attemptStarted(url, waiter: "H1") else { Issue.record("no attempt"); return }
        let noInfo = try #require(m.handshakeTimedOut(first).finished)
        #expect(noInfo.error as? NATSError == .timeout(what: "the server's INFO") && noInfo.close == nil)
        guard case .closeLink(let late) = m.channelActive(first, link: "late") else {
            Issue.record("a link after the timeout must be closed")
            return
        }
        #expect(late == "late")
        #expect(m.handshakeTimedOut(first).kind == "none", "once")

        guard case .open(let second) = m.attemptStarted(url, waiter: "H2") else { Issue.record("no attempt"); return }
        _ = m.channelActive(second, link: "L2")
        _ = m.received(.info(serverInfo()), on: second, now: t0)
        let noPong = try #require(m.handshakeTimedOut(second).finished)
        #expect(noPong.error as? NATSError == .timeout(what: "the server's handshake") && noPong.close == "L2")

        guard case .open(let third) = m.attemptStarted(url, waiter: "H3") else { Issue.record("no attempt"); return }
        let refused = try #require(m.connectFailed(third, error: NATSError.tls("x")).finished)
        #expect(refused.waiter == "H3" && refused.close == nil && refused.error as? NATSError == .tls("x"))

        guard case .open(let fourth) = m.attemptStarted(url, waiter: "H4") else { Issue.record("no attempt"); return }
        _ = m.channelActive(fourth, link: "L4")
        let hungUp = try #require(m.channelInactive(fourth).finished)
        #expect(hungUp.waiter == "H4" && hungUp.error as? NATSError == .connectionClosed)

        guard case .open(let fifth) = m.attemptStarted(url, waiter: "H5") else { Issue.record("no attempt"); return }
        _ = m.channelActive(fifth, link: "L5")
        let tlsFailed = try #require(m.linkFailed(fifth, error: NATSError.tls("bad certificate")).finished)
        #expect(tlsFailed.close == "L5" && tlsFailed.error as? NATSError == .tls("bad certificate"))
    }

    @Test("close while the first handshake is under way: the attempt fails, its link closes, a late PONG is ignored")
    func closeWhileHandshaking() throws {
        var m = makeMachine(try machineOptions("nats://127.0.0.1:4222"))
        guard case .open(let id) = m.attemptStarted(try ServerURL(parsing: "nats://127.0.0.1:4222"), waiter: "H1")
        else { Issue.record("no attempt"); return }
        _ = m.channelActive(id, link: "L1")
        _ = m.received(.info(serverInfo()), on: id, now: t0)
        let closing = m.closeRequested()
        let teardown = try #require(closing)
        #expect(teardown.link == "L1" && teardown.handshake == "H1" && teardown.error == .connectionClosed)
        let secondClose = m.closeRequested()
        #expect(secondClose == nil, "teardown once")
        #expect(m.received(.pong, on: id, now: t0).kind == "none")
        #expect(!m.isLive && m.isClosed)
        #expect(m.channelInactive(id).kind == "none")
    }

    @Test("close on a live link hands out the link, requests, flushes and subscriptions once; later calls fail")
    func closeWhileLive() throws {
        var m = makeMachine(try machineOptions("nats://127.0.0.1:4222"))
        let (id, _) = try handshake(&m, "nats://127.0.0.1:4222", link: "L1")
        _ = try m.subscribe("a", queue: nil, now: t0) { "sub\($0)" }.get()
        let token = m.nextRequestToken()
        let registered = m.requestStarted(token, subject: "svc", deadline: t0 + .seconds(5), waiter: "R1")
        #expect(registered == nil)
        _ = m.write(checkingLimit: true, publishBody("svc", ""))
        // The SUB scheduled the flush already; the PING joins it.
        #expect(m.flushRequested(waiter: "F1", deadline: t0 + .seconds(5)).kind == "buffered")
        let queued = m.flushDue(id)
        #expect(queued.map { String(buffer: $0) } == "SUB a 2\r\nPUB svc 0\r\n\r\nPING\r\n")
        let closing = m.closeRequested()
        let teardown = try #require(closing)
        #expect(teardown.link == "L1" && teardown.handshake == nil)
        #expect(teardown.requests == ["R1"] && teardown.pongs == ["F1"] && teardown.subscribers == ["sub2"])
        #expect(teardown.subscriptionError == nil, "close ends subscriptions quietly")
        let secondClose = m.closeRequested()
        #expect(secondClose == nil)
        #expect(m.write(checkingLimit: true, publishBody("x", "y")).kind == "fail(\(NATSError.connectionClosed))")
        let afterClose = m.requestStarted("t", subject: "svc", deadline: t0, waiter: "R2")
        #expect(afterClose == .connectionClosed)
        #expect(m.flushRequested(waiter: "F2", deadline: t0).kind == "fail(\(NATSError.connectionClosed))")
        guard case .failure(.connectionClosed) = m.subscribe("b", queue: nil, now: t0, make: { "sub\($0)" }) else {
            Issue.record("subscribe after close must fail")
            return
        }
        #expect(m.nextReconnectStep().isStop)
    }

    @Test("messages reach their subscriber (activity noted) or their request; unknown ones are dropped")
    func delivery() throws {
        var m = makeMachine(try machineOptions("nats://127.0.0.1:4222"))
        let (id, _) = try handshake(&m, "nats://127.0.0.1:4222", link: "L1")
        let (sub, _) = try m.subscribe("events.>", queue: nil, now: t0) { "sub\($0)" }.get()
        let later = t0 + .seconds(3)
        let event = InboundMessage(subject: "events.a", sid: 2, payload: ByteBuffer(string: "e"))
        guard case .deliver(let to, let msg) = m.received(.message(event), on: id, now: later) else {
            Issue.record("not delivered")
            return
        }
        #expect(to == sub && msg == event)
        #expect(m.lastActivity(sid: 2) == later)
        let token = m.nextRequestToken()
        _ = m.requestStarted(token, subject: "svc", deadline: t0 + .seconds(5), waiter: "R1")
        let reply = InboundMessage(subject: "\(inbox).\(token)", sid: 1, payload: ByteBuffer(string: "r"))
        guard case .succeedRequest(let waiter, _) = m.received(.message(reply), on: id, now: t0) else {
            Issue.record("reply not matched")
            return
        }
        #expect(waiter == "R1")
        #expect(m.received(.message(reply), on: id, now: t0).kind == "none", "a second reply finds nobody")
        let stray = InboundMessage(subject: "x", sid: 99, payload: ByteBuffer())
        #expect(m.received(.message(stray), on: id, now: t0).kind == "none")
        #expect(m.received(.message(event), on: id + 7, now: t0).kind == "none", "not from a link it follows")
        guard case .emit(.lameDuck("n1")) = m.received(.info(serverInfo(ldm: true)), on: id, now: t0) else {
            Issue.record("lame duck mode not reported")
            return
        }
        guard case .emit(.serverError(let reported)) = m.received(.err(ServerError("Permissions Violation")), on: id, now: t0),
              reported.text == "Permissions Violation"
        else { Issue.record("-ERR on a live link not reported"); return }
    }

    @Test("a reply's token is what follows the inbox and a dot, byte for byte")
    func replyTokens() {
        #expect(Machine.replyToken("_INBOX.test.17", inbox: "_INBOX.test") == "17")
        #expect(Machine.replyToken("_INBOX.test.tök.1", inbox: "_INBOX.test") == "tök.1")
        #expect(Machine.replyToken("_INBOX.test", inbox: "_INBOX.test") == nil)
        #expect(Machine.replyToken("_INBOX.test.", inbox: "_INBOX.test") == "")
        #expect(Machine.replyToken("_INBOX.testX17", inbox: "_INBOX.test") == nil)
        #expect(Machine.replyToken("_INBOX.other.17", inbox: "_INBOX.test") == nil)
        #expect(Machine.replyToken("x", inbox: "_INBOX.test") == nil)
    }

    @Test("writes on a live link schedule one flush until it ran; the flush takes everything queued")
    func coalescedWrites() throws {
        var m = makeMachine(try machineOptions("nats://127.0.0.1:4222"))
        let (id, _) = try handshake(&m, "nats://127.0.0.1:4222", link: "L1")
        #expect(m.write(checkingLimit: true, publishBody("a", "1")).kind == "scheduleFlush(L1, \(id))")
        #expect(m.write(checkingLimit: true, publishBody("b", "22")).kind == "buffered")
        #expect(m.holdsWrites)
        let flushed = m.flushDue(id)
        let out = try #require(flushed)
        #expect(String(buffer: out) == "PUB a 1\r\n1\r\nPUB b 2\r\n22\r\n")
        #expect(!m.holdsWrites)
        let leftover = m.flushDue(id)
        #expect(leftover == nil, "nothing left")
        #expect(m.write(checkingLimit: true, publishBody("c", "3")).kind == "scheduleFlush(L1, \(id))")
        let otherLink = m.flushDue(id + 1)
        #expect(otherLink == nil, "a flush for another link writes nothing")
    }
}

@Suite("Protocol trace lines")
struct ProtocolTraceTests {
    @Test("one line per op, with sizes and never payloads")
    func lines() {
        let payload = ByteBuffer(string: "payload-text")
        #expect(ProtocolTrace.publish("a.b", replyTo: nil, headers: nil, payload: payload) == ">>> PUB a.b 12")
        var headers = NATSHeaders()
        headers.append("X-One", "1")
        let hpub = ProtocolTrace.publish("a.b", replyTo: "r.1", headers: headers, payload: payload)
        #expect(hpub == ">>> HPUB a.b r.1 \(headers.encodedLength) \(headers.encodedLength + 12)")
        let msg = InboundMessage(subject: "s", sid: 3, replyTo: "r", payload: payload)
        #expect(ProtocolTrace.received(.message(msg)) == "<<< MSG s 3 r 12")
        let status = NATSHeaders(status: 503)
        let noResponders = InboundMessage(subject: "_INBOX.x.1", sid: 1, headers: status, payload: ByteBuffer())
        #expect(ProtocolTrace.received(.message(noResponders))
            == "<<< HMSG _INBOX.x.1 1 \(status.encodedLength) \(status.encodedLength) (status 503)")
        #expect(ProtocolTrace.received(.err(ServerError("Authorization Violation"))) == "<<< -ERR 'Authorization Violation'")
        #expect(ProtocolTrace.received(.pong) == "<<< PONG" && ProtocolTrace.received(.ok) == "<<< +OK")
        #expect(ProtocolTrace.subscribe("q.>", queue: "workers", sid: 4) == ">>> SUB q.> workers 4")
        for line in [hpub, ProtocolTrace.received(.message(msg))] { #expect(!line.contains("payload-text")) }
    }
}
