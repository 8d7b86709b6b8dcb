import NATSWire
import NIOCore

/// Keep-alives, the reconnect loop's steps, and closing.
extension ConnectionStateMachine {
    // MARK: Keep-alive

    /// The keep-alive interval of link `id` passed.
    mutating func pingTimerFired(_ id: LinkID) -> PingTimerAction {
        guard id == liveID, case .live(let live) = state else { return .stop }
        pingsOutstanding += 1
        if pingsOutstanding > options.maxPingsOutstanding { return .closeStale(live.link) }
        // Through the outbound buffer, like flush PINGs, so PONGs match in order.
        return .ping(queuePing(0))
    }

    // MARK: Reconnecting and closing

    /// The reconnect loop asks what to do next: the next URL of the round (the first round
    /// at once, later ones after a back-off), or to stop.
    mutating func nextReconnectStep() -> ReconnectStep {
        guard case .reconnecting(var r) = state, r.attempt == nil else { return .stop }
        var delay = Duration.zero
        if r.next >= r.round.count {
            if !r.round.isEmpty { r.rounds += 1 }
            if let max = options.maxReconnectAttempts, r.rounds >= max {
                return .giveUp(tearDown(subscriptionError: .connectionClosed))
            }
            r.round = pool.round(after: r.target)
            r.next = 0
            if r.round.isEmpty { return .giveUp(tearDown(subscriptionError: .connectionClosed)) }
            if r.rounds > 0 { delay = backoff(afterRounds: r.rounds) }
        }
        let url = r.round[r.next]
        r.next += 1
        state = .reconnecting(r)
        return .connect(url, after: delay)
    }

    /// 100 ms doubling per failed round, up to `reconnectWait`.
    func backoff(afterRounds rounds: Int) -> Duration {
        let nanos = min(Int64(100_000_000) << min(rounds - 1, 10), options.reconnectWait.nanoseconds)
        return .nanoseconds(nanos)
    }

    /// `close()`: what to end, once; nil when the connection was closed already.
    mutating func closeRequested() -> Teardown? {
        isClosed ? nil : tearDown(subscriptionError: nil)
    }

    /// Closes the machine and hands out what it held (see `Teardown`).
    mutating func tearDown(subscriptionError: NATSError?) -> Teardown {
        var t = Teardown(error: .connectionClosed, subscriptionError: subscriptionError)
        switch state {
        case .live(let live): t.link = live.link
        case .connecting(let a?):
            t.link = a.link
            t.handshake = a.waiter
        case .reconnecting(let r):
            t.link = r.attempt?.link
            t.handshake = r.attempt?.waiter
        case .connecting(nil), .closed: break
        }
        t.requests = requests.values.map(\.waiter)
        t.pongs = pongWaiters.map(\.waiter)
        t.subscribers = subscriptions.values.map(\.subscriber)
        requests = [:]
        pongWaiters = []
        subscriptions = [:]
        sentPings = []
        queuedPings = []
        outbound.clear()
        liveID = 0
        state = .closed
        return t
    }
}
