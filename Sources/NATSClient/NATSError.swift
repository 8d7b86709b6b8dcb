/// Failures of the NATS connection, phrased for the person running kvsh.
public enum NATSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No server in the list accepted a connection; `tried` names each URL with its reason.
    case cannotConnect(tried: [String])
    case invalidURL(String)
    /// Nobody is subscribed to the subject of a request.
    case noResponders(subject: String)
    case timeout(what: String)
    case payloadTooLarge(size: Int, max: Int)
    case connectionClosed
    case reconnectBufferFull
    /// `-ERR` from the server, e.g. `Authorization Violation`.
    case server(String)
    case tls(String)
    case protocolError(String)
    /// A subscription's reader fell more than its `PendingLimits` behind; the subscription
    /// was ended (the messages buffered before it are still delivered).
    case slowConsumer(subject: String, limits: PendingLimits)
    /// A request or flush gave up while the connection was down: it is reconnecting to
    /// `reconnectingTo` (a URL without credentials) and made `attempts` tries so far.
    case notConnected(reconnectingTo: String, attempts: Int)

    public var description: String {
        switch self {
        case .cannotConnect(let tried):
            "nats: could not connect to " + tried.joined(separator: "; ")
        case .invalidURL(let url):
            "nats: invalid server URL \"\(url)\": use nats://host:port, tls://host:port or host:port"
        case .noResponders(let subject):
            "nats: no responders available for request on \(subject)"
        case .timeout(let what):
            "nats: timeout waiting for \(what)"
        case .payloadTooLarge(let size, let max):
            "nats: maximum payload exceeded: \(size) bytes is more than the server's limit of \(max) bytes"
        case .connectionClosed:
            "nats: connection closed"
        case .reconnectBufferFull:
            "nats: outbound buffer full while reconnecting"
        case .server(let text):
            "nats: server error: \(text)"
        case .tls(let text):
            "nats: TLS error: \(text)"
        case .protocolError(let text):
            "nats: protocol error: \(text)"
        case .slowConsumer(let subject, let limits):
            "nats: slow consumer: more than \(limits.messages) messages or \(limits.bytes) bytes waited to be read "
                + "on \(subject); the subscription was stopped"
        case .notConnected(let url, let attempts):
            "nats: not connected: reconnecting to \(url), \(attempts) \(attempts == 1 ? "try" : "tries") so far"
        }
    }
}
