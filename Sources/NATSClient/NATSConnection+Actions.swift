import Logging
import NATSWire
import NIOCore

/// The executor: feeds events to the state machine (under the lock) and carries out the
/// actions it returns (outside it).
extension NATSConnection {
    typealias Machine = ConnectionStateMachine<ChannelPeers>

    // MARK: Writes

    /// Appends to the outbound buffer and makes sure a flush is scheduled on the loop.
    func enqueue(_ write: (inout ByteBuffer) -> Void) throws(NATSError) {
        try carryOut(state.withLockedValue { $0.write(checkingLimit: true, write) })
    }

    func carryOut(_ action: Machine.WriteAction) throws(NATSError) {
        switch action {
        case .buffered:
            return
        case .fail(let error):
            throw error
        case .scheduleFlush(let link, let id):
            link.eventLoop.execute { self.flushNow(link, id) }
        }
    }

    private func flushNow(_ link: any Channel, _ id: Machine.LinkID) {
        if let buffer = state.withLockedValue({ $0.flushDue(id) }) { link.writeAndFlush(buffer, promise: nil) }
    }

    // MARK: Link events (from InboundHandler, on the link's loop)

    func linkActive(_ id: Machine.LinkID, _ link: any Channel) {
        perform(state.withLockedValue { $0.channelActive(id, link: link) })
    }

    func received(_ op: ServerOp, on id: Machine.LinkID, now: NIODeadline) {
        if tracing { trace(ProtocolTrace.received(op)) }
        perform(state.withLockedValue { $0.received(op, on: id, now: now) })
    }

    func linkFailed(_ id: Machine.LinkID, _ error: any Error) {
        perform(state.withLockedValue { $0.linkFailed(id, error: error) })
    }

    func linkClosed(_ id: Machine.LinkID) {
        perform(state.withLockedValue { $0.channelInactive(id) })
    }

    /// Starts the reconnect loop (after the one before it, if it still runs) unless `close()`
    /// came first. Under the reconnector's lock, which `close()` takes too: it either finds
    /// the loop to cancel and await, or closed the machine before and no loop starts.
    private func startReconnectLoop() {
        reconnector.withLockedValue { task in
            guard !state.withLockedValue({ $0.isClosed }) else { return }
            let previous = task
            task = Task {
                await previous?.value
                await self.reconnectLoop()
            }
        }
    }

    // MARK: Actions

    func perform(_ action: Machine.Action) {
        switch action {
        case .none:
            break
        case .sendPong(let link):
            if tracing { trace(">>> PONG") }
            var buffer = link.allocator.buffer(capacity: 6)
            ClientOp.pong(into: &buffer)
            link.writeAndFlush(buffer, promise: nil)
        case .closeLink(let link):
            link.close(promise: nil)
        case .startTLS(let link, let id, let host):
            logger.debug("TLS handshake before the server's INFO")
            startTLS(on: link, id: id, host: host)
        case .sendConnect(let link, let id, let connect, let tlsHost):
            sendConnect(on: link, id: id, connect, tlsHost: tlsHost)
        case .finishAttempt(let waiter, let result, let link):
            link?.close(promise: nil)
            waiter.resume(with: result)
        case .goLive(let live):
            logger.debug("connected to \(live.url)", metadata: [
                "resubscribed": "\(live.resubscribed)", "replayed_bytes": "\(live.replay.readableBytes)",
            ])
            live.link.writeAndFlush(live.replay, promise: nil)
            startKeepAlive(on: live.link, id: live.id, interval: live.pingInterval)
            if let event = live.event { emit(event) }
            live.waiter.resume()
        case .deliver(let subscriber, let message):
            // A reader that fell too far behind: stop the server sending to it.
            if subscriber.queue.push(message) == .overflowed { unsubscribe(sid: message.sid) }
        case .succeedRequest(let waiter, let message):
            waiter.resume(returning: message)
        case .succeedPong(let waiter):
            waiter.resume()
        case .emit(let event):
            if case .serverError(let text) = event { logger.debug("server error: \(text)") }
            emit(event)
        case .startReconnecting(let lostPongs, let event):
            if case .disconnected(let url) = event { logger.debug("disconnected from \(url)") }
            for pong in lostPongs { pong.resume(throwing: NATSError.connectionClosed) }
            emit(event)
            // After the event, so observers hear `.disconnected` before any attempt's outcome.
            startReconnectLoop()
        case .refuse(let refusal):
            let (requests, subscriptions) = (refusal.requests.count, refusal.subscribers.count)
            logger.debug("\(refusal.error): failing \(requests) requests, \(subscriptions) subscriptions")
            for request in refusal.requests { request.resume(throwing: refusal.error) }
            for subscriber in refusal.subscribers { subscriber.queue.finish(throwing: refusal.error) }
        }
    }

    /// Ends everything a closed connection held; the only place that emits `.closed` and
    /// finishes the event stream (the machine hands out one `Teardown` per connection).
    /// Returns the closing of the link, if there was one.
    @discardableResult
    func tearDown(_ t: Machine.Teardown) -> EventLoopFuture<Void>? {
        let linkClosed = t.link.map { link -> EventLoopFuture<Void> in
            let promise = link.eventLoop.makePromise(of: Void.self)
            link.close(promise: promise)
            return promise.futureResult
        }
        // Observers hear `.closed` before any waiter sees its failure, so code woken by the
        // failure finds the connection's end already told.
        logger.debug("closed")
        emit(.closed)
        t.handshake?.resume(throwing: t.error)
        for subscriber in t.subscribers { subscriber.queue.finish(throwing: t.subscriptionError) }
        for request in t.requests { request.resume(throwing: t.error) }
        for pong in t.pongs { pong.resume(throwing: t.error) }
        eventContinuation.finish()
        return linkClosed
    }

    // MARK: Timers

    /// PINGs the live link every `interval`; the machine closes it when too many went
    /// unanswered. The timer ends with the link.
    private func startKeepAlive(on link: any Channel, id: Machine.LinkID, interval: Duration) {
        let every = TimeAmount.nanoseconds(interval.nanoseconds)
        let timer = link.eventLoop.scheduleRepeatedTask(initialDelay: every, delay: every) { [weak self] task in
            guard let self else { return task.cancel() }
            switch self.state.withLockedValue({ $0.pingTimerFired(id) }) {
            case .stop:
                task.cancel()
            case .ping(let action):
                if self.tracing { self.trace(">>> PING") }
                try? self.carryOut(action)
            case .closeStale(let link):
                self.logger.debug("no PONG for \(self.options.maxPingsOutstanding) keep-alive PINGs: reconnecting")
                link.close(promise: nil)
            }
        }
        link.closeFuture.whenComplete { _ in timer.cancel() }
    }

    /// Makes sure a sweep runs by `deadline`.
    func armSweeper(before deadline: NIODeadline) {
        guard let at = state.withLockedValue({ $0.sweepRequested(before: deadline, now: .now()) }) else { return }
        eventLoop.scheduleTask(deadline: at) { [weak self] in self?.sweep(armedFor: at) }
    }

    private func sweep(armedFor at: NIODeadline) {
        let sweep = state.withLockedValue { $0.sweepDue(armedFor: at, now: .now()) }
        for (waiter, error) in sweep.requests { waiter.resume(throwing: error) }
        for (waiter, error) in sweep.pongs { waiter.resume(throwing: error) }
        if let next = sweep.next { armSweeper(before: next) }
    }

    func abandonRequest(_ token: String, with error: any Error) {
        state.withLockedValue { $0.requestAbandoned(token) }?.resume(throwing: error)
    }

    // MARK: Tracing

    /// Logs one line of protocol traffic; callers check `tracing` first, so the text is never
    /// built when nobody reads it.
    func trace(_ line: @autoclosure () -> String) {
        logger.trace("\(line())")
    }
}
