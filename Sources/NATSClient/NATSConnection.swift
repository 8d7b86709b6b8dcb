import Logging
import NATSWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// One logical connection to a NATS server or cluster. It reconnects on its own,
/// re-subscribes, and replays what was published while it was away.
///
/// Writes are buffered and flushed by the event loop, so many publishes in a row
/// leave in few system calls; requests share one wildcard inbox subscription.
public final class NATSConnection: Sendable {
    public let options: ClientOptions
    let group: any EventLoopGroup
    let state: NIOLockedValueBox<ConnectionState>
    let inboxPrefix: String
    let logger: Logger
    let eventStream: AsyncStream<ConnectionEvent>
    let eventContinuation: AsyncStream<ConnectionEvent>.Continuation

    private init(options: ClientOptions, group: any EventLoopGroup) {
        self.options = options
        self.group = group
        self.inboxPrefix = "\(options.inboxPrefix).\(NUID.next())"
        self.state = NIOLockedValueBox(ConnectionState(pool: ServerPool(options.servers)))
        self.logger = Logger(label: "kvsh.nats")
        (eventStream, eventContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(64))
    }

    /// Connects to the first server in `options.servers` that answers, trying each once.
    /// - Throws: `NATSError.cannotConnect` listing every URL tried and why it failed,
    ///   or `NATSError.server` when a server refused the credentials.
    public static func connect(_ options: ClientOptions,
                               group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> NATSConnection {
        let connection = NATSConnection(options: options, group: group)
        var tried: [ConnectAttempt] = []
        for url in options.servers {
            do {
                try await connection.establish(url)
                return connection
            } catch let error as NATSError {
                if case .server(let refusal, nil) = error, refusal.kind == .authorizationViolation {
                    throw NATSError.server(refusal, server: url.description)
                }
                tried.append(ConnectAttempt(server: url.description, reason: Self.reason(error)))
            } catch {
                tried.append(ConnectAttempt(server: url.description, reason: Self.reason(error)))
            }
        }
        throw NATSError.cannotConnect(tried: tried)
    }

    /// Events such as disconnects and reconnects, newest kept when nobody reads them.
    public var events: AsyncStream<ConnectionEvent> { eventStream }

    /// The INFO of the server currently connected to.
    public var serverInfo: ServerInfo { state.withLockedValue { $0.info } }

    /// The URL currently connected to.
    public var connectedURL: ServerURL? { state.withLockedValue { $0.connectedURL } }

    /// True between a successful handshake and a disconnect or close.
    public var isConnected: Bool { state.withLockedValue { $0.channel != nil } }

    // MARK: Publishing

    /// Sends a message; returns once it is buffered (it leaves with the next flush).
    /// - Throws: `payloadTooLarge` past the server's `max_payload`, `connectionClosed`,
    ///   `reconnectBufferFull` when too much piled up during a reconnect.
    public func publish(_ subject: String, replyTo: String? = nil, headers: NATSHeaders? = nil,
                        payload: ByteBuffer) throws(NATSError) {
        try checkPayload(headers: headers, payload: payload)
        try enqueue { buf in
            ClientOp.publish(subject: subject, replyTo: replyTo, headers: headers, payload: payload, into: &buf)
        }
    }

    /// Sends `messages` together (one lock, one flush), message `i` of the array asking for
    /// its reply on `replyPrefix.i`. Nothing is sent when any message is too large.
    public func publish(_ messages: ArraySlice<OutgoingMessage>, replyPrefix: String) throws(NATSError) {
        let max = state.withLockedValue { $0.info.maxPayload }
        for m in messages { try Self.checkPayload(headers: m.headers, payload: m.payload, max: max) }
        try enqueue { buf in
            for index in messages.indices {
                let m = messages[index]
                ClientOp.publish(subject: m.subject, replyPrefix: replyPrefix, replyIndex: index,
                                 headers: m.headers, payload: m.payload, into: &buf)
            }
        }
    }

    /// Sends a request and waits for the first reply.
    /// - Throws: `noResponders` at once when nobody listens, `timeout` past `timeout`.
    public func request(_ subject: String, headers: NATSHeaders? = nil, payload: ByteBuffer,
                        timeout: Duration? = nil) async throws -> InboundMessage {
        try checkPayload(headers: headers, payload: payload)
        let timeout = timeout ?? options.requestTimeout
        let token = state.withLockedValue { s -> String in
            s.nextToken &+= 1
            return String(s.nextToken, radix: 36)
        }
        let reply = inboxPrefix + "." + token
        let message: InboundMessage = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<InboundMessage, any Error>) in
                // One sweeper per connection times requests out, instead of a timer per
                // request: arming and cancelling a timer cost a cross-thread wake-up each.
                let deadline = NIODeadline.now() + .nanoseconds(timeout.nanoseconds)
                do {
                    try self.state.withLockedValue { s throws in
                        guard !s.closed else { throw NATSError.connectionClosed }
                        s.requests[token] = PendingRequest(continuation: cont, deadline: deadline,
                                                           subject: subject)
                    }
                } catch {
                    cont.resume(throwing: error)
                    return
                }
                self.armRequestSweeper(before: deadline)
                // Cancelled before registration: the cancellation handler found nothing.
                if Task.isCancelled {
                    self.completeRequest(token, with: .failure(CancellationError()))
                    return
                }
                do {
                    try self.enqueue { buf in
                        ClientOp.publish(subject: subject, replyTo: reply, headers: headers, payload: payload,
                                         into: &buf)
                    }
                } catch {
                    self.completeRequest(token, with: .failure(error))
                }
            }
        } onCancel: {
            self.completeRequest(token, with: .failure(CancellationError()))
        }
        if message.headers?.status == 503 { throw NATSError.noResponders(subject: subject) }
        return message
    }

    /// Round trip to the server: everything written before it has been processed.
    public func flush(timeout: Duration? = nil) async throws {
        let timeout = timeout ?? options.requestTimeout
        let loop = group.next()
        let id = state.withLockedValue { s -> UInt64 in s.nextPingID &+= 1; return s.nextPingID }
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, any Error>) in
            // Register first, then arm the timer (see `request`); an unregistered waiter
            // is resumed here, nobody else would.
            do {
                try enqueuePing(id, waiter: PongWaiter(id: id, continuation: cont, timer: nil))
            } catch {
                cont.resume(throwing: error)
                return
            }
            let timer = loop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) { [weak self] in
                guard let self else { return }
                self.completePing(id, with: .failure(NATSError.timeout(what: "PONG")))
            }
            let armed = state.withLockedValue { s -> Bool in
                guard let i = s.pongWaiters.firstIndex(where: { $0.id == id }) else { return false }
                s.pongWaiters[i].timer = timer
                return true
            }
            if !armed { timer.cancel() }
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
    /// `pendingLimits`; past them the subscription ends with `NATSError.slowConsumer`.
    /// - Throws: `connectionClosed`, `reconnectBufferFull`.
    public func subscribe(_ subject: String, queue: String? = nil,
                          pendingLimits: PendingLimits = .standard) throws(NATSError) -> Subscription {
        let sub = try state.withLockedValue { s -> Result<Subscription, NATSError> in
            guard !s.closed else { return .failure(.connectionClosed) }
            s.nextSid += 1
            let sub = Subscription(sid: s.nextSid, subject: subject, limits: pendingLimits, connection: self)
            s.subscriptions[sub.sid] = SubscriptionRecord(subject: subject, queue: queue,
                                                          subscription: sub,
                                                          lastActivity: .now())
            return .success(sub)
        }.get()
        try enqueue { ClientOp.subscribe(subject: subject, queue: queue, sid: sub.sid, into: &$0) }
        return sub
    }

    /// A fresh unique subject for replies.
    public func newInbox() -> String { "\(options.inboxPrefix).\(NUID.next())" }

    func unsubscribe(sid: UInt64) {
        let removed = state.withLockedValue { $0.subscriptions.removeValue(forKey: sid) }
        guard let removed else { return }
        removed.subscription.queue.finish()
        try? enqueue { ClientOp.unsubscribe(sid: sid, into: &$0) }
    }

    // MARK: Closing

    /// Flushes what is buffered (bounded), then closes; every subscription ends.
    public func close() async {
        // Only wait for the server when writes are still queued here; a one-shot command
        // whose requests were all answered, or a connection that is down, closes at once.
        let unsent = state.withLockedValue { s in
            !s.closed && s.channel != nil && (s.pending.readableBytes > 0 || s.flushScheduled)
        }
        if unsent { try? await flush(timeout: .seconds(1)) }
        let (channel, subs, requests, pongs, wasClosed) = state.withLockedValue { s in
            let wasClosed = s.closed
            s.closed = true
            let out = (s.channel, s.subscriptions, s.requests, s.pongWaiters, wasClosed)
            s.channel = nil
            s.subscriptions = [:]
            s.requests = [:]
            s.pongWaiters = []
            return out
        }
        for (_, sub) in subs { sub.subscription.queue.finish() }
        for (_, r) in requests { r.continuation.resume(throwing: NATSError.connectionClosed) }
        for p in pongs { p.timer?.cancel(); p.continuation.resume(throwing: NATSError.connectionClosed) }
        try? await channel?.close()
        // Once: a second close, or a close after the reconnect loop gave up, adds nothing.
        if !wasClosed { emit(.closed) }
        eventContinuation.finish()
    }

    /// Calls `observer` (on an arbitrary thread) for every later connection event.
    /// Returns a token for `removeEventObserver`.
    @discardableResult
    public func addEventObserver(_ observer: @escaping @Sendable (ConnectionEvent) -> Void) -> UInt64 {
        state.withLockedValue { s in
            s.nextObserverID += 1
            s.observers[s.nextObserverID] = observer
            return s.nextObserverID
        }
    }

    public func removeEventObserver(_ token: UInt64) {
        _ = state.withLockedValue { $0.observers.removeValue(forKey: token) }
    }

    /// When the server last sent anything on subscription `sid` (for heartbeat watchdogs).
    public func lastActivity(sid: UInt64) -> NIODeadline? {
        state.withLockedValue { $0.subscriptions[sid]?.lastActivity }
    }

    func emit(_ event: ConnectionEvent) {
        eventContinuation.yield(event)
        let observers = state.withLockedValue { Array($0.observers.values) }
        for o in observers { o(event) }
    }

    // MARK: Internals

    private func checkPayload(headers: NATSHeaders?, payload: ByteBuffer) throws(NATSError) {
        try Self.checkPayload(headers: headers, payload: payload, max: state.withLockedValue { $0.info.maxPayload })
    }

    private static func checkPayload(headers: NATSHeaders?, payload: ByteBuffer, max: Int) throws(NATSError) {
        let size = ClientOp.payloadSize(headers: headers, payload: payload.readableBytes)
        if size > max { throw .payloadTooLarge(size: size, max: max) }
    }

    /// Appends to the outbound buffer and makes sure a flush is scheduled on the loop.
    func enqueue(_ write: (inout ByteBuffer) -> Void) throws(NATSError) {
        try enqueue(checkingReconnectLimit: true) { write(&$0.pending) }
    }

    /// Queues a PING (`id` 0: keep-alive) and registers `waiter` for its PONG, atomically,
    /// so PONGs are matched to PINGs in wire order. Not held to the reconnect buffer limit.
    func enqueuePing(_ id: UInt64, waiter: PongWaiter?) throws(NATSError) {
        try enqueue(checkingReconnectLimit: false) { s in
            ClientOp.ping(into: &s.pending)
            s.queuedPings.append(id)
            if let waiter { s.pongWaiters.append(waiter) }
        }
    }

    /// Runs `write` on the state under the lock (it appends to `pending`) and schedules one
    /// flush on the channel's loop when none is pending.
    private func enqueue(checkingReconnectLimit: Bool,
                         _ write: (inout ConnectionState) -> Void) throws(NATSError) {
        let limit = options.reconnectBufferSize
        let outcome = state.withLockedValue { s -> Result<(any Channel)?, NATSError> in
            guard !s.closed else { return .failure(.connectionClosed) }
            if checkingReconnectLimit && s.channel == nil && s.pending.readableBytes > limit {
                return .failure(.reconnectBufferFull)
            }
            write(&s)
            guard let ch = s.channel, !s.flushScheduled else { return .success(nil) }
            s.flushScheduled = true
            return .success(ch)
        }
        guard let channel = try outcome.get() else { return }
        channel.eventLoop.execute { self.flushPending(channel) }
    }

    private func flushPending(_ channel: any Channel) {
        let buffer = state.withLockedValue { s -> ByteBuffer? in
            s.flushScheduled = false
            guard s.channel === channel, s.pending.readableBytes > 0 else { return nil }
            s.sentPings += s.queuedPings
            s.queuedPings = []
            let out = s.pending
            s.pending = ByteBufferAllocator().buffer(capacity: 16 * 1024)
            return out
        }
        if let buffer { channel.writeAndFlush(buffer, promise: nil) }
    }

    /// Makes sure a sweep runs by `deadline` (at the latest every 100 ms while requests wait).
    private func armRequestSweeper(before deadline: NIODeadline) {
        let now = NIODeadline.now()
        let at = min(deadline, now + .milliseconds(100))
        let schedule = state.withLockedValue { s -> Bool in
            if let armed = s.sweepAt, armed <= at { return false }
            s.sweepAt = at
            return true
        }
        guard schedule else { return }
        group.next().scheduleTask(deadline: at) { [weak self] in self?.sweepRequests(armedFor: at) }
    }

    /// Fails every request past its deadline and re-arms while others wait.
    private func sweepRequests(armedFor at: NIODeadline) {
        let now = NIODeadline.now()
        let (expired, next) = state.withLockedValue { s -> ([PendingRequest], NIODeadline?) in
            if s.sweepAt == at { s.sweepAt = nil }
            var expired: [PendingRequest] = []
            var next: NIODeadline?
            for (token, r) in s.requests {
                if r.deadline <= now {
                    expired.append(r)
                    s.requests.removeValue(forKey: token)
                } else {
                    next = min(next ?? r.deadline, r.deadline)
                }
            }
            return (expired, next)
        }
        for r in expired {
            r.continuation.resume(throwing: NATSError.timeout(what: "a reply on \(r.subject)"))
        }
        if let next { armRequestSweeper(before: next) }
    }

    private func completeRequest(_ token: String, with result: Result<InboundMessage, any Error>) {
        guard let pending = state.withLockedValue({ $0.requests.removeValue(forKey: token) }) else { return }
        pending.continuation.resume(with: result)
    }

    private func completePing(_ id: UInt64, with result: Result<Void, any Error>) {
        let waiter = state.withLockedValue { s -> PongWaiter? in
            guard let i = s.pongWaiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.pongWaiters.remove(at: i)
        }
        guard let waiter else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume(with: result)
    }

    /// Called on the event loop for every operation after the handshake.
    func received(_ op: ServerOp, on channel: any Channel) {
        switch op {
        case .message(let msg):
            if msg.subject.hasPrefix(inboxPrefix), msg.sid == ConnectionState.inboxSid {
                let token = String(msg.subject.dropFirst(inboxPrefix.count + 1))
                completeRequest(token, with: .success(msg))
                return
            }
            let now = NIODeadline.now()
            let sub = state.withLockedValue { s -> Subscription? in
                s.subscriptions[msg.sid]?.lastActivity = now
                return s.subscriptions[msg.sid]?.subscription
            }
            guard let sub else { return }
            // A reader that fell too far behind: stop the server sending to it.
            if sub.queue.push(msg) == .overflowed { unsubscribe(sid: msg.sid) }
        case .pong:
            let waiter = state.withLockedValue { s -> PongWaiter? in
                s.pingsOutstanding = 0
                guard !s.sentPings.isEmpty else { return nil }
                let id = s.sentPings.removeFirst()
                guard id != 0, let i = s.pongWaiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.pongWaiters.remove(at: i)
            }
            if let waiter {
                waiter.timer?.cancel()
                waiter.continuation.resume()
            }
        case .info(let info):
            let ldm = state.withLockedValue { s -> Bool in
                s.info = info
                // A live connection's INFO came over the connection itself, TLS included.
                if options.useDiscoveredServers { s.pool.add(discovered: info.connectURLs, overTLS: s.overTLS) }
                return info.lameDuckMode
            }
            if ldm { emit(.lameDuck(info.serverName)) }
        case .err(let text):
            logger.debug("server error: \(text)")
            emit(.serverError(text))
        case .ok, .ping:
            break
        }
    }
}

extension NATSConnection {
    static func reason(_ error: any Error) -> String {
        if let e = error as? NATSError {
            switch e {
            case .server(let refusal, _): return refusal.text
            case .timeout: return "timed out"
            case .tls(let t): return "TLS: \(t)"
            case .connectionClosed: return "connection closed during handshake"
            default: return e.description
            }
        }
        if let e = error as? IOError { return describeErrno(e.errnoCode) }
        if error is ChannelError {
            if case ChannelError.connectTimeout = error { return "timed out" }
            return "\(error)"
        }
        if let e = error as? NIOSSLError { return "TLS: \(e)" }
        // Alerts from the server (e.g. a client certificate it requires) arrive as these.
        if let e = error as? BoringSSLError { return "TLS: \(e)" }
        // A host name: the resolver's attempts, each with its own error.
        if let e = error as? NIOConnectionError, let first = e.connectionErrors.first { return reason(first.error) }
        return "\(error)"
    }

    static func describeErrno(_ code: Int32) -> String {
        switch code {
        case 111: return "connection refused"
        case 110: return "timed out"
        case 113: return "no route to host"
        case 101: return "network unreachable"
        default: return "error \(code)"
        }
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
