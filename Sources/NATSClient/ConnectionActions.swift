import NATSWire
import NIOCore

/// What the state machine keeps for its executor without looking inside: the link (a NIO
/// channel), the waiters it hands back to be resumed, a subscription's receiving end. The
/// connection uses `ChannelPeers`; the machine's tests use plain values.
protocol ConnectionPeers {
    associatedtype Link: Sendable
    /// Waits for one connection attempt (TCP, TLS and INFO in either order, CONNECT/PONG).
    associatedtype Handshake: Sendable
    /// Waits for the reply to a request.
    associatedtype Reply: Sendable
    /// Waits for the PONG of a flush.
    associatedtype Pong: Sendable
    associatedtype Subscriber: Sendable
}

/// The connection's peers: channels, continuations and `Subscription`s.
///
/// The continuations come in plain structs: the runtime lays out the machine's types from
/// these names when the first connection is made, and a generic name there
/// (`CheckedContinuation<Void, any Error>`) made it check `any Error: Error` by scanning
/// every conformance record, 0.23 M instructions of a cold command.
enum ChannelPeers: ConnectionPeers {
    typealias Link = any Channel
    typealias Handshake = CompletionWaiter
    typealias Reply = ReplyWaiter
    typealias Pong = CompletionWaiter
    typealias Subscriber = Subscription
}

/// A task waiting for something to finish: a connection attempt, a flush's PONG.
struct CompletionWaiter: Sendable {
    let continuation: CheckedContinuation<Void, any Error>

    init(_ continuation: CheckedContinuation<Void, any Error>) { self.continuation = continuation }

    func resume() { continuation.resume() }
    func resume(throwing error: any Error) { continuation.resume(throwing: error) }
    func resume(with result: Result<Void, any Error>) { continuation.resume(with: result) }
}

/// A task waiting for the reply to a request.
struct ReplyWaiter: Sendable {
    let continuation: CheckedContinuation<InboundMessage, any Error>

    init(_ continuation: CheckedContinuation<InboundMessage, any Error>) { self.continuation = continuation }

    func resume(returning message: InboundMessage) { continuation.resume(returning: message) }
    func resume(throwing error: any Error) { continuation.resume(throwing: error) }
}

extension ConnectionStateMachine {
    /// Identifies one connection attempt and, once it is up, its link; events from a link the
    /// machine no longer follows are ignored (or the link is closed).
    typealias LinkID = UInt64

    /// What a link event asks the executor to do.
    enum Action {
        case none
        /// Answer the server's PING at once (not through the outbound buffer).
        case sendPong(Peers.Link)
        /// Close a link nobody follows any more, or whose keep-alive went unanswered.
        case closeLink(Peers.Link)
        /// TLS first: the link is up, add TLS (to `host`) before anything is read.
        case startTLS(Peers.Link, LinkID, host: String)
        /// The INFO arrived: add TLS (to `tlsHost`) when given, then write CONNECT and PING.
        case sendConnect(Peers.Link, LinkID, ConnectOptions, tlsHost: String?)
        /// The attempt ended: close `link` when given, resume `waiter` with `result`.
        case finishAttempt(Peers.Handshake, Result<Void, any Error>, close: Peers.Link?)
        /// Boxed: it is by far the largest payload, and the hot cases (deliver, succeed) stay small.
        indirect case goLive(GoLive)
        /// A message for a subscription (`sid` is the message's).
        case deliver(Peers.Subscriber, InboundMessage)
        case succeedRequest(Peers.Reply, InboundMessage)
        case succeedPong(Peers.Pong)
        case emit(ConnectionEvent)
        /// The live link is gone: fail `lostPongs` (their PINGs went out on it), emit `event`,
        /// and run the reconnect loop (`nextReconnectStep`).
        case startReconnecting(lostPongs: [Peers.Pong], event: ConnectionEvent)
        /// A permissions violation refused what these requests and subscriptions needed: fail
        /// each with `Refusal.error` (the connection stays open).
        indirect case refuse(Refusal)
    }

    /// The work a `Permissions Violation` `-ERR` refused.
    struct Refusal {
        var requests: [Peers.Reply] = []
        /// Their readers get what was buffered, then `error`; those whose SUB was refused are
        /// already forgotten (the server never made them), the others end when their owner
        /// unsubscribes.
        var subscribers: [Peers.Subscriber] = []
        var error: NATSError
    }

    /// The handshake's PONG came: the link is live.
    struct GoLive {
        var link: Peers.Link
        var id: LinkID
        var url: ServerURL
        /// SUB of the inbox, every subscription by sid, then the writes buffered meanwhile.
        var replay: ByteBuffer
        var resubscribed: Int
        var waiter: Peers.Handshake
        /// `.reconnected` after a reconnect; nil for the first connection.
        var event: ConnectionEvent?
        var pingInterval: Duration
    }

    /// The outcome of a write: buffered for a flush already scheduled (or for the reconnect),
    /// a flush to schedule on the live link's loop, or a failure (nothing was written).
    enum WriteAction {
        case buffered
        case scheduleFlush(Peers.Link, LinkID)
        case fail(NATSError)
    }

    /// What the reconnect loop does next.
    enum ReconnectStep {
        /// Try `url` once `after` has passed (the executor may add a little jitter).
        case connect(ServerURL, after: Duration)
        /// Nothing: the connection is live again, or closed.
        case stop
        /// `maxReconnectAttempts` rounds failed: the connection is closed for good.
        case giveUp(Teardown)
    }

    /// What the keep-alive timer of link `id` does.
    enum PingTimerAction {
        /// The link is not live any more: cancel the timer.
        case stop
        /// A keep-alive PING was queued.
        case ping(WriteAction)
        /// More PINGs than `maxPingsOutstanding` went unanswered: close it and reconnect.
        case closeStale(Peers.Link)
    }

    /// Everything a closed connection still holds, to end once: the one place where requests,
    /// flushes and subscriptions fail and `.closed` is emitted.
    struct Teardown {
        var link: Peers.Link?
        var handshake: Peers.Handshake?
        var requests: [Peers.Reply] = []
        var pongs: [Peers.Pong] = []
        var subscribers: [Peers.Subscriber] = []
        /// For requests, flushes and an attempt under way.
        var error: NATSError
        /// Thrown to subscription readers after their buffered messages; nil ends them quietly.
        var subscriptionError: NATSError?
    }

    /// Requests and flushes past their deadline, with the error each fails with.
    struct Sweep {
        var requests: [(Peers.Reply, NATSError)] = []
        var pongs: [(Peers.Pong, NATSError)] = []
        /// When the sweeper must run again, while others wait.
        var next: NIODeadline?
    }

    struct SubscriptionRecord {
        var subject: String
        var queue: String?
        var subscriber: Peers.Subscriber
        var lastActivity: NIODeadline
        /// For a subscription that takes the replies of publishes: whether a publish subject
        /// is one of them, asked only when the server refuses a publish.
        var publishes: (@Sendable (String) -> Bool)? = nil
    }

    struct RequestRecord {
        var waiter: Peers.Reply
        /// The sweeper fails the request past this.
        var deadline: NIODeadline
        var subject: String
    }

    struct PongRecord {
        /// The flush's PING id (0 is reserved for keep-alives, which have no waiter).
        var id: UInt64
        var waiter: Peers.Pong
        var deadline: NIODeadline
    }
}
