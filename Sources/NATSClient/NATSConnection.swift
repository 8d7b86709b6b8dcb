import Logging
import NATSWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One logical connection to a NATS server or cluster. It reconnects on its own,
/// re-subscribes, and replays what was published while it was away.
///
/// Writes are buffered and flushed by the event loop, so many publishes in a row
/// leave in few system calls; requests share one wildcard inbox subscription.
///
/// Its state is a `ConnectionStateMachine` under one lock; this class carries out what the
/// machine's events return (see `NATSConnection+Actions.swift`).
public final class NATSConnection: Sendable {
    public let options: ClientOptions
    /// Where the connection logs: protocol traffic at trace level, connects, disconnects
    /// and reconnect attempts at debug level. The level is read once, at `connect`.
    public let logger: Logger
    /// The loop every link of this connection runs on, reconnects included, chosen from the
    /// group once: so `executor` stays the thread that reads the socket.
    let eventLoop: any EventLoop
    /// Runs a task on the connection's event loop (see `EventLoopTaskExecutor`): prefer it
    /// with `withTaskExecutorPreference(connection.executor) { … }` for loops of requests,
    /// which then cost no thread hop between the caller and the connection.
    public let executor: EventLoopTaskExecutor
    let state: NIOLockedValueBox<ConnectionStateMachine<ChannelPeers>>
    let inboxPrefix: String
    /// `logger` logs trace messages: checked before any trace text is built.
    let tracing: Bool
    /// The reconnect loop after the latest disconnect, awaited by `close()`. Taken before
    /// `state` whenever both are (see `startReconnectLoop`).
    let reconnector = NIOLockedValueBox<Task<Void, Never>?>(nil)
    let observers = NIOLockedValueBox(Observers())
    let eventStream: AsyncStream<ConnectionEvent>
    let eventContinuation: AsyncStream<ConnectionEvent>.Continuation

    struct Observers {
        var byID: [UInt64: @Sendable (ConnectionEvent) -> Void] = [:]
        var nextID: UInt64 = 0
    }

    /// A logger that drops everything: the default, so the library never bootstraps logging.
    public static let silentLogger = Logger(label: "kvsh.nats", factory: { _ in SwiftLogNoOpLogHandler() })

    private init(options: ClientOptions, group: any EventLoopGroup, logger: Logger) {
        self.options = options
        self.eventLoop = group.next()
        self.executor = EventLoopTaskExecutor(eventLoop)
        self.logger = logger
        self.tracing = logger.logLevel <= .trace
        self.inboxPrefix = "\(options.inboxPrefix).\(NUID.next())"
        self.state = NIOLockedValueBox(ConnectionStateMachine(options: options, inboxPrefix: inboxPrefix))
        (eventStream, eventContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(64))
    }

    /// Connects to the first server in `options.servers` that answers, trying each once.
    /// One loop of `group` runs the connection (the caller owns the group and shuts it down
    /// after `close()`); an `EventLoop` is a group of one, when the caller wants that loop.
    /// Cancelling the calling task stops at once: the attempt under way is torn down (its
    /// half-open link closed) and no further server is tried.
    /// - Throws: `NATSError.cannotConnect` listing every URL tried and why it failed,
    ///   `NATSError.server` when a server refused the credentials, or `CancellationError`.
    public static func connect(_ options: ClientOptions,
                               group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                               logger: Logger = silentLogger) async throws -> NATSConnection {
        let connection = NATSConnection(options: options, group: group, logger: logger)
        do {
            try await withTaskCancellationHandler {
                try await connection.connectToFirstServer()
            } onCancel: {
                connection.abandonConnect()
            }
            // A cancellation that came after the handshake may have torn the link down.
            try Task.checkCancellation()
            return connection
        } catch {
            guard Task.isCancelled else { throw error }
            await connection.close()
            throw CancellationError()
        }
    }

    private func connectToFirstServer() async throws {
        var tried: [ConnectAttempt] = []
        for url in options.servers {
            try Task.checkCancellation()
            logger.debug("connecting to \(url)")
            do {
                try await attempt(url)
                return
            } catch {
                logger.debug("connecting to \(url) failed: \(Self.reason(error))")
                if let refusal = Self.authorizationRefusal(error) {
                    throw NATSError.server(refusal, server: url.description)
                }
                tried.append(ConnectAttempt(server: url.description, reason: Self.reason(error)))
            }
        }
        throw NATSError.cannotConnect(tried: tried)
    }

    /// The first connect was cancelled: the machine closes, failing the attempt under way
    /// and closing its link; later attempts are refused.
    private func abandonConnect() {
        if let teardown = state.withLockedValue({ $0.closeRequested() }) { _ = tearDown(teardown) }
    }

    /// Events such as disconnects and reconnects, newest kept when nobody reads them.
    public var events: AsyncStream<ConnectionEvent> { eventStream }

    /// The INFO of the server currently connected to.
    public var serverInfo: ServerInfo { state.withLockedValue { $0.info } }

    /// The URL currently connected to.
    public var connectedURL: ServerURL? { state.withLockedValue { $0.lastURL } }

    /// True between a successful handshake and a disconnect or close.
    public var isConnected: Bool { state.withLockedValue { $0.isLive } }

    /// True while something written is still buffered here, not yet handed to the socket
    /// (waiting for the next flush, or for a reconnect): a process that ended now would lose
    /// it. False once every write has gone to the kernel, which sends it even after an exit.
    public var hasUnsentWrites: Bool { state.withLockedValue { $0.holdsWrites } }

    /// While the connection is down and reconnecting, the error to report for an operation
    /// that gives up (`NATSError.notConnected`, naming the server and the tries); else nil.
    public var notConnectedError: NATSError? { state.withLockedValue { $0.notConnectedError } }

    // MARK: Publishing

    /// Sends a message; returns once it is buffered (it leaves with the next flush).
    /// - Throws: `payloadTooLarge` past the server's `max_payload`, `connectionClosed`,
    ///   `reconnectBufferFull` when too much piled up during a reconnect.
    public func publish(_ subject: String, replyTo: String? = nil, headers: NATSHeaders? = nil,
                        payload: ByteBuffer) throws(NATSError) {
        try checkPayload(headers: headers, payload: payload)
        if tracing { trace(ProtocolTrace.publish(subject, replyTo: replyTo, headers: headers, payload: payload)) }
        try enqueue { buf in
            ClientOp.publish(subject: subject, replyTo: replyTo, headers: headers, payload: payload, into: &buf)
        }
    }

    /// Sends `messages` together (one lock, one flush), message `i` of the array asking for
    /// its reply on `replyPrefix.i`. Nothing is sent when any message is too large.
    public func publish(_ messages: ArraySlice<OutgoingMessage>, replyPrefix: String) throws(NATSError) {
        let max = state.withLockedValue { $0.info.maxPayload }
        for m in messages { try Self.checkPayload(headers: m.headers, payload: m.payload, max: max) }
        if tracing {
            for i in messages.indices {
                let m = messages[i]
                trace(ProtocolTrace.publish(m.subject, replyTo: "\(replyPrefix).\(i)", headers: m.headers,
                                            payload: m.payload))
            }
        }
        try enqueue { buf in
            for index in messages.indices {
                let m = messages[index]
                ClientOp.publish(subject: m.subject, replyPrefix: replyPrefix, replyIndex: index,
                                 headers: m.headers, payload: m.payload, into: &buf)
            }
        }
    }

    /// Sends a request and waits for the first reply.
    /// - Throws: `noResponders` at once when nobody listens, `permissionDenied` at once when the
    ///   server refuses the publish, its reply subject or the inbox's subscription, `timeout`
    ///   past `timeout`, `notConnected` past it while the connection is down.
    public func request(_ subject: String, headers: NATSHeaders? = nil, payload: ByteBuffer,
                        timeout: Duration? = nil) async throws -> InboundMessage {
        try checkPayload(headers: headers, payload: payload)
        let timeout = timeout ?? options.requestTimeout
        let token = state.withLockedValue { $0.nextRequestToken() }
        let reply = inboxPrefix + "." + token
        let message: InboundMessage = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<InboundMessage, any Error>) in
                let deadline = NIODeadline.now() + .nanoseconds(timeout.nanoseconds)
                if let error = state.withLockedValue({
                    $0.requestStarted(token, subject: subject, deadline: deadline, waiter: ReplyWaiter(cont))
                }) {
                    cont.resume(throwing: error)
                    return
                }
                armSweeper(before: deadline)
                // Cancelled before registration: the cancellation handler found nothing.
                if Task.isCancelled {
                    abandonRequest(token, with: CancellationError())
                    return
                }
                if tracing { trace(ProtocolTrace.publish(subject, replyTo: reply, headers: headers, payload: payload)) }
                do {
                    try enqueue { buf in
                        ClientOp.publish(subject: subject, replyTo: reply, headers: headers, payload: payload,
                                         into: &buf)
                    }
                } catch {
                    abandonRequest(token, with: error)
                }
            }
        } onCancel: {
            self.abandonRequest(token, with: CancellationError())
        }
        if message.headers?.status == 503 { throw NATSError.noResponders(subject: subject) }
        return message
    }

    /// Round trip to the server: everything written before it has been processed.
    /// - Throws: `timeout` past `timeout` (`notConnected` while the connection is down),
    ///   `connectionClosed`.
    public func flush(timeout: Duration? = nil) async throws {
        let timeout = timeout ?? options.requestTimeout
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, any Error>) in
            let deadline = NIODeadline.now() + .nanoseconds(timeout.nanoseconds)
            let action = state.withLockedValue { $0.flushRequested(waiter: CompletionWaiter(cont), deadline: deadline) }
            if case .fail(let error) = action {
                cont.resume(throwing: error)
                return
            }
            if tracing { trace(">>> PING") }
            try? carryOut(action)
            armSweeper(before: deadline)
        }
    }

    /// Measures one PING/PONG round trip.
    public func rtt() async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        try await flush()
        return clock.now - start
    }

    // MARK: Subscriptions

    /// Subscribes to `subject` (wildcards allowed). Messages buffer until read, up to
    /// `pendingLimits`; past them the subscription ends with `NATSError.slowConsumer`. When the
    /// server refuses the SUB (a permissions violation), the reader gets
    /// `NATSError.permissionDenied` and the subscription is not made again after a reconnect.
    /// - Throws: `connectionClosed`, `reconnectBufferFull`.
    public func subscribe(_ subject: String, queue: String? = nil,
                          pendingLimits: PendingLimits = .standard) throws(NATSError) -> Subscription {
        try subscribe(subject, queue: queue, pendingLimits: pendingLimits, publishes: nil)
    }

    /// Subscribes to `subject` for the replies of publishes (e.g. the acknowledgements of a
    /// pipelined JetStream publish). When the server refuses a publish on a subject that
    /// `publishes` accepts (asked only then), the subscription's reader gets
    /// `NATSError.permissionDenied` after the messages buffered before it.
    /// - Throws: `connectionClosed`, `reconnectBufferFull`.
    public func subscribe(repliesTo subject: String,
                          publishes: @escaping @Sendable (String) -> Bool) throws(NATSError) -> Subscription {
        try subscribe(subject, queue: nil, pendingLimits: .standard, publishes: publishes)
    }

    private func subscribe(_ subject: String, queue: String?, pendingLimits: PendingLimits,
                           publishes: (@Sendable (String) -> Bool)?) throws(NATSError) -> Subscription {
        let now = NIODeadline.now()
        let (sub, action) = try state.withLockedValue { m in
            m.subscribe(subject, queue: queue, now: now, publishes: publishes) { sid in
                Subscription(sid: sid, subject: subject, limits: pendingLimits, connection: self)
            }
        }.get()
        if tracing { trace(ProtocolTrace.subscribe(subject, queue: queue, sid: sub.sid)) }
        try carryOut(action)
        return sub
    }

    /// A fresh unique subject for replies.
    public func newInbox() -> String { "\(options.inboxPrefix).\(NUID.next())" }

    func unsubscribe(sid: UInt64) {
        guard let (sub, action) = state.withLockedValue({ $0.unsubscribed(sid) }) else { return }
        sub.queue.finish()
        if tracing { trace(">>> UNSUB \(sid)") }
        try? carryOut(action)
    }

    /// When the server last sent anything on subscription `sid` (for heartbeat watchdogs).
    public func lastActivity(sid: UInt64) -> NIODeadline? {
        state.withLockedValue { $0.lastActivity(sid: sid) }
    }

    // MARK: Closing

    /// Flushes what is buffered (bounded), then closes: requests and flushes fail with
    /// `connectionClosed`, every subscription ends, `.closed` is emitted (once), and the
    /// reconnect loop, if one runs, is stopped and awaited.
    public func close() async {
        // Only wait for the server when writes are still queued here; a one-shot command
        // whose requests were all answered, or a connection that is down, closes at once.
        if state.withLockedValue({ $0.isLive && $0.holdsWrites }) { try? await flush(timeout: .seconds(1)) }
        let (teardown, loop) = reconnector.withLockedValue { task in
            (state.withLockedValue { $0.closeRequested() }, task)
        }
        loop?.cancel()
        if let teardown {
            let linkClosed = tearDown(teardown)
            try? await linkClosed?.get()
        }
        await loop?.value
    }

    // MARK: Events

    /// Calls `observer` (on an arbitrary thread) for every later connection event.
    /// Returns a token for `removeEventObserver`.
    @discardableResult
    public func addEventObserver(_ observer: @escaping @Sendable (ConnectionEvent) -> Void) -> UInt64 {
        observers.withLockedValue { o in
            o.nextID += 1
            o.byID[o.nextID] = observer
            return o.nextID
        }
    }

    public func removeEventObserver(_ token: UInt64) {
        _ = observers.withLockedValue { $0.byID.removeValue(forKey: token) }
    }

    func emit(_ event: ConnectionEvent) {
        eventContinuation.yield(event)
        let all = observers.withLockedValue { Array($0.byID.values) }
        for o in all { o(event) }
    }

    // MARK: Payload limits

    private func checkPayload(headers: NATSHeaders?, payload: ByteBuffer) throws(NATSError) {
        try Self.checkPayload(headers: headers, payload: payload, max: state.withLockedValue { $0.info.maxPayload })
    }

    private static func checkPayload(headers: NATSHeaders?, payload: ByteBuffer, max: Int) throws(NATSError) {
        let size = ClientOp.payloadSize(headers: headers, payload: payload.readableBytes)
        if size > max { throw .payloadTooLarge(size: size, max: max) }
    }
}

/// One message of a batch publish.
public struct OutgoingMessage: Sendable {
    public var subject: String
    public var headers: NATSHeaders?
    public var payload: ByteBuffer
    public init(subject: String, headers: NATSHeaders? = nil, payload: ByteBuffer) {
        self.subject = subject
        self.headers = headers
        self.payload = payload
    }
}
