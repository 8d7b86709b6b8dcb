import JetStream
import KeyValue
import NATSClient
import NATSWire
import Shell
import Testing
@testable import KvshCLI

/// What follows `nats: error: ` for each failure. The `nats: ` texts are nats.go's error
/// strings (jetstream/errors.go: `nats: key not found`, `nats: bucket not found`, `nats: bucket
/// not valid key-value store`, `nats: API error: code=… err_code=… description=…`; nats.go:
/// `nats: no responders available for request`, `nats: connection closed`), which natscli
/// prints after its own `nats: error: `; kvsh adds what it knows (the bucket, the numbers).
@Suite("The command line's error messages")
struct ErrorMessageTests {
    @Test("key-value errors", arguments: [
        (KeyValueError.keyExists(bucket: "b", key: "Semaphore1", lastRevision: 1), "nats: wrong last sequence: 1: key exists"),
        (.wrongLastRevision(bucket: "b", key: "Semaphore1", expected: 13, actual: 14), "nats: wrong last sequence: 14"),
        (.wrongLastRevision(bucket: "b", key: "Semaphore1", expected: 13, actual: nil), "nats: wrong last sequence"),
        (.keyNotFound(bucket: "b", key: "Key1"), "nats: key not found"),
        (.bucketNotFound("my-kv"), "nats: bucket not found: my-kv"),
        (.bucketExists("my-kv"), "nats: bucket name already in use: my-kv"),
        (.notKeyValueBucket("my-kv"), "nats: bucket not valid key-value store: my-kv"),
        (.invalidConfig("history limited to a max of 64"), "nats: history limited to a max of 64"),
        (.invalidBucketName("my kv"), "nats: invalid bucket name \"my kv\": use letters, digits, '_' and '-'"),
        (.invalidKey("a..b", reason: "a key must not contain '..'"),
         "nats: invalid key \"a..b\": a key must not contain '..'"),
        (.valueTooLarge(size: 2048, limit: 1024),
         "nats: value of 2048 bytes is larger than the maximum of 1024 bytes"),
        (.bucketFull("my-kv"), "nats: bucket my-kv is full: maximum bytes exceeded"),
        // kvsh's own sentences (the embedded store's file checks) have no nats: before them.
        (.backend("the store file is damaged: x"), "the store file is damaged: x"),
    ])
    func keyValue(_ error: KeyValueError, _ line: String) {
        #expect(ErrorMessage.line(for: error) == line)
    }

    @Test("JetStream errors", arguments: [
        (JetStreamError.api(APIError(code: 404, errCode: .streamNotFound, description: "stream not found")),
         "nats: API error: code=404 err_code=10059 description=stream not found"),
        (.api(APIError(code: 400, errCode: .other(10999), description: "something new")),
         "nats: API error: code=400 err_code=10999 description=something new"),
        (.notEnabled,
         "nats: JetStream is not supported in this account (is the server started with JetStream on? run nats-server -js)"),
        (.noAPI(apiPrefix: "$JS.hub.API."),
         "nats: no JetStream answers on $JS.hub.API.> (is the JetStream domain or API prefix right?)"),
        (.noStreamResponse(subject: "$KV.b.k"), "nats: no response from stream for $KV.b.k"),
        (.invalidResponse("STREAM.INFO.KV_b: bad"), "nats: invalid JetStream response: STREAM.INFO.KV_b: bad"),
        (.slowConsumer(stream: "KV_b", limits: PendingLimits(messages: 10, bytes: 100)),
         "nats: slow consumer: the reader of stream KV_b fell more than 10 messages or 100 bytes behind; it was stopped"),
    ])
    func jetStream(_ error: JetStreamError, _ line: String) {
        #expect(ErrorMessage.line(for: error) == line)
    }

    @Test("connection errors", arguments: [
        (NATSError.cannotConnect(tried: [ConnectAttempt(server: "nats://127.0.0.1:1", reason: "connection refused"),
                                         ConnectAttempt(server: "tls://a.example:4222", reason: "timed out")]),
         "nats: could not connect to nats://127.0.0.1:1 (connection refused); tls://a.example:4222 (timed out)"),
        (.invalidURL("nats://***@h:x"),
         "nats: invalid server URL \"nats://***@h:x\": use nats://host:port, tls://host:port or host:port"),
        (.noResponders(subject: "$JS.API.INFO"), "nats: no responders available for request on $JS.API.INFO"),
        (.timeout(what: "a reply on $JS.API.INFO"), "nats: timeout waiting for a reply on $JS.API.INFO"),
        (.payloadTooLarge(size: 2_000_000, max: 1_048_576),
         "nats: maximum payload exceeded: 2000000 bytes is more than the server's limit of 1048576 bytes"),
        (.connectionClosed, "nats: connection closed"),
        (.reconnectBufferFull, "nats: outbound buffer full while reconnecting"),
        (.server(ServerError("Authorization Violation"), server: "nats://127.0.0.1:4222"),
         "nats: server error: Authorization Violation (connecting to nats://127.0.0.1:4222)"),
        (.server(ServerError("Maximum Payload Violation")), "nats: server error: Maximum Payload Violation"),
        (.tls("handshake failed"), "nats: TLS error: handshake failed"),
        (.protocolError("unknown protocol operation 'X'"), "nats: protocol error: unknown protocol operation 'X'"),
        (.slowConsumer(subject: "a.b", limits: PendingLimits(messages: 5, bytes: 50)),
         "nats: slow consumer: more than 5 messages or 50 bytes waited to be read on a.b; the subscription was stopped"),
        (.permissionDenied(.publish, subject: "$KV.b.k"), "nats: permission denied: publish to \"$KV.b.k\""),
        (.permissionDenied(.subscribe, subject: "_INBOX.x"), "nats: permission denied: subscription to \"_INBOX.x\""),
        (.permissionDenied(.publishReply, subject: "_INBOX.x.1"),
         "nats: permission denied: publish with reply subject \"_INBOX.x.1\""),
        (.permissionDenied(.publish, subject: "a\u{1B}b"), "nats: permission denied: publish to \"a\\x1bb\""),
    ])
    func connection(_ error: NATSError, _ line: String) {
        #expect(ErrorMessage.line(for: error) == line)
    }

    @Test("a -ERR the connection outlived, kvsh's own errors and anything else")
    func others() {
        #expect(ErrorMessage.line(for: ServerError(#"Permissions Violation for Publish to "x""#))
            == #"nats: server error: Permissions Violation for Publish to "x""#)
        #expect(ErrorMessage.line(for: ArgumentError("invalid duration \"x\"")) == "invalid duration \"x\"")
        #expect(ErrorMessage.line(for: CommandError("off: there is no hook 3", status: 64)) == "off: there is no hook 3")
        struct Plain: Error, CustomStringConvertible { var description: String { "plain\ntext" } }
        #expect(ErrorMessage.line(for: Plain()) == "plain\\ntext")
    }

    @Test("controls in names and server text are escaped, once")
    func escapedOnce() {
        #expect(ErrorMessage.line(for: KeyValueError.bucketNotFound("a\u{1B}b")) == "nats: bucket not found: a\\x1bb")
        let api = JetStreamError.api(APIError(code: 500, errCode: .other(1), description: "x\\x1b"))
        // A backslash the server sent is not an escape: it passes as it is.
        #expect(ErrorMessage.line(for: api) == "nats: API error: code=500 err_code=1 description=x\\x1b")
    }

    @Test("the lower layers' descriptions leave the nats: prefix to the command line")
    func noPrefixBelow() {
        let errors: [any Error & CustomStringConvertible] = [
            KeyValueError.keyNotFound(bucket: "b", key: "k"), KeyValueError.bucketNotFound("b"),
            JetStreamError.notEnabled, NATSError.connectionClosed, NATSError.noResponders(subject: "s"),
            NATSError.server(ServerError("Authorization Violation")),
        ]
        for error in errors {
            #expect(!error.description.hasPrefix("nats: "), "\(error)")
            #expect(ErrorMessage.line(for: error) == "nats: " + error.description)
        }
    }
}
