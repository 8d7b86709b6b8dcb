import NATSWire
import NIOCore
import NIOPosix
import NIOSSL

/// Connection attempts (TCP, INFO, optional TLS — or TLS, then INFO —, CONNECT + PING, PONG)
/// and the reconnect loop.
extension NATSConnection {
    /// One attempt on `url`, bounded by `connectTimeout`; returns once the link is live.
    /// - Throws: why it failed (an `IOError`, a TLS error, `NATSError.server` for a `-ERR`,
    ///   `NATSError.timeout`), or `connectionClosed` when the connection was closed meanwhile.
    func attempt(_ url: ServerURL) async throws {
        let loop = eventLoop
        var timer: Scheduled<Void>?
        defer { timer?.cancel() }
        try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
            let id: Machine.LinkID
            switch state.withLockedValue({ $0.attemptStarted(url, waiter: CompletionWaiter(waiter)) }) {
            case .open(let opened):
                id = opened
            case .fail(let waiter, let error):
                waiter.resume(throwing: error)
                return
            }
            let timeout = TimeAmount.nanoseconds(options.connectTimeout.nanoseconds)
            timer = loop.scheduleTask(in: timeout) { [weak self] in
                guard let self else { return }
                self.perform(self.state.withLockedValue { $0.handshakeTimedOut(id) })
            }
            let bootstrap = ClientBootstrap(group: loop)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(InboundHandler(connection: self, id: id))
                    }
                }
            // An IP literal needs no resolver: skipping happy eyeballs saves a cold one-shot
            // command about a tenth of its instructions.
            let connected = if let address = try? SocketAddress(ipAddress: url.host, port: url.port) {
                bootstrap.connect(to: address)
            } else {
                bootstrap.connect(host: url.host, port: url.port)
            }
            connected.whenFailure { error in
                self.perform(self.state.withLockedValue { $0.connectFailed(id, error: error) })
            }
        }
    }

    /// Carries out `sendConnect`, on the link's loop: TLS first when asked for, then CONNECT
    /// and PING in one write.
    func sendConnect(on link: any Channel, id: Machine.LinkID, _ connect: ConnectOptions, tlsHost: String?) {
        if let host = tlsHost, !startTLS(on: link, id: id, host: host) { return }
        if tracing {
            trace(">>> CONNECT \(ProtocolTrace.connect(connect))")
            trace(">>> PING")
        }
        var hello = link.allocator.buffer(capacity: 512)
        ClientOp.connect(connect, into: &hello)
        ClientOp.ping(into: &hello)
        link.writeAndFlush(hello, promise: nil)
    }

    /// Puts TLS in front of the link, on its loop: the handshake starts at once (the link is
    /// up). False when it could not (the attempt was failed).
    @discardableResult
    func startTLS(on link: any Channel, id: Machine.LinkID, host: String) -> Bool {
        do {
            try link.pipeline.syncOperations.addHandler(try makeTLSHandler(host: host), position: .first)
            return true
        } catch {
            perform(state.withLockedValue { $0.linkFailed(id, error: error) })
            return false
        }
    }

    private func makeTLSHandler(host: String) throws -> NIOSSLClientHandler {
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
        return try NIOSSLClientHandler(context: context, serverHostname: isIP ? nil : host)
    }

    /// Runs after a disconnect, owned by the connection (`reconnector`, awaited by `close()`):
    /// tries the URLs the machine names, at the times it names, until it says stop.
    func reconnectLoop() async {
        while true {
            switch state.withLockedValue({ $0.nextReconnectStep() }) {
            case .stop:
                return
            case .giveUp(let teardown):
                logger.debug("giving up reconnecting after \(options.maxReconnectAttempts ?? 0) rounds")
                tearDown(teardown)
                return
            case .connect(let url, let delay):
                if delay > .zero {
                    // Jitter keeps a cluster's clients from coming back in step.
                    let jitter = Duration.milliseconds(Int.random(in: 0...50))
                    do { try await Task.sleep(for: delay + jitter) } catch { return } // close() cancelled it
                }
                logger.debug("reconnecting to \(url)")
                do {
                    try await attempt(url)
                    logger.debug("reconnected to \(url)")
                } catch {
                    logger.debug("reconnecting to \(url) failed: \(Self.reason(error))")
                }
            }
        }
    }
}

// MARK: Classifying failures

extension NATSConnection {
    /// The `-ERR` when `error` is one refusing the credentials: `connect` stops at it instead
    /// of trying the next server.
    static func authorizationRefusal(_ error: any Error) -> ServerError? {
        guard case NATSError.server(let refusal, nil)? = error as? NATSError,
              refusal.kind == .authorizationViolation else { return nil }
        return refusal
    }

    /// Why an attempt failed, for `cannotConnect`.
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
        if let e = error as? ChannelError {
            if case .connectTimeout = e { return "timed out" }
            return "\(e)"
        }
        if let e = error as? NIOSSLError { return "TLS: \(e)" }
        // Alerts from the server (e.g. a client certificate it requires) arrive as these.
        if let e = error as? BoringSSLError { return "TLS: \(e)" }
        // Happy eyeballs (a host name) wraps the errno of each address it tried.
        if let e = error as? NIOConnectionError, let first = e.connectionErrors.first {
            return reason(first.error)
        }
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

extension Duration {
    /// Whole nanoseconds (saturating), as NIO timers and JetStream JSON want them.
    package var nanoseconds: Int64 {
        let (s, atto) = components
        return s.multipliedReportingOverflow(by: 1_000_000_000).partialValue + atto / 1_000_000_000
    }
}
