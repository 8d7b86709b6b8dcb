import NATSWire
import NIOCore

/// Attempts and their handshake: opening a link, TLS first or after INFO, CONNECT, the PONG
/// that makes it live, and the ways an attempt ends.
extension ConnectionStateMachine {
    // MARK: Attempts

    enum AttemptStart {
        case open(LinkID)
        /// No attempt may start (closed, or one is under way); resume the waiter with the error.
        case fail(Peers.Handshake, NATSError)
    }

    /// `connect()` or the reconnect loop starts an attempt on `url`.
    mutating func attemptStarted(_ url: ServerURL, waiter: Peers.Handshake) -> AttemptStart {
        nextLinkID += 1
        let attempt = Attempt(id: nextLinkID, url: url, phase: .opening, waiter: waiter)
        switch state {
        case .connecting(nil):
            state = .connecting(attempt)
        case .reconnecting(var r) where r.attempt == nil:
            r.attempt = attempt
            r.target = url
            r.tries += 1
            state = .reconnecting(r)
        case .connecting, .reconnecting, .live, .closed:
            return .fail(waiter, .connectionClosed)
        }
        return .open(attempt.id)
    }

    /// The TCP connection of attempt `id` is up: with TLS first, its handshake starts now.
    mutating func channelActive(_ id: LinkID, link: Peers.Link) -> Action {
        let first = handshakeFirst
        var host = ""
        let adopted = updateAttempt(id) { a in
            guard case .opening = a.phase else { return false }
            a.link = link
            a.phase = first ? .tlsHandshake : .awaitingInfo
            host = a.url.host
            return true
        }
        // Too late (timed out, closed): nobody wants this link.
        guard adopted == true else { return .closeLink(link) }
        return first ? .startTLS(link, id, host: host) : .none
    }

    /// The TCP connection of attempt `id` could not be made.
    mutating func connectFailed(_ id: LinkID, error: any Error) -> Action {
        guard let a = takeAttempt(id) else { return .none }
        return .finishAttempt(a.waiter, .failure(error), close: a.link)
    }

    /// The connect timeout of attempt `id` passed.
    mutating func handshakeTimedOut(_ id: LinkID) -> Action {
        guard let a = takeAttempt(id) else { return .none }
        if let error = noInfoBeforeTLS(a) { return .finishAttempt(a.waiter, .failure(error), close: a.link) }
        let what = switch a.phase {
        case .awaitingPong: "the server's handshake"
        case .tlsHandshake: "the TLS handshake and the server's INFO"
        case .opening, .awaitingInfo: "the server's INFO"
        }
        return .finishAttempt(a.waiter, .failure(NATSError.timeout(what: what)), close: a.link)
    }

    /// An error on link `id` (a TLS failure, a protocol error, a reset): it ends an attempt;
    /// a live link is closed and the loss handled by `channelInactive`.
    mutating func linkFailed(_ id: LinkID, error: any Error) -> Action {
        if let a = takeAttempt(id) { return .finishAttempt(a.waiter, .failure(error), close: a.link) }
        if case .live(let live) = state, live.id == id { return .closeLink(live.link) }
        return .none
    }

    /// A client that wants TLS, and whose link ended or timed out before any INFO, may be
    /// talking to a server that waits for the TLS handshake first (and closes the link after
    /// its own TLS timeout): the error says so.
    private func noInfoBeforeTLS(_ a: Attempt) -> NATSError? {
        guard case .awaitingInfo = a.phase, a.url.scheme == "tls" || options.tls != nil else { return nil }
        return .tls("the server sent no INFO; one with handshake_first waits for the TLS handshake first")
    }

    /// Link `id` closed.
    mutating func channelInactive(_ id: LinkID) -> Action {
        if let a = takeAttempt(id) {
            return .finishAttempt(a.waiter, .failure(noInfoBeforeTLS(a) ?? NATSError.connectionClosed), close: nil)
        }
        guard case .live(let live) = state, live.id == id else { return .none }
        liveID = 0
        // PINGs that went out on this link get no PONG; those still buffered are sent after the
        // reconnect and keep their waiters.
        let lost = Set(sentPings)
        var lostPongs: [Peers.Pong] = []
        pongWaiters.removeAll { record in
            guard lost.contains(record.id) else { return false }
            lostPongs.append(record.waiter)
            return true
        }
        sentPings = []
        pingsOutstanding = 0
        flushScheduled = false
        state = .reconnecting(Reconnecting(target: live.url))
        return .startReconnecting(lostPongs: lostPongs, event: .disconnected(live.url.description))
    }

    mutating func handshakeReceived(_ op: ServerOp, on id: LinkID) -> Action {
        guard let a = attempt(id), let link = a.link else { return .none }
        switch (op, a.phase) {
        case (.ping, _):
            return .sendPong(link)
        case (.info(let info), .awaitingInfo), (.info(let info), .tlsHandshake):
            let tls: LinkTLS = if case .tlsHandshake = a.phase {
                .first
            } else if a.url.scheme == "tls" || options.tls != nil || info.tlsRequired {
                .afterInfo
            } else {
                .none
            }
            let connect: ConnectOptions
            do {
                connect = try connectOptions(for: a.url, tls: tls.isOn, nonce: info.nonce)
            } catch {
                _ = takeAttempt(id)
                return .finishAttempt(a.waiter, .failure(error), close: link)
            }
            _ = updateAttempt(id) { $0.phase = .awaitingPong(info, tls: tls); return true }
            return .sendConnect(link, id, connect, tlsHost: tls == .afterInfo ? a.url.host : nil)
        case (.pong, .awaitingPong(let info, let tls)):
            return goLive(a, link: link, info: info, tls: tls)
        case (.err(let text), _):
            _ = takeAttempt(id)
            return .finishAttempt(a.waiter, .failure(NATSError.server(text)), close: link)
        default:
            return .none
        }
    }

    /// The CONNECT for `url`: its credentials, else the options'. A URL with a user and no
    /// password (`nats://secret@host`) carries a token, as in the other NATS clients. With
    /// nkey authentication, `nonce` is signed; an INFO without one gets the signature of no
    /// bytes, as nats.go sends (a server that asks for no signature ignores it).
    /// - Throws: `NATSError.cannotSign` when the signer fails.
    func connectOptions(for url: ServerURL, tls: Bool, nonce: String?) throws(NATSError) -> ConnectOptions {
        var connect = ConnectOptions()
        connect.name = options.name
        connect.tlsRequired = tls
        if let user = url.user, url.password == nil {
            connect.token = user
        } else {
            connect.user = url.user ?? options.user
            connect.password = url.password ?? options.password
            connect.token = options.token
        }
        if let auth = options.nkeyAuthentication {
            switch auth.identity {
            case .nkey(let publicKey): connect.nkey = publicKey
            case .jwt(let jwt): connect.jwt = jwt
            }
            do {
                connect.sig = try auth.sign(Array((nonce ?? "").utf8))
            } catch {
                throw .cannotSign("\(error)")
            }
        }
        return connect
    }

    /// Adopts the link, then replays the inbox, the subscriptions and the buffered writes.
    /// `info` is the handshake's INFO: read before a TLS handshake it is unauthenticated, so
    /// it may not announce new hosts (see `ServerPool.add`); with TLS first it came over TLS.
    private mutating func goLive(_ a: Attempt, link: Peers.Link, info: ServerInfo, tls: LinkTLS) -> Action {
        let overTLS = tls.isOn
        let reconnected = if case .reconnecting = state { true } else { false }
        self.info = info
        lastURL = a.url
        if options.useDiscoveredServers {
            pool.add(discovered: info.connectURLs, overTLS: overTLS, authenticated: tls != .afterInfo)
        }
        var replay = allocator.buffer(capacity: 1024 + outbound.readableBytes)
        ClientOp.subscribe(subject: inboxPrefix + ".*", sid: Self.inboxSid, into: &replay)
        for (sid, sub) in subscriptions.sorted(by: { $0.key < $1.key }) {
            ClientOp.subscribe(subject: sub.subject, queue: sub.queue, sid: sid, into: &replay)
        }
        replay.writeBuffer(&outbound)
        outbound.clear()
        inboxRefusal = nil
        sentPings = queuedPings
        queuedPings = []
        pingsOutstanding = 0
        flushScheduled = false
        liveID = a.id
        state = .live(Live(id: a.id, link: link, url: a.url, overTLS: overTLS))
        return .goLive(GoLive(link: link, id: a.id, url: a.url, replay: replay, resubscribed: subscriptions.count,
                              waiter: a.waiter, event: reconnected ? .reconnected(a.url.description) : nil,
                              pingInterval: options.pingInterval))
    }

    // MARK: Attempt bookkeeping

    private func attempt(_ id: LinkID) -> Attempt? {
        switch state {
        case .connecting(let a?) where a.id == id: a
        case .reconnecting(let r) where r.attempt?.id == id: r.attempt
        default: nil
        }
    }

    /// Runs `body` on attempt `id`; nil when it is not the one under way.
    private mutating func updateAttempt(_ id: LinkID, _ body: (inout Attempt) -> Bool) -> Bool? {
        switch state {
        case .connecting(var a?) where a.id == id:
            defer { state = .connecting(a) }
            return body(&a)
        case .reconnecting(var r) where r.attempt?.id == id:
            defer { state = .reconnecting(r) }
            return body(&r.attempt!)
        default:
            return nil
        }
    }

    private mutating func takeAttempt(_ id: LinkID) -> Attempt? {
        switch state {
        case .connecting(let a?) where a.id == id:
            state = .connecting(nil)
            return a
        case .reconnecting(var r) where r.attempt?.id == id:
            let a = r.attempt
            r.attempt = nil
            state = .reconnecting(r)
            return a
        default:
            return nil
        }
    }
}
