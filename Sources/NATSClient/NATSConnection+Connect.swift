import NATSWire
import NIOCore
import NIOPosix
import NIOSSL

extension NATSConnection {
    /// TCP connect, INFO, optional TLS, CONNECT + PING, PONG; then the connection is live:
    /// subscriptions are sent again and buffered writes flushed.
    func establish(_ url: ServerURL) async throws {
        let loop = group.next()
        let infoPromise = loop.makePromise(of: ServerInfo.self)
        let pongPromise = loop.makePromise(of: Void.self)
        let deadline = NIODeadline.now() + .nanoseconds(options.connectTimeout.nanoseconds)
        let timer = loop.scheduleTask(deadline: deadline) {
            infoPromise.fail(NATSError.timeout(what: "the server's INFO"))
            pongPromise.fail(NATSError.timeout(what: "the server's handshake"))
        }
        defer { timer.cancel() }

        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(options.connectTimeout.nanoseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        InboundHandler(connection: self, infoPromise: infoPromise, pongPromise: pongPromise))
                }
            }
        let channel: any Channel
        do {
            // An IP literal needs no resolver: skipping happy eyeballs saves a cold one-shot
            // command about a tenth of its instructions.
            if let address = try? SocketAddress(ipAddress: url.host, port: url.port) {
                channel = try await bootstrap.connect(to: address).get()
            } else {
                channel = try await bootstrap.connect(host: url.host, port: url.port).get()
            }
        } catch {
            // No handler took the promises: complete them, NIO traps on leaked promises.
            infoPromise.fail(error)
            pongPromise.fail(error)
            throw error
        }
        do {
            let info = try await infoPromise.futureResult.get()
            let wantTLS = url.scheme == "tls" || options.tls != nil || info.tlsRequired
            if wantTLS { try await startTLS(on: channel, host: url.host) }

            var connect = ConnectOptions()
            connect.name = options.name
            connect.tlsRequired = wantTLS
            if let user = url.user, url.password == nil {
                // `nats://secret@host` carries a token, as in the other NATS clients.
                connect.token = user
            } else {
                connect.user = url.user ?? options.user
                connect.password = url.password ?? options.password
                connect.token = options.token
            }
            var helloBuffer = channel.allocator.buffer(capacity: 512)
            ClientOp.connect(connect, into: &helloBuffer)
            ClientOp.ping(into: &helloBuffer)
            let hello = helloBuffer
            try await channel.eventLoop.submit {
                // Gone when the channel already closed (e.g. a failed TLS handshake); the
                // PONG promise then carries the reason, so do not mask it with `notFound`.
                guard let handler = try? channel.pipeline.syncOperations.handler(type: InboundHandler.self) else {
                    return
                }
                handler.startedHandshake()
                channel.writeAndFlush(hello, promise: nil)
            }.get()
            try await pongPromise.futureResult.get()
            try goLive(channel: channel, url: url, info: info, overTLS: wantTLS)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    private func startTLS(on channel: any Channel, host: String) async throws {
        var config = TLSConfiguration.makeClientConfiguration()
        if let tls = options.tls {
            if let ca = tls.caFile {
                config.trustRoots = .file(ca)
            }
            if let cert = tls.certFile, let key = tls.keyFile {
                config.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                config.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: config)
        } catch {
            throw NATSError.tls("\(error)")
        }
        let isIP = host.allSatisfy { $0.isNumber || $0 == "." } || host.contains(":")
        try await channel.eventLoop.submit {
            let handler = try NIOSSLClientHandler(context: context, serverHostname: isIP ? nil : host)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        }.get()
    }

    /// Publishes the new channel, replays subscriptions, then the buffered writes.
    /// `info` is the INFO read before any TLS handshake: on a TLS connection (`overTLS`) it is
    /// unauthenticated, so it may not announce new hosts (see `ServerPool.add`).
    private func goLive(channel: any Channel, url: ServerURL, info: ServerInfo, overTLS: Bool) throws(NATSError) {
        let interval = TimeAmount.nanoseconds(options.pingInterval.nanoseconds)
        let maxOut = options.maxPingsOutstanding
        let out = state.withLockedValue { s -> ByteBuffer? in
            // close() ran while this handshake was in flight: do not bring the connection back.
            // And the server may have hung up right after its PONG: channelClosed ignored that
            // (not our channel yet), so adopting it now would leave a dead connection that
            // never reconnects. `isActive` turns false before channelInactive is delivered.
            guard !s.closed, channel.isActive else { return nil }
            s.channel = channel
            s.connectedURL = url
            s.info = info
            s.reconnecting = false
            s.pingsOutstanding = 0
            s.overTLS = overTLS
            if options.useDiscoveredServers {
                s.pool.add(discovered: info.connectURLs, overTLS: overTLS, authenticated: !overTLS)
            }
            var buf = channel.allocator.buffer(capacity: 1024 + s.pending.readableBytes)
            ClientOp.subscribe(subject: inboxPrefix + ".*", sid: ConnectionState.inboxSid, into: &buf)
            for (sid, sub) in s.subscriptions.sorted(by: { $0.key < $1.key }) {
                ClientOp.subscribe(subject: sub.subject, queue: sub.queue, sid: sid, into: &buf)
            }
            buf.writeBuffer(&s.pending)
            s.pending.clear()
            s.sentPings = s.queuedPings
            s.queuedPings = []
            s.flushScheduled = false
            s.pingTimer?.cancel()
            s.pingTimer = channel.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) {
                [weak self] _ in self?.sendKeepAlive(channel: channel, maxOutstanding: maxOut)
            }
            return buf
        }
        guard let out else { throw .connectionClosed }
        channel.writeAndFlush(out, promise: nil)
    }

    private func sendKeepAlive(channel: any Channel, maxOutstanding: Int) {
        let stale = state.withLockedValue { s -> Bool? in
            guard s.channel === channel else { return nil }
            s.pingsOutstanding += 1
            return s.pingsOutstanding > maxOutstanding
        }
        guard let stale else { return }
        if stale {
            channel.close(promise: nil)
            return
        }
        // Through the outbound buffer, like flush PINGs, so PONGs match in order.
        try? enqueuePing(0, waiter: nil)
    }

    /// The live channel went away: reconnect unless we are closing.
    func channelClosed(_ channel: any Channel) {
        let start = state.withLockedValue { s -> ServerURL?? in
            guard s.channel === channel else { return .none }
            s.channel = nil
            s.pingTimer?.cancel()
            s.pingTimer = nil
            // PINGs that went out on this channel get no PONG; those still buffered are
            // sent after the reconnect and keep their waiters.
            let lost = Set(s.sentPings)
            s.sentPings = []
            let pongs = s.pongWaiters.filter { lost.contains($0.id) }
            s.pongWaiters.removeAll { lost.contains($0.id) }
            for p in pongs { p.timer?.cancel(); p.continuation.resume(throwing: NATSError.connectionClosed) }
            guard !s.closed, !s.reconnecting else { return .none }
            s.reconnecting = true
            return .some(s.connectedURL)
        }
        guard case .some(let lastURL) = start else { return }
        emit(.disconnected(lastURL.map { "\($0)" } ?? "?"))
        Task { await self.reconnectLoop(after: lastURL) }
    }

    private func reconnectLoop(after last: ServerURL?) async {
        var attempt = 0
        var current = last
        while true {
            if let max = options.maxReconnectAttempts, attempt >= max { break }
            if state.withLockedValue({ $0.closed }) { return }
            let round = state.withLockedValue { $0.pool.round(after: current) }
            for url in round {
                if state.withLockedValue({ $0.closed }) { return }
                do {
                    try await establish(url)
                    emit(.reconnected("\(url)"))
                    return
                } catch {
                    logger.debug("reconnect to \(url) failed: \(Self.reason(error))")
                    current = url
                }
            }
            attempt += 1
            // Back off: 100 ms doubling per round up to reconnectWait, plus jitter.
            let base = min(Int64(100_000_000) << min(attempt - 1, 10), options.reconnectWait.nanoseconds)
            try? await Task.sleep(nanoseconds: UInt64(base + Int64.random(in: 0...50_000_000)))
        }
        await failForGood()
    }

    private func failForGood() async {
        typealias Taken = ([UInt64: SubscriptionRecord], [String: PendingRequest], [PongWaiter])
        let taken = state.withLockedValue { s -> Taken? in
            guard !s.closed else { return nil } // close() got here first and cleaned up
            s.closed = true
            let out = (s.subscriptions, s.requests, s.pongWaiters)
            s.subscriptions = [:]
            s.requests = [:]
            s.pongWaiters = []
            return out
        }
        guard let (subs, requests, pongs) = taken else { return }
        for (_, sub) in subs { sub.subscription.queue.finish(throwing: NATSError.connectionClosed) }
        for (_, r) in requests { r.continuation.resume(throwing: NATSError.connectionClosed) }
        for p in pongs { p.timer?.cancel(); p.continuation.resume(throwing: NATSError.connectionClosed) }
        emit(.closed)
        eventContinuation.finish()
    }
}

extension Duration {
    /// Whole nanoseconds (saturating), as NIO timers and JetStream JSON want them.
    package var nanoseconds: Int64 {
        let (s, atto) = components
        return s.multipliedReportingOverflow(by: 1_000_000_000).partialValue + atto / 1_000_000_000
    }
}
