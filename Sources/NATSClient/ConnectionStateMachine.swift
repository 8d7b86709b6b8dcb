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
    var pool: ServerPool
    /// The INFO of the server connected to last.
    var info = ServerInfo()
    /// The URL connected to last.
    var lastURL: ServerURL?

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
    var nextLinkID: LinkID = 0

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
}
