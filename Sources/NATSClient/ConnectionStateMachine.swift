import NATSWire
import NIOCore

/// The NATS connection as a value: a state and the bookkeeping that outlives a link (pending
/// requests, flush waiters, subscriptions to replay, the writes buffered while away). Each
/// method is an event — a link became active, an op arrived, a timer fired, a write or a close
/// was asked for — and returns what the executor (`NATSConnection`) must do. It holds no
/// channel it acts on, runs no side effect and reads no clock: times come with the events.
///
/// Transitions (docs/architecture.md draws them):
/// - connecting → live on the handshake's PONG (`connect()` throws when every URL failed);
/// - live → reconnecting when the link is lost or keep-alive PINGs go unanswered;
/// - reconnecting → live on a PONG; a failed attempt moves on to the next URL, or to a new
///   round after a back-off;
/// - live or reconnecting → closed on `close()`; reconnecting → closed once
///   `maxReconnectAttempts` rounds failed.
struct ConnectionStateMachine<Peers: ConnectionPeers>: Sendable {
    /// The shared request inbox always uses this sid.
    static var inboxSid: UInt64 { 1 }

    enum State {
        /// `connect()` is making its first attempts; the attempt under way, if any.
        case connecting(Attempt?)
        case live(Live)
        /// The live link was lost; attempts go over the pool while writes pile up in
        /// `outbound` (up to `reconnectBufferSize`).
        case reconnecting(Reconnecting)
        case closed
    }

    struct Attempt {
        var id: LinkID
        var url: ServerURL
        var phase: Phase
        /// Set once the TCP connection is up.
        var link: Peers.Link?
        var waiter: Peers.Handshake
    }

    enum Phase {
        case opening
        case awaitingInfo
        /// CONNECT and PING went out; `info` was read before any TLS handshake.
        case awaitingPong(ServerInfo, overTLS: Bool)
    }

    struct Live {
        var id: LinkID
        var link: Peers.Link
        var url: ServerURL
        /// INFOs arriving on a TLS link are authenticated (see `ServerPool.add`).
        var overTLS: Bool
    }

    struct Reconnecting {
        /// The URL being tried, or tried last (first: the one that was live).
        var target: ServerURL
        var round: [ServerURL] = []
        var next = 0
        /// Whole rounds over the pool that failed.
        var rounds = 0
        /// Attempts made since the link was lost.
        var tries = 0
        var attempt: Attempt?
    }

    let options: ClientOptions
    let inboxPrefix: String
    /// Changed only by the events (this file and its extensions).
    var state: State = .connecting(nil)
    private(set) var pool: ServerPool
    /// The INFO of the server connected to last.
    private(set) var info = ServerInfo()
    /// The URL connected to last.
    private(set) var lastURL: ServerURL?

    // While live only: kept out of `Live` so the hot paths never copy the state.
    var liveID: LinkID = 0
    /// PING ids (0: keep-alive) that went out on the live link, in wire order, so each PONG
    /// completes the flush it answers; `queuedPings` still sit in `outbound`.
    var sentPings: [UInt64] = []
    var pingsOutstanding = 0
    var flushScheduled = false

    let allocator = ByteBufferAllocator()
    var outbound: ByteBuffer
    var queuedPings: [UInt64] = []
    var nextPingID: UInt64 = 0
    var pongWaiters: [PongRecord] = []
    var subscriptions: [UInt64: SubscriptionRecord] = [:]
    var nextSid: UInt64
    var requests: [String: RequestRecord] = [:]
    /// Set when the server refused the SUB of the request inbox: every request fails with it
    /// at once, until a new link subscribes the inbox again.
    var inboxRefusal: NATSError?
    var nextToken: UInt64 = 0
    /// When the request sweeper will next run, if armed.
    var sweepAt: NIODeadline?
    private var nextLinkID: LinkID = 0

    init(options: ClientOptions, inboxPrefix: String) {
        self.options = options
        self.inboxPrefix = inboxPrefix
        self.pool = ServerPool(options.servers)
        self.outbound = allocator.buffer(capacity: 16 * 1024)
        self.nextSid = Self.inboxSid
    }

    var isLive: Bool { liveID != 0 }
    var isClosed: Bool { if case .closed = state { true } else { false } }

    /// Some write has not been handed to a link yet: queued for the live link's next flush,
    /// or kept for the replay after a reconnect.
    var holdsWrites: Bool { outbound.readableBytes > 0 || (isLive && flushScheduled) }

    /// The error of a request or flush that gives up now: `notConnected` while reconnecting.
    var notConnectedError: NATSError? {
        guard case .reconnecting(let r) = state else { return nil }
        return .notConnected(reconnectingTo: r.target.description, attempts: r.tries)
    }

    // MARK: Attempts

    enum AttemptStart {
        case open(LinkID)
        /// No attempt may start (closed, or one is under way); resume the waiter with the error.
        case fail(Peers.Handshake, NATSError)
    }

    /// `connect()` or the reconnect loop starts an attempt on `url`.
    mutating func attemptStarted(_ url: ServerURL, waiter: Peers.Handshake) -> AttemptStart {
        nextLinkID += 1
        let attempt = Attempt(id: nextLinkID, url: url, phase: .opening, waiter: waiter)
        switch state {
        case .connecting(nil):
            state = .connecting(attempt)
        case .reconnecting(var r) where r.attempt == nil:
            r.attempt = attempt
            r.target = url
            r.tries += 1
            state = .reconnecting(r)
        case .connecting, .reconnecting, .live, .closed:
            return .fail(waiter, .connectionClosed)
        }
        return .open(attempt.id)
    }

    /// The TCP connection of attempt `id` is up.
    mutating func channelActive(_ id: LinkID, link: Peers.Link) -> Action {
        let adopted = updateAttempt(id) { a in
            guard case .opening = a.phase else { return false }
            a.link = link
            a.phase = .awaitingInfo
            return true
        }
        // Too late (timed out, closed): nobody wants this link.
        return adopted == true ? .none : .closeLink(link)
    }

    /// The TCP connection of attempt `id` could not be made.
    mutating func connectFailed(_ id: LinkID, error: any Error) -> Action {
        guard let a = takeAttempt(id) else { return .none }
        return .finishAttempt(a.waiter, .failure(error), close: a.link)
    }

    /// The connect timeout of attempt `id` passed.
    mutating func handshakeTimedOut(_ id: LinkID) -> Action {
        guard let a = takeAttempt(id) else { return .none }
        let what = if case .awaitingPong = a.phase { "the server's handshake" } else { "the server's INFO" }
        return .finishAttempt(a.waiter, .failure(NATSError.timeout(what: what)), close: a.link)
    }

    /// An error on link `id` (a TLS failure, a protocol error, a reset): it ends an attempt;
    /// a live link is closed and the loss handled by `channelInactive`.
    mutating func linkFailed(_ id: LinkID, error: any Error) -> Action {
        if let a = takeAttempt(id) { return .finishAttempt(a.waiter, .failure(error), close: a.link) }
        if case .live(let live) = state, live.id == id { return .closeLink(live.link) }
        return .none
    }

    /// Link `id` closed.
    mutating func channelInactive(_ id: LinkID) -> Action {
        if let a = takeAttempt(id) {
            return .finishAttempt(a.waiter, .failure(NATSError.connectionClosed), close: nil)
        }
        guard case .live(let live) = state, live.id == id else { return .none }
        liveID = 0
        // PINGs that went out on this link get no PONG; those still buffered are sent after the
        // reconnect and keep their waiters.
        let lost = Set(sentPings)
        var lostPongs: [Peers.Pong] = []
        pongWaiters.removeAll { record in
            guard lost.contains(record.id) else { return false }
            lostPongs.append(record.waiter)
            return true
        }
        sentPings = []
        pingsOutstanding = 0
        flushScheduled = false
        state = .reconnecting(Reconnecting(target: live.url))
        return .startReconnecting(lostPongs: lostPongs, event: .disconnected(live.url.description))
    }

    /// The token of a reply subject `<inbox>.<token>`, or nil for another subject. Compared and
    /// cut as bytes, as subjects travel: `count` and `dropFirst` on the `String` walked its
    /// characters, ~2,500 instructions per reply.
    static func replyToken(_ subject: String, inbox: String) -> String? {
        let bytes = subject.utf8, prefix = inbox.utf8
        guard bytes.count > prefix.count, bytes.starts(with: prefix) else { return nil }
        let dot = bytes.index(bytes.startIndex, offsetBy: prefix.count)
        guard bytes[dot] == UInt8(ascii: ".") else { return nil }
        return String(Substring(bytes[bytes.index(after: dot)...]))
    }

    /// An op arrived on link `id` at `now`.
    mutating func received(_ op: ServerOp, on id: LinkID, now: NIODeadline) -> Action {
        guard id == liveID else { return handshakeReceived(op, on: id) }
        switch op {
        case .message(let msg):
            if msg.sid == Self.inboxSid, let token = Self.replyToken(msg.subject, inbox: inboxPrefix) {
                guard let request = requests.removeValue(forKey: token) else { return .none }
                return .succeedRequest(request.waiter, msg)
            }
            guard let subscriber = subscriptions[msg.sid]?.subscriber else { return .none }
            subscriptions[msg.sid]?.lastActivity = now
            return .deliver(subscriber, msg)
        case .pong:
            pingsOutstanding = 0
            guard !sentPings.isEmpty else { return .none }
            let pingID = sentPings.removeFirst()
            guard pingID != 0, let i = pongWaiters.firstIndex(where: { $0.id == pingID }) else { return .none }
            return .succeedPong(pongWaiters.remove(at: i).waiter)
        case .ping:
            guard case .live(let live) = state else { return .none }
            return .sendPong(live.link)
        case .info(let info):
            guard case .live(let live) = state else { return .none }
            self.info = info
            // A live link's INFO came over the link itself, TLS included.
            if options.useDiscoveredServers { pool.add(discovered: info.connectURLs, overTLS: live.overTLS) }
            return info.lameDuckMode ? .emit(.lameDuck(info.serverName)) : .none
        case .err(let error):
            return serverErrorReceived(error)
        case .ok:
            return .none
        }
    }

    private mutating func handshakeReceived(_ op: ServerOp, on id: LinkID) -> Action {
        guard let a = attempt(id), let link = a.link else { return .none }
        switch (op, a.phase) {
        case (.ping, _):
            return .sendPong(link)
        case (.info(let info), .awaitingInfo):
            let tls = a.url.scheme == "tls" || options.tls != nil || info.tlsRequired
            let connect: ConnectOptions
            do {
                connect = try connectOptions(for: a.url, tls: tls, nonce: info.nonce)
            } catch {
                _ = takeAttempt(id)
                return .finishAttempt(a.waiter, .failure(error), close: link)
            }
            _ = updateAttempt(id) { $0.phase = .awaitingPong(info, overTLS: tls); return true }
            return .sendConnect(link, id, connect, tlsHost: tls ? a.url.host : nil)
        case (.pong, .awaitingPong(let info, let overTLS)):
            return goLive(a, link: link, info: info, overTLS: overTLS)
        case (.err(let text), _):
            _ = takeAttempt(id)
            return .finishAttempt(a.waiter, .failure(NATSError.server(text)), close: link)
        default:
            return .none
        }
    }

    /// The CONNECT for `url`: its credentials, else the options'. A URL with a user and no
    /// password (`nats://secret@host`) carries a token, as in the other NATS clients. With
    /// nkey authentication, `nonce` is signed; an INFO without one gets the signature of no
    /// bytes, as nats.go sends (a server that asks for no signature ignores it).
    /// - Throws: `NATSError.cannotSign` when the signer fails.
    func connectOptions(for url: ServerURL, tls: Bool, nonce: String?) throws(NATSError) -> ConnectOptions {
        var connect = ConnectOptions()
        connect.name = options.name
        connect.tlsRequired = tls
        if let user = url.user, url.password == nil {
            connect.token = user
        } else {
            connect.user = url.user ?? options.user
            connect.password = url.password ?? options.password
            connect.token = options.token
        }
        if let auth = options.nkeyAuthentication {
            switch auth.identity {
            case .nkey(let publicKey): connect.nkey = publicKey
            case .jwt(let jwt): connect.jwt = jwt
            }
            do {
                connect.sig = try auth.sign(Array((nonce ?? "").utf8))
            } catch {
                throw .cannotSign("\(error)")
            }
        }
        return connect
    }

    /// Adopts the link, then replays the inbox, the subscriptions and the buffered writes.
    /// `info` is the INFO read before any TLS handshake: on a TLS link it is unauthenticated,
    /// so it may not announce new hosts (see `ServerPool.add`).
    private mutating func goLive(_ a: Attempt, link: Peers.Link, info: ServerInfo, overTLS: Bool) -> Action {
        let reconnected = if case .reconnecting = state { true } else { false }
        self.info = info
        lastURL = a.url
        if options.useDiscoveredServers {
            pool.add(discovered: info.connectURLs, overTLS: overTLS, authenticated: !overTLS)
        }
        var replay = allocator.buffer(capacity: 1024 + outbound.readableBytes)
        ClientOp.subscribe(subject: inboxPrefix + ".*", sid: Self.inboxSid, into: &replay)
        for (sid, sub) in subscriptions.sorted(by: { $0.key < $1.key }) {
            ClientOp.subscribe(subject: sub.subject, queue: sub.queue, sid: sid, into: &replay)
        }
        replay.writeBuffer(&outbound)
        outbound.clear()
        inboxRefusal = nil
        sentPings = queuedPings
        queuedPings = []
        pingsOutstanding = 0
        flushScheduled = false
        liveID = a.id
        state = .live(Live(id: a.id, link: link, url: a.url, overTLS: overTLS))
        return .goLive(GoLive(link: link, id: a.id, url: a.url, replay: replay, resubscribed: subscriptions.count,
                              waiter: a.waiter, event: reconnected ? .reconnected(a.url.description) : nil,
                              pingInterval: options.pingInterval))
    }

    // MARK: Attempt bookkeeping

    private func attempt(_ id: LinkID) -> Attempt? {
        switch state {
        case .connecting(let a?) where a.id == id: a
        case .reconnecting(let r) where r.attempt?.id == id: r.attempt
        default: nil
        }
    }

    /// Runs `body` on attempt `id`; nil when it is not the one under way.
    private mutating func updateAttempt(_ id: LinkID, _ body: (inout Attempt) -> Bool) -> Bool? {
        switch state {
        case .connecting(var a?) where a.id == id:
            defer { state = .connecting(a) }
            return body(&a)
        case .reconnecting(var r) where r.attempt?.id == id:
            defer { state = .reconnecting(r) }
            return body(&r.attempt!)
        default:
            return nil
        }
    }

    private mutating func takeAttempt(_ id: LinkID) -> Attempt? {
        switch state {
        case .connecting(let a?) where a.id == id:
            state = .connecting(nil)
            return a
        case .reconnecting(var r) where r.attempt?.id == id:
            let a = r.attempt
            r.attempt = nil
            state = .reconnecting(r)
            return a
        default:
            return nil
        }
    }
}
