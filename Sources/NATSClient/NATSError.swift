import NATSWire

/// Failures of the NATS connection, as data. `description` says it in words, without the
/// `nats: ` that the command line puts before it (kvsh's `ErrorMessage`).
public enum NATSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No server in the list accepted a connection: each one tried, with its reason.
    case cannotConnect(tried: [ConnectAttempt])
    /// A server URL that does not parse, with any credentials in it masked.
    case invalidURL(String)
    /// Nobody is subscribed to the subject of a request.
    case noResponders(subject: String)
    /// Nothing came in time; `what` names what was awaited ("a reply on SUBJECT").
    case timeout(what: String)
    case payloadTooLarge(size: Int, max: Int)
    case connectionClosed
    case reconnectBufferFull
    /// `-ERR` from the server. `server` (its URL without credentials) is set when the error
    /// refused a connection attempt, e.g. an `Authorization Violation`.
    case server(ServerError, server: String? = nil)
    case tls(String)
    case protocolError(String)
    /// A subscription's reader fell more than its `PendingLimits` behind; the subscription
    /// was ended (the messages buffered before it are still delivered).
    case slowConsumer(subject: String, limits: PendingLimits)
    /// A request or flush gave up while the connection was down: it is reconnecting to
    /// `reconnectingTo` (a URL without credentials) and made `attempts` tries so far.
    case notConnected(reconnectingTo: String, attempts: Int)
    /// The nkey authentication's signer could not sign the server's nonce.
    case cannotSign(String)
    /// The server refused what this operation needed (its `Permissions Violation for …`):
    /// a publish to `subject`, a subscription to it, or `subject` as a reply subject. The
    /// connection stays open; only the work that needed it fails.
    case permissionDenied(ServerError.PermissionsOperation, subject: String)

    public var description: String {
        switch self {
        case .cannotConnect(let tried):
            "could not connect to " + tried.map(\.description).joined(separator: "; ")
        case .invalidURL(let url):
            "invalid server URL \"\(url)\": use nats://host:port, tls://host:port or host:port"
        case .noResponders(let subject):
            "no responders available for request on \(subject)"
        case .timeout(let what):
            "timeout waiting for \(what)"
        case .payloadTooLarge(let size, let max):
            "maximum payload exceeded: \(size) bytes is more than the server's limit of \(max) bytes"
        case .connectionClosed:
            "connection closed"
        case .reconnectBufferFull:
            "outbound buffer full while reconnecting"
        case .server(let error, let server):
            "server error: \(error.text)" + (server.map { " (connecting to \($0))" } ?? "")
        case .tls(let text):
            "TLS error: \(text)"
        case .protocolError(let text):
            "protocol error: \(text)"
        case .slowConsumer(let subject, let limits):
            "slow consumer: more than \(limits.messages) messages or \(limits.bytes) bytes waited to be read "
                + "on \(subject); the subscription was stopped"
        case .notConnected(let url, let attempts):
            "not connected: reconnecting to \(url), \(attempts) \(attempts == 1 ? "try" : "tries") so far"
        case .cannotSign(let reason):
            "cannot sign the server's nonce: \(reason)"
        case .permissionDenied(let operation, let subject):
            "permission denied: " + Self.refused(operation) + " \"\(subject)\""
        }
    }
}

extension NATSError {
    /// What the server refused, in the words of its `Permissions Violation for …`.
    static func refused(_ operation: ServerError.PermissionsOperation) -> String {
        switch operation {
        case .publish: "publish to"
        case .subscribe: "subscription to"
        case .publishReply: "publish with reply subject"
        }
    }
}

/// One server a connection was tried with, and why it failed.
public struct ConnectAttempt: Sendable, Equatable, CustomStringConvertible {
    /// The server's URL, without credentials.
    public var server: String
    /// Why it failed, in words: "connection refused", "timed out", "TLS: …", a `-ERR` text.
    public var reason: String

    public init(server: String, reason: String) {
        self.server = server
        self.reason = reason
    }

    /// `URL (reason)`.
    public var description: String { "\(server) (\(reason))" }
}
