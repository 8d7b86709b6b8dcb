import NATSWire
import NIOCore
import Testing
@testable import NATSClient

/// A permissions violation fails the work it refused at once, matched by subject, as pure
/// events → actions: no socket, no clock.
@Suite("Connection state machine: permissions violations")
struct ConnectionPermissionMachineTests {
    private static func live() throws -> (Machine, UInt64) {
        var m = makeMachine(try machineOptions("nats://127.0.0.1:4222"))
        let (id, _) = try handshake(&m, "nats://127.0.0.1:4222", link: "L1")
        return (m, id)
    }

    private static func err(_ text: String) -> ServerOp { .err(ServerError(text)) }

    @Test("a refused publish fails the requests on that subject only, at once; the link stays live")
    func refusedPublish() throws {
        var (m, id) = try Self.live()
        let locked = m.nextRequestToken(), other = m.nextRequestToken(), twin = m.nextRequestToken()
        #expect(m.requestStarted(locked, subject: "$KV.locked.k", deadline: t0 + .seconds(20), waiter: "R1") == nil)
        #expect(m.requestStarted(other, subject: "$KV.open.k", deadline: t0 + .seconds(20), waiter: "R2") == nil)
        #expect(m.requestStarted(twin, subject: "$KV.locked.k", deadline: t0 + .seconds(20), waiter: "R3") == nil)
        let action = m.received(Self.err(#"Permissions Violation for Publish to "$KV.locked.k""#), on: id, now: t0)
        guard let refusal = action.refusal else { Issue.record("not refused: \(action.kind)"); return }
        #expect(refusal.requests.sorted() == ["R1", "R3"])
        #expect(refusal.subscribers.isEmpty)
        #expect(refusal.error == .permissionDenied(.publish, subject: "$KV.locked.k"))
        #expect(refusal.error.description == #"permission denied: publish to "$KV.locked.k""#)
        #expect(m.isLive)
        // The other request still gets its reply; the refused ones are gone.
        let reply = InboundMessage(subject: "\(inbox).\(other)", sid: 1, payload: ByteBuffer(string: "ok"))
        guard case .succeedRequest("R2", _) = m.received(.message(reply), on: id, now: t0) else {
            Issue.record("the other request lost its reply")
            return
        }
        let late = InboundMessage(subject: "\(inbox).\(locked)", sid: 1, payload: ByteBuffer())
        #expect(m.received(.message(late), on: id, now: t0).kind == "none")
        // A second -ERR for the same subject, with nothing left waiting, is only reported.
        guard case .emit(.serverError) = m.received(Self.err(#"Permissions Violation for Publish to "$KV.locked.k""#),
                                                    on: id, now: t0) else {
            Issue.record("an unmatched violation is not reported")
            return
        }
    }

    @Test("a refused publish ends the reply subscription whose publishes include it, and no other")
    func refusedPipelinedPublish() throws {
        var (m, id) = try Self.live()
        let batch: Set<String> = ["$KV.locked.a", "$KV.locked.b"]
        let (acks, _) = try m.subscribe("_INBOX.acks.*", queue: nil, now: t0, publishes: { batch.contains($0) }) {
            "acks\($0)"
        }.get()
        let (plain, _) = try m.subscribe("$KV.locked.>", queue: nil, now: t0) { "plain\($0)" }.get()
        let action = m.received(Self.err(#"Permissions Violation for Publish to "$KV.locked.b""#), on: id, now: t0)
        #expect(action.refusal?.subscribers == [acks])
        #expect(action.refusal?.requests.isEmpty == true)
        // Still registered: its owner unsubscribes (the server holds the SUB).
        let ack = InboundMessage(subject: "_INBOX.acks.0", sid: 2, payload: ByteBuffer())
        guard case .deliver(let to, _) = m.received(.message(ack), on: id, now: t0) else {
            Issue.record("the reply subscription was dropped")
            return
        }
        #expect(to == acks && plain == "plain3")
        #expect(m.received(Self.err(#"Permissions Violation for Publish to "$KV.locked.z""#), on: id, now: t0).kind == "emit")
    }

    @Test("a refused subscription fails its subscriber and is not replayed after a reconnect")
    func refusedSubscription() throws {
        var (m, id) = try Self.live()
        let (watch, _) = try m.subscribe("_INBOX.deliver", queue: nil, now: t0) { "watch\($0)" }.get()
        let (kept, _) = try m.subscribe("_INBOX.other", queue: nil, now: t0) { "kept\($0)" }.get()
        let token = m.nextRequestToken()
        _ = m.requestStarted(token, subject: "$JS.API.INFO", deadline: t0 + .seconds(5), waiter: "R1")
        let action = m.received(Self.err(#"Permissions Violation for Subscription to "_INBOX.deliver""#), on: id, now: t0)
        #expect(action.refusal?.subscribers == [watch])
        #expect(action.refusal?.requests.isEmpty == true, "the request inbox was not refused")
        #expect(action.refusal?.error == .permissionDenied(.subscribe, subject: "_INBOX.deliver"))
        #expect(m.unsubscribed(2) == nil, "forgotten: the server never made it")
        #expect(m.unsubscribed(3)?.0 == kept)
        // Queue subscriptions are named with their queue after the subject.
        _ = try m.subscribe("jobs", queue: "workers", now: t0) { "q\($0)" }.get()
        #expect(m.received(Self.err(#"Permissions Violation for Subscription to "jobs" using queue "workers""#),
                           on: id, now: t0).refusal?.subscribers == ["q4"])
        // After a reconnect only the inbox comes back.
        _ = m.channelInactive(id)
        _ = m.nextReconnectStep()
        let (_, live) = try handshake(&m, "nats://127.0.0.1:4222", link: "L2")
        #expect(live.resubscribed == 0)
    }

    @Test("a refused request inbox fails every request now and each new one until a new link subscribes it")
    func refusedInbox() throws {
        var (m, id) = try Self.live()
        let a = m.nextRequestToken(), b = m.nextRequestToken()
        _ = m.requestStarted(a, subject: "$JS.API.INFO", deadline: t0 + .seconds(5), waiter: "R1")
        _ = m.requestStarted(b, subject: "$JS.API.STREAM.INFO.KV_b", deadline: t0 + .seconds(5), waiter: "R2")
        let action = m.received(Self.err(#"Permissions Violation for Subscription to "\#(inbox).*""#), on: id, now: t0)
        #expect(action.refusal?.requests.sorted() == ["R1", "R2"])
        let refused = NATSError.permissionDenied(.subscribe, subject: "\(inbox).*")
        #expect(action.refusal?.error == refused)
        let c = m.nextRequestToken()
        #expect(m.requestStarted(c, subject: "x", deadline: t0 + .seconds(5), waiter: "R3") == refused)
        _ = m.channelInactive(id)
        _ = m.nextReconnectStep()
        try handshake(&m, "nats://127.0.0.1:4222", link: "L2")
        let d = m.nextRequestToken()
        #expect(m.requestStarted(d, subject: "x", deadline: t0 + .seconds(5), waiter: "R4") == nil)
    }

    @Test("a refused reply subject fails the request that used it, and a reply subscription it is under")
    func refusedReply() throws {
        var (m, id) = try Self.live()
        let a = m.nextRequestToken(), b = m.nextRequestToken()
        _ = m.requestStarted(a, subject: "svc", deadline: t0 + .seconds(5), waiter: "R1")
        _ = m.requestStarted(b, subject: "svc", deadline: t0 + .seconds(5), waiter: "R2")
        let action = m.received(Self.err(#"Permissions Violation for Publish with Reply of "\#(inbox).\#(b)""#),
                                on: id, now: t0)
        #expect(action.refusal?.requests == ["R2"])
        #expect(action.refusal?.error.description == #"permission denied: publish with reply subject "\#(inbox).\#(b)""#)
        let (acks, _) = try m.subscribe("_INBOX.p.*", queue: nil, now: t0, publishes: { _ in false }) { "acks\($0)" }.get()
        #expect(m.received(Self.err(#"Permissions Violation for Publish with Reply of "_INBOX.p.17""#), on: id, now: t0)
            .refusal?.subscribers == [acks])
        #expect(m.received(Self.err(#"Permissions Violation for Publish with Reply of "_INBOX.p.17.x""#), on: id, now: t0)
            .kind == "emit", "not one token under it")
        #expect(Machine.isReply("_INBOX.p.1", of: "_INBOX.p.*") && !Machine.isReply("_INBOX.q.1", of: "_INBOX.p.*"))
        #expect(!Machine.isReply("_INBOX.p.", of: "_INBOX.p.*") && !Machine.isReply("_INBOX.p.1", of: "_INBOX.p.>"))
    }

    @Test("other -ERRs, and violations that name no subject, are reported as before")
    func otherErrors() throws {
        var (m, id) = try Self.live()
        let token = m.nextRequestToken()
        _ = m.requestStarted(token, subject: "svc", deadline: t0 + .seconds(5), waiter: "R1")
        for text in ["Permissions Violation", "Maximum Payload Violation", "Permissions Violation for Publish to svc"] {
            guard case .emit(.serverError(let e)) = m.received(Self.err(text), on: id, now: t0), e.text == text else {
                Issue.record("\(text) not reported")
                continue
            }
        }
    }
}
