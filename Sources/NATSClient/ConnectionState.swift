import NATSWire
import NIOCore

/// Everything about a connection that changes, guarded by one lock.
struct ConnectionState {
    /// The shared request inbox always uses this sid.
    static let inboxSid: UInt64 = 1

    var channel: (any Channel)?
    var info = ServerInfo()
    var connectedURL: ServerURL?
    /// The live channel runs TLS, so INFOs arriving on it are authenticated.
    var overTLS = false
    var closed = false
    var reconnecting = false
    var pending = ByteBufferAllocator().buffer(capacity: 16 * 1024)
    var flushScheduled = false
    var nextSid: UInt64 = inboxSid
    var subscriptions: [UInt64: SubscriptionRecord] = [:]
    var requests: [String: PendingRequest] = [:]
    /// When the request sweeper will next run, if armed.
    var sweepAt: NIODeadline?
    var nextToken: UInt64 = 0
    var pongWaiters: [PongWaiter] = []
    /// Every PING after the handshake, in wire order, by flush id (0: keep-alive), so each
    /// PONG completes the flush it answers: `queuedPings` still sit in `pending`,
    /// `sentPings` went out on the current channel.
    var queuedPings: [UInt64] = []
    var sentPings: [UInt64] = []
    var nextPingID: UInt64 = 0
    var pingsOutstanding = 0
    var pingTimer: RepeatedTask?
    var pool: ServerPool
    var observers: [UInt64: @Sendable (ConnectionEvent) -> Void] = [:]
    var nextObserverID: UInt64 = 0

    init(pool: ServerPool) { self.pool = pool }
}

struct SubscriptionRecord {
    var subject: String
    var queue: String?
    /// The subscriber's end: its message queue.
    var subscription: Subscription
    var lastActivity: NIODeadline
}

struct PendingRequest {
    var continuation: CheckedContinuation<InboundMessage, any Error>
    /// The connection's sweeper fails the request past this.
    var deadline: NIODeadline
    var subject: String
}

struct PongWaiter {
    var id: UInt64
    var continuation: CheckedContinuation<Void, any Error>
    /// Armed right after registration; nil only in between.
    var timer: Scheduled<Void>?
}
