import NATSWire
import NIOCore
import Testing
@testable import NATSClient

/// Signing the server's nonce in CONNECT (nkey users and user JWTs), by events alone. The
/// signer is a plain function here: what the machine must get right is which bytes it signs
/// and where the result goes, not Ed25519 (NATSAuthTests check that).
@Suite("Connection state machine: nkey and JWT authentication")
struct ConnectionStateMachineNKeyTests {
    let url = "nats://127.0.0.1:4222"
    static let jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVQUJDIn0.c2lnbmF0dXJl"

    /// A stand-in signature text: a marker, then the nonce's text.
    static func fakeSign(_ nonce: [UInt8]) -> String { "signed:" + String(decoding: nonce, as: UTF8.self) }

    func options(_ identity: NKeyAuthentication.Identity,
                 sign: @escaping @Sendable ([UInt8]) throws -> String = fakeSign) throws -> ClientOptions {
        try machineOptions(url) { $0.nkeyAuthentication = NKeyAuthentication(identity: identity, sign: sign) }
    }

    func info(nonce: String?) -> ServerInfo {
        var info = serverInfo()
        info.nonce = nonce
        info.authRequired = nonce != nil
        return info
    }

    /// The CONNECT answering `info` on a fresh attempt.
    func hello(_ m: inout Machine, _ info: ServerInfo, link: String = "L") throws -> ConnectOptions {
        guard case .open(let id) = m.attemptStarted(try ServerURL(parsing: url), waiter: "H") else {
            throw TestFailure("no attempt")
        }
        _ = m.channelActive(id, link: link)
        return try #require(m.received(.info(info), on: id, now: t0).connect).options
    }

    @Test("an nkey user: CONNECT carries the public key and the signer's text for INFO's nonce")
    func nkeyUser() throws {
        var m = makeMachine(try options(.nkey(publicKey: "UAPUBLICKEY")))
        let connect = try hello(&m, info(nonce: "kE9_nonce-1"))
        #expect(connect.nkey == "UAPUBLICKEY" && connect.jwt == nil)
        #expect(connect.sig == Self.fakeSign(Array("kE9_nonce-1".utf8)))
        #expect(connect.user == nil && connect.password == nil && connect.token == nil)
        let json = connect.json()
        #expect(json.contains(#""nkey":"UAPUBLICKEY""#) && json.contains(#""sig":""#) && !json.contains(#""jwt""#))
    }

    @Test("a user JWT: CONNECT carries the JWT and the signature, no nkey")
    func userJWT() throws {
        var m = makeMachine(try options(.jwt(Self.jwt)))
        let connect = try hello(&m, info(nonce: "abc"))
        #expect(connect.jwt == Self.jwt && connect.nkey == nil)
        #expect(connect.sig == Self.fakeSign(Array("abc".utf8)))
        #expect(connect.json().contains(#""jwt":"\#(Self.jwt)""#))
    }

    @Test("an INFO without a nonce: the signature of no bytes is sent, as nats.go does")
    func noNonce() throws {
        var m = makeMachine(try options(.jwt(Self.jwt)))
        let connect = try hello(&m, info(nonce: nil))
        #expect(connect.jwt == Self.jwt)
        #expect(connect.sig == "signed:")
    }

    @Test("without nkey authentication CONNECT has no jwt, nkey or sig, whatever the INFO")
    func noAuthentication() throws {
        var m = makeMachine(try machineOptions(url))
        let connect = try hello(&m, info(nonce: "ignored"))
        #expect(connect.jwt == nil && connect.nkey == nil && connect.sig == nil)
        #expect(!connect.json().contains("sig"))
    }

    @Test("a signer that fails ends the attempt with cannotSign and closes the link")
    func signerFails() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "key unusable" } }
        var m = makeMachine(try options(.nkey(publicKey: "UA"), sign: { _ in throw Broken() }))
        guard case .open(let id) = m.attemptStarted(try ServerURL(parsing: url), waiter: "H1") else {
            Issue.record("no attempt")
            return
        }
        _ = m.channelActive(id, link: "L1")
        let end = try #require(m.received(.info(info(nonce: "n")), on: id, now: t0).finished)
        #expect(end.waiter == "H1" && end.close == "L1")
        #expect(end.error as? NATSError == .cannotSign("key unusable"))
        #expect(NATSError.cannotSign("key unusable").description == "cannot sign the server's nonce: key unusable")
        #expect(m.received(.pong, on: id, now: t0).kind == "none", "the attempt is over")
        #expect(!m.isLive)
    }

    @Test("a reconnect signs the new server's nonce")
    func reconnectResigns() throws {
        var m = makeMachine(try options(.jwt(Self.jwt)))
        guard case .open(let id) = m.attemptStarted(try ServerURL(parsing: url), waiter: "H1") else {
            Issue.record("no attempt")
            return
        }
        _ = m.channelActive(id, link: "L1")
        let first = try #require(m.received(.info(info(nonce: "first-nonce")), on: id, now: t0).connect)
        #expect(first.options.sig == Self.fakeSign(Array("first-nonce".utf8)))
        _ = try #require(m.received(.pong, on: id, now: t0).goLive)
        guard case .startReconnecting = m.channelInactive(id) else { Issue.record("no reconnect"); return }
        let step = try #require(m.nextReconnectStep().connectTo)
        guard case .open(let id2) = m.attemptStarted(try ServerURL(parsing: step.url), waiter: "H2") else {
            Issue.record("no reconnect attempt")
            return
        }
        _ = m.channelActive(id2, link: "L2")
        let again = try #require(m.received(.info(info(nonce: "second-nonce")), on: id2, now: t0).connect)
        #expect(again.link == "L2" && again.options.jwt == Self.jwt)
        #expect(again.options.sig == Self.fakeSign(Array("second-nonce".utf8)))
        #expect(again.options.sig != first.options.sig)
        #expect(try #require(m.received(.pong, on: id2, now: t0).goLive).event == .reconnected(url))
    }

    @Test("the trace masks the JWT and the signature, and shows the public nkey")
    func traceMasks() throws {
        var m = makeMachine(try options(.jwt(Self.jwt)))
        let connect = try hello(&m, info(nonce: "abc"))
        let line = ProtocolTrace.connect(connect)
        let sig = try #require(connect.sig)
        #expect(!line.contains(Self.jwt) && !line.contains(sig), "\(line)")
        #expect(line.contains(#""jwt":"[REDACTED]""#) && line.contains(#""sig":"[REDACTED]""#), "\(line)")
        var n = makeMachine(try options(.nkey(publicKey: "UAPUBLICKEY")))
        let nkeyLine = ProtocolTrace.connect(try hello(&n, info(nonce: "abc")))
        #expect(nkeyLine.contains(#""nkey":"UAPUBLICKEY""#) && nkeyLine.contains(#""sig":"[REDACTED]""#), "\(nkeyLine)")
    }
}
