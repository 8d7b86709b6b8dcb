import NATSWire
import NIOCore
import Testing
@testable import NATSClient

/// TLS first (ADR-40, nats-server's `handshake_first`) as events and actions: the handshake
/// starts when the TCP link is up, the INFO is read inside TLS, then CONNECT and PING as usual.
@Suite("Connection state machine: TLS handshake first")
struct ConnectionTLSFirstMachineTests {
    let url = "nats://127.0.0.1:4222"

    func tlsFirstOptions(_ urls: String...) throws -> ClientOptions {
        var options = ClientOptions(servers: try urls.map { try ServerURL(parsing: $0) })
        options.name = "machine-tests"
        options.tls = TLSOptions(caFile: "/ca.pem", handshakeFirst: true)
        return options
    }

    /// Starts an attempt on `url` and brings its TCP link up; returns its id and the action.
    func linkUp(_ m: inout Machine, _ url: String, link: String, waiter: String = "H") throws
        -> (id: UInt64, action: Machine.Action) {
        guard case .open(let id) = m.attemptStarted(try ServerURL(parsing: url), waiter: waiter) else {
            throw TestFailure("attempt on \(url) did not open")
        }
        return (id, m.channelActive(id, link: link))
    }

    @Test("TCP up starts TLS; the INFO, read through it, brings CONNECT without a second TLS")
    func handshakeFirst() throws {
        var m = makeMachine(try tlsFirstOptions(url))
        let (id, up) = try linkUp(&m, url, link: "L1")
        guard case .startTLS(let link, let linkID, let host) = up else {
            Issue.record("expected startTLS, got \(up.kind)")
            return
        }
        #expect(link == "L1" && linkID == id && host == "127.0.0.1")
        #expect(m.received(.pong, on: id, now: t0).kind == "none", "no PONG before CONNECT")
        #expect(!m.isLive)
        let hello = try #require(m.received(.info(serverInfo()), on: id, now: t0).connect)
        #expect(hello.link == "L1" && hello.id == id)
        #expect(hello.tlsHost == nil, "TLS is on the link already")
        #expect(hello.options.tlsRequired)
        let live = try #require(m.received(.pong, on: id, now: t0).goLive)
        #expect(live.link == "L1" && live.waiter == "H" && live.event == nil)
        #expect(m.isLive)
    }

    @Test("the handshake's INFO came over TLS, so it may announce new hosts, reached with TLS")
    func authenticatedInfo() throws {
        var m = makeMachine(try tlsFirstOptions(url))
        let (id, _) = try linkUp(&m, url, link: "L1")
        _ = m.received(.info(serverInfo(connectURLs: ["10.0.0.9:4222"])), on: id, now: t0)
        _ = try #require(m.received(.pong, on: id, now: t0).goLive)
        #expect(m.pool.servers.map(\.description) == [url, "tls://10.0.0.9:4222"])

        // The same INFO read before a TLS handshake (TLS after INFO) adds no new host.
        var late = makeMachine(try machineOptions(url) { $0.tls = TLSOptions(caFile: "/ca.pem") })
        let (id2, action) = try linkUp(&late, url, link: "L2")
        #expect(action.kind == "none")
        let hello = try #require(late.received(.info(serverInfo(connectURLs: ["10.0.0.9:4222"])), on: id2, now: t0).connect)
        #expect(hello.tlsHost == "127.0.0.1")
        _ = try #require(late.received(.pong, on: id2, now: t0).goLive)
        #expect(late.pool.servers.map(\.description) == [url])
    }

    @Test("a timeout during the handshake names it; a TLS failure ends the attempt and closes the link")
    func failures() throws {
        var m = makeMachine(try tlsFirstOptions(url))
        let (id, _) = try linkUp(&m, url, link: "L1", waiter: "H1")
        let timedOut = try #require(m.handshakeTimedOut(id).finished)
        #expect(timedOut.waiter == "H1" && timedOut.close == "L1")
        #expect(timedOut.error as? NATSError == .timeout(what: "the TLS handshake and the server's INFO"))
        #expect(m.received(.info(serverInfo()), on: id, now: t0).kind == "none", "an attempt that ended ignores its link")

        let (id2, _) = try linkUp(&m, url, link: "L2", waiter: "H2")
        let failed = try #require(m.linkFailed(id2, error: NATSError.tls("certificate verify failed")).finished)
        #expect(failed.waiter == "H2" && failed.close == "L2")
        #expect(failed.error as? NATSError == .tls("certificate verify failed"))

        // Without TLS first, a client that wants TLS and hears no INFO (the timeout, or the
        // server closing after its own TLS timeout) is told why that may be.
        let hint = NATSError.tls("the server sent no INFO; one with handshake_first waits for the TLS handshake first")
        var waiting = makeMachine(try machineOptions(url) { $0.tls = TLSOptions(caFile: "/ca.pem") })
        let (id4, _) = try linkUp(&waiting, url, link: "L4", waiter: "H4")
        let silent = try #require(waiting.handshakeTimedOut(id4).finished)
        #expect(silent.error as? NATSError == hint && silent.close == "L4")
        let (id5, _) = try linkUp(&waiting, "tls://127.0.0.1:4222", link: "L5", waiter: "H5")
        let closed = try #require(waiting.channelInactive(id5).finished)
        #expect(closed.error as? NATSError == hint && closed.close == nil)
        // A plain client is not: the timeout and the close say only what happened.
        var plain = makeMachine(try machineOptions(url))
        let (id6, _) = try linkUp(&plain, url, link: "L6")
        #expect(try #require(plain.channelInactive(id6).finished).error as? NATSError == .connectionClosed)

        // Once the INFO came, the wait is for the PONG of CONNECT.
        let (id3, _) = try linkUp(&m, url, link: "L3", waiter: "H3")
        _ = m.received(.info(serverInfo()), on: id3, now: t0)
        #expect(try #require(m.handshakeTimedOut(id3).finished).error as? NATSError == .timeout(what: "the server's handshake"))
    }

    @Test("reconnects do TLS first too, to each server of the round")
    func reconnects() throws {
        let other = "nats://127.0.0.2:4222"
        var m = makeMachine(try tlsFirstOptions(url, other))
        let (id, _) = try linkUp(&m, url, link: "L1")
        _ = m.received(.info(serverInfo()), on: id, now: t0)
        _ = try #require(m.received(.pong, on: id, now: t0).goLive)
        guard case .startReconnecting = m.channelInactive(id) else { Issue.record("no reconnect"); return }

        let step = try #require(m.nextReconnectStep().connectTo)
        #expect(step.url == other)
        let (id2, up) = try linkUp(&m, step.url, link: "L2", waiter: "R")
        guard case .startTLS("L2", id2, host: "127.0.0.2") = up else {
            Issue.record("the reconnect must start TLS first, got \(up.kind)")
            return
        }
        let hello = try #require(m.received(.info(serverInfo()), on: id2, now: t0).connect)
        #expect(hello.tlsHost == nil && hello.options.tlsRequired)
        let live = try #require(m.received(.pong, on: id2, now: t0).goLive)
        #expect(live.event == .reconnected(other) && live.waiter == "R")
    }
}
