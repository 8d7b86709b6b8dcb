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
        /// TLS first (`TLSOptions.handshakeFirst`): TLS was put on the link before anything
        /// was read. The INFO can only come through it, so it also says the handshake is done.
        case tlsHandshake
        case awaitingInfo
        /// CONNECT and PING went out after `info`.
        case awaitingPong(ServerInfo, tls: LinkTLS)
    }

    /// Whether an attempt's link is TLS, and whether its handshake came before the INFO (so
    /// the INFO is authenticated) or after it.
    enum LinkTLS: Equatable {
        case none
        case afterInfo
        case first

        var isOn: Bool { self != .none }
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
    /// True when every attempt, reconnects included, starts TLS before the server's INFO.
    var handshakeFirst: Bool { options.tls?.handshakeFirst == true }
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

    /// The TCP connection of attempt `id` is up: with TLS first, its handshake starts now.
    mutating func channelActive(_ id: LinkID, link: Peers.Link) -> Action {
        let first = handshakeFirst
        var host = ""
        let adopted = updateAttempt(id) { a in
            guard case .opening = a.phase else { return false }
            a.link = link
            a.phase = first ? .tlsHandshake : .awaitingInfo
            host = a.url.host
            return true
        }
        // Too late (timed out, closed): nobody wants this link.
        guard adopted == true else { return .closeLink(link) }
        return first ? .startTLS(link, id, host: host) : .none
    }

    /// The TCP connection of attempt `id` could not be made.
    mutating func connectFailed(_ id: LinkID, error: any Error) -> Action {
        guard let a = takeAttempt(id) else { return .none }
        return .finishAttempt(a.waiter, .failure(error), close: a.link)
    }

    /// The connect timeout of attempt `id` passed.
    mutating func handshakeTimedOut(_ id: LinkID) -> Action {
        guard let a = takeAttempt(id) else { return .none }
        if let error = noInfoBeforeTLS(a) { return .finishAttempt(a.waiter, .failure(error), close: a.link) }
        let what = switch a.phase {
        case .awaitingPong: "the server's handshake"
        case .tlsHandshake: "the TLS handshake and the server's INFO"
        case .opening, .awaitingInfo: "the server's INFO"
        }
        return .finishAttempt(a.waiter, .failure(NATSError.timeout(what: what)), close: a.link)
    }

    /// An error on link `id` (a TLS failure, a protocol error, a reset): it ends an attempt;
    /// a live link is closed and the loss handled by `channelInactive`.
    mutating func linkFailed(_ id: LinkID, error: any Error) -> Action {
        if let a = takeAttempt(id) { return .finishAttempt(a.waiter, .failure(error), close: a.link) }
        if case .live(let live) = state, live.id == id { return .closeLink(live.link) }
        return .none
    }

    /// A client that wants TLS, and whose link ended or timed out before any INFO, may be
    /// talking to a server that waits for the TLS handshake first (and closes the link after
    /// its own TLS timeout): the error says so.
    private func noInfoBeforeTLS(_ a: Attempt) -> NATSError? {
        guard case .awaitingInfo = a.phase, a.url.scheme == "tls" || options.tls != nil else { return nil }
        return .tls("the server sent no INFO; one with handshake_first waits for the TLS handshake first")
    }

    /// Link `id` closed.
    mutating func channelInactive(_ id: LinkID) -> Action {
        if let a = takeAttempt(id) {
            return .finishAttempt(a.waiter, .failure(noInfoBeforeTLS(a) ?? NATSError.connectionClosed), close: nil)
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
        case (.info(let info), .awaitingInfo), (.info(let info), .tlsHandshake):
            let tls: LinkTLS = if case .tlsHandshake = a.phase {
                .first
            } else if a.url.scheme == "tls" || options.tls != nil || info.tlsRequired {
                .afterInfo
            } else {
                .none
            }
            let connect: ConnectOptions
            do {
                connect = try connectOptions(for: a.url, tls: tls.isOn, nonce: info.nonce)
            } catch {
                _ = takeAttempt(id)
                return .finishAttempt(a.waiter, .failure(error), close: link)
            }
            _ = updateAttempt(id) { $0.phase = .awaitingPong(info, tls: tls); return true }
            return .sendConnect(link, id, connect, tlsHost: tls == .afterInfo ? a.url.host : nil)
        case (.pong, .awaitingPong(let info, let tls)):
            return goLive(a, link: link, info: info, tls: tls)
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
    /// `info` is the handshake's INFO: read before a TLS handshake it is unauthenticated, so
    /// it may not announce new hosts (see `ServerPool.add`); with TLS first it came over TLS.
    private mutating func goLive(_ a: Attempt, link: Peers.Link, info: ServerInfo, tls: LinkTLS) -> Action {
        let overTLS = tls.isOn
        let reconnected = if case .reconnecting = state { true } else { false }
        self.info = info
        lastURL = a.url
        if options.useDiscoveredServers {
            pool.add(discovered: info.connectURLs, overTLS: overTLS, authenticated: tls != .afterInfo)
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
