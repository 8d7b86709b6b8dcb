import NATSWire
import NIOCore

/// The events of the calling side: writes, flushes, requests, subscriptions and the sweeper.
extension ConnectionStateMachine {
    // MARK: Writes

    /// Appends `body`'s bytes to the outbound buffer. While not live, writes are kept for the
    /// reconnect up to `reconnectBufferSize` when `checkingLimit`; on a live link at most one
    /// flush is scheduled until it ran (`flushDue`), so a burst leaves in few system calls.
    mutating func write(checkingLimit: Bool, _ body: (inout ByteBuffer) -> Void) -> WriteAction {
        if isClosed { return .fail(.connectionClosed) }
        if checkingLimit && !isLive && outbound.readableBytes > options.reconnectBufferSize {
            return .fail(.reconnectBufferFull)
        }
        body(&outbound)
        return flushAction()
    }

    private mutating func flushAction() -> WriteAction {
        guard isLive, !flushScheduled, case .live(let live) = state else { return .buffered }
        flushScheduled = true
        return .scheduleFlush(live.link, live.id)
    }

    /// Queues a PING (`id` 0: keep-alive) so that its PONG is matched in wire order. Not held
    /// to the reconnect buffer limit.
    mutating func queuePing(_ id: UInt64) -> WriteAction {
        if isClosed { return .fail(.connectionClosed) }
        ClientOp.ping(into: &outbound)
        queuedPings.append(id)
        return flushAction()
    }

    /// `flush()`: a PING whose PONG resumes `waiter`, or fails it at `deadline` (the
    /// sweeper). On `.fail` the waiter was not kept: the caller resumes it.
    mutating func flushRequested(waiter: Peers.Pong, deadline: NIODeadline) -> WriteAction {
        if isClosed { return .fail(.connectionClosed) }
        nextPingID &+= 1
        pongWaiters.append(PongRecord(id: nextPingID, waiter: waiter, deadline: deadline))
        return queuePing(nextPingID)
    }

    /// The flush scheduled for link `id` runs on its loop: the bytes to write, if it is
    /// still the live link and anything is queued.
    mutating func flushDue(_ id: LinkID) -> ByteBuffer? {
        flushScheduled = false
        guard id == liveID, outbound.readableBytes > 0 else { return nil }
        if !queuedPings.isEmpty {
            sentPings += queuedPings
            queuedPings = []
        }
        let out = outbound
        outbound = allocator.buffer(capacity: 16 * 1024)
        return out
    }

    // MARK: Requests

    /// A token for a request's reply subject (`<inbox>.<token>`).
    mutating func nextRequestToken() -> String {
        nextToken &+= 1
        return String(nextToken, radix: 36)
    }

    /// A request waits for the reply to `token` until `deadline`. Nil when registered; else
    /// the error to resume `waiter` with (it was not kept).
    mutating func requestStarted(_ token: String, subject: String, deadline: NIODeadline,
                                 waiter: Peers.Reply) -> NATSError? {
        if isClosed { return .connectionClosed }
        if let inboxRefusal { return inboxRefusal }
        requests[token] = RequestRecord(waiter: waiter, deadline: deadline, subject: subject)
        return nil
    }

    /// A request ends without a reply (cancelled, or its publish failed): its waiter, if it
    /// still waits.
    mutating func requestAbandoned(_ token: String) -> Peers.Reply? {
        requests.removeValue(forKey: token)?.waiter
    }

    // MARK: The sweeper

    /// A request or flush must end by `deadline`: when to schedule a sweep, unless one runs
    /// early enough (at the latest every 100 ms while any waits). One sweeper per connection
    /// instead of a timer per request: arming and cancelling one cost a cross-thread wake-up.
    mutating func sweepRequested(before deadline: NIODeadline, now: NIODeadline) -> NIODeadline? {
        let at = min(deadline, now + .milliseconds(100))
        if let armed = sweepAt, armed <= at { return nil }
        sweepAt = at
        return at
    }

    /// The sweep armed for `at` runs at `now`: requests and flushes past their deadline fail
    /// with a timeout, or with `notConnected` while the connection is down.
    mutating func sweepDue(armedFor at: NIODeadline, now: NIODeadline) -> Sweep {
        if sweepAt == at { sweepAt = nil }
        var sweep = Sweep()
        let down = notConnectedError
        for (token, r) in requests {
            if r.deadline <= now {
                sweep.requests.append((r.waiter, down ?? .timeout(what: "a reply on \(r.subject)")))
                requests.removeValue(forKey: token)
            } else {
                sweep.next = min(sweep.next ?? r.deadline, r.deadline)
            }
        }
        pongWaiters.removeAll { p in
            guard p.deadline <= now else {
                sweep.next = min(sweep.next ?? p.deadline, p.deadline)
                return false
            }
            sweep.pongs.append((p.waiter, down ?? .timeout(what: "PONG")))
            return true
        }
        return sweep
    }

    // MARK: Subscriptions

    /// Registers a subscription (`make` builds its subscriber for the new sid) and queues its
    /// SUB; it is replayed on every reconnect until `unsubscribed`.
    /// `publishes`, for a subscription that takes the replies of publishes, says whether a
    /// subject is one of them: a publish the server refuses on it ends the subscription.
    mutating func subscribe(_ subject: String, queue: String?, now: NIODeadline,
                            publishes: (@Sendable (String) -> Bool)? = nil,
                            make: (UInt64) -> Peers.Subscriber) -> Result<(Peers.Subscriber, WriteAction), NATSError> {
        if isClosed { return .failure(.connectionClosed) }
        if !isLive && outbound.readableBytes > options.reconnectBufferSize { return .failure(.reconnectBufferFull) }
        nextSid += 1
        let sid = nextSid
        let subscriber = make(sid)
        subscriptions[sid] = SubscriptionRecord(subject: subject, queue: queue, subscriber: subscriber, lastActivity: now,
                                                publishes: publishes)
        let action = write(checkingLimit: false) { ClientOp.subscribe(subject: subject, queue: queue, sid: sid, into: &$0) }
        return .success((subscriber, action))
    }

    /// Ends subscription `sid` and queues its UNSUB; nil when it was not registered.
    mutating func unsubscribed(_ sid: UInt64) -> (Peers.Subscriber, WriteAction)? {
        guard let record = subscriptions.removeValue(forKey: sid) else { return nil }
        return (record.subscriber, write(checkingLimit: true) { ClientOp.unsubscribe(sid: sid, into: &$0) })
    }

    /// When the server last sent anything on subscription `sid`.
    func lastActivity(sid: UInt64) -> NIODeadline? { subscriptions[sid]?.lastActivity }
}
