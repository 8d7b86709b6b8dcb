import NATSClient

/// Failures of JetStream calls, as data. `description` says it in words, without the `nats: `
/// that the command line puts before it.
public enum JetStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with an API error.
    case api(APIError)
    /// Nobody answered the API subject: JetStream is off for this account or server.
    case notEnabled
    /// Nobody answered the API under `apiPrefix`, not `$JS.API.`: a domain or API prefix that
    /// no JetStream serves here (or JetStream off there).
    case noAPI(apiPrefix: String)
    /// A publish reached no stream.
    case noStreamResponse(subject: String)
    case invalidResponse(String)
    /// An ordered consumer's reader fell more than `limits` behind (see `PendingLimits`).
    case slowConsumer(stream: String, limits: PendingLimits)

    public var description: String {
        switch self {
        case .api(let e): e.description
        case .notEnabled:
            "JetStream is not supported in this account (is the server started with JetStream on? run nats-server -js)"
        case .noAPI(let prefix):
            "no JetStream answers on \(prefix)> (is the JetStream domain or API prefix right?)"
        case .noStreamResponse(let subject): "no response from stream for \(subject)"
        case .invalidResponse(let text): "invalid JetStream response: \(text)"
        case .slowConsumer(let stream, let limits):
            "slow consumer: the reader of stream \(stream) fell more than \(limits.messages) messages or "
                + "\(limits.bytes) bytes behind; it was stopped"
        }
    }

    /// The `err_code` when this is an API error.
    public var errCode: APIErrorCode? {
        if case .api(let e) = self { return e.errCode }
        return nil
    }
}
