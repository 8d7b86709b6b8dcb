import NATSWire
import NIOCore
import Testing
@testable import NATSClient

/// Plain values stand in for the channel, the waiters and the subscribers, so the machine's
/// tests name each one and compare what comes back.
enum TestPeers: ConnectionPeers {
    typealias Link = String
    typealias Handshake = String
    typealias Reply = String
    typealias Pong = String
    typealias Subscriber = String
}

typealias Machine = ConnectionStateMachine<TestPeers>

/// A fixed point in time; the machine reads no clock, so tests pass times like this.
let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

let inbox = "_INBOX.test"

func machineOptions(_ urls: String..., configure: (inout ClientOptions) -> Void = { _ in }) throws -> ClientOptions {
    var options = ClientOptions(servers: try urls.map { try ServerURL(parsing: $0) })
    options.name = "machine-tests"
    configure(&options)
    return options
}

func makeMachine(_ options: ClientOptions) -> Machine {
    Machine(options: options, inboxPrefix: inbox)
}

func serverInfo(tlsRequired: Bool = false, connectURLs: [String] = [], ldm: Bool = false) -> ServerInfo {
    var info = ServerInfo()
    info.serverID = "S1"
    info.serverName = "n1"
    info.version = "2.15.1"
    info.headers = true
    info.tlsRequired = tlsRequired
    info.connectURLs = connectURLs
    info.lameDuckMode = ldm
    return info
}

extension Machine.Action {
    /// The case's name, for short checks.
    var kind: String {
        switch self {
        case .none: "none"
        case .sendPong: "sendPong"
        case .closeLink: "closeLink"
        case .startTLS: "startTLS"
        case .sendConnect: "sendConnect"
        case .finishAttempt: "finishAttempt"
        case .goLive: "goLive"
        case .deliver: "deliver"
        case .succeedRequest: "succeedRequest"
        case .succeedPong: "succeedPong"
        case .emit: "emit"
        case .startReconnecting: "startReconnecting"
        case .refuse: "refuse"
        }
    }

    var refusal: Machine.Refusal? { if case .refuse(let r) = self { r } else { nil } }

    var goLive: Machine.GoLive? { if case .goLive(let g) = self { g } else { nil } }

    var connect: (link: String, id: UInt64, options: ConnectOptions, tlsHost: String?)? {
        if case .sendConnect(let link, let id, let options, let host) = self { (link, id, options, host) } else { nil }
    }

    /// The waiter, the error (nil on success) and the link to close of `finishAttempt`.
    var finished: (waiter: String, error: (any Error)?, close: String?)? {
        guard case .finishAttempt(let waiter, let result, let link) = self else { return nil }
        if case .failure(let error) = result { return (waiter, error, link) }
        return (waiter, nil, link)
    }
}

extension Machine.WriteAction {
    var kind: String {
        switch self {
        case .buffered: "buffered"
        case .scheduleFlush(let link, let id): "scheduleFlush(\(link), \(id))"
        case .fail(let error): "fail(\(error))"
        }
    }
}

extension Machine.ReconnectStep {
    var connectTo: (url: String, after: Duration)? {
        if case .connect(let url, let after) = self { ("\(url)", after) } else { nil }
    }
    var teardown: Machine.Teardown? { if case .giveUp(let t) = self { t } else { nil } }
    var isStop: Bool { if case .stop = self { true } else { false } }
}

/// Runs one whole handshake on `url` with `link` (no TLS): attempt, TCP up, INFO, PONG.
/// Returns the link id and what going live asked for.
@discardableResult
func handshake(_ m: inout Machine, _ url: String, link: String, waiter: String = "H",
               info: ServerInfo = serverInfo()) throws -> (id: UInt64, live: Machine.GoLive) {
    guard case .open(let id) = m.attemptStarted(try ServerURL(parsing: url), waiter: waiter) else {
        throw TestFailure("attempt on \(url) did not open")
    }
    #expect(m.channelActive(id, link: link).kind == "none")
    #expect(m.received(.info(info), on: id, now: t0).kind == "sendConnect")
    guard let live = m.received(.pong, on: id, now: t0).goLive else { throw TestFailure("no goLive on \(url)") }
    return (id, live)
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func publishBody(_ subject: String, _ payload: String) -> (inout ByteBuffer) -> Void {
    { ClientOp.publish(subject: subject, payload: ByteBuffer(string: payload), into: &$0) }
}
