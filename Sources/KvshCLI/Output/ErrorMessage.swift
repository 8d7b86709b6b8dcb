import JetStream
import KeyValue
import NATSAuth
import NATSClient
import NATSWire
import Shell

/// A failure as the one line kvsh prints after `nats: error: ` (one-shot commands, scripts,
/// the prompt, hook reports), in natscli's words.
///
/// natscli prints `nats: error: ` and then the error of nats.go, whose texts start with
/// `nats: ` (`nats: key not found`, `nats: API error: code=404 …`). kvsh's error types carry
/// their data and say what happened without that prefix; which failures get it is decided
/// here, case by case, so a new case must be placed. Server text quoted in a message (an
/// API error's description, a `-ERR`, a name) may hold controls: they are escaped here, once.
enum ErrorMessage {
    /// The line for `error`, controls escaped.
    static func line(for error: any Error) -> String {
        ValueText.escapingControls(text(for: error))
    }

    /// The line for `error`, unescaped.
    static func text(for error: any Error) -> String {
        switch error {
        case let e as KeyValueError: text(for: e)
        case let e as JetStreamError: text(for: e)
        case let e as NATSError: text(for: e)
        case let e as ServerError: nats("server error: \(e.text)")
        case let e as ArgumentError: e.message
        // Names the file and what is wrong with it; never quotes its content.
        case let e as CredentialsError: e.description
        case let e as CommandError: e.message
        default: "\(error)"
        }
    }

    static func text(for error: KeyValueError) -> String {
        switch error {
        case .invalidBucketName, .invalidKey, .invalidConfig, .bucketNotFound, .bucketExists, .notKeyValueBucket,
             .keyNotFound, .keyExists, .wrongLastRevision, .valueTooLarge, .bucketFull:
            nats(error.description)
        case .backend(let text):
            // Already a sentence of kvsh's own (the embedded store's checks), not nats.go's.
            text
        }
    }

    static func text(for error: JetStreamError) -> String {
        switch error {
        case .api, .notEnabled, .noStreamResponse, .invalidResponse, .slowConsumer:
            nats(error.description)
        case .noAPI:
            nats(error.description)
        }
    }

    static func text(for error: NATSError) -> String {
        switch error {
        case .cannotConnect, .invalidURL, .noResponders, .timeout, .payloadTooLarge, .connectionClosed,
             .reconnectBufferFull, .server, .tls, .protocolError, .slowConsumer, .notConnected, .cannotSign:
            nats(error.description)
        case .permissionDenied:
            nats(error.description)
        }
    }

    private static func nats(_ message: String) -> String { "nats: " + message }
}
