#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JetStream
import KeyValue
import KeyValueNATS
import NATSClient
import NIOPosix

/// The event loop of this process's connections.
let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

/// A connected store built from the global options.
struct Session: Sendable {
    let connection: NATSConnection
    let js: JetStreamContext
    let store: NATSKeyValueStore

    static func open(_ options: GlobalOptions) async throws -> Session {
        let (client, timeout) = try clientOptions(options)
        // One event-loop thread is plenty for one connection, and a CLI process starts
        // faster spawning one thread than one per core.
        let connection = try await NATSConnection.connect(client, group: eventLoopGroup)
        let js = JetStreamContext(connection: connection, timeout: timeout)
        return Session(connection: connection, js: js, store: NATSKeyValueStore(js: js))
    }

    /// The client options and request timeout the global options ask for; throws for a bad
    /// `--timeout` or server URL without touching the network.
    static func clientOptions(_ options: GlobalOptions) throws -> (ClientOptions, Duration) {
        let timeoutNanos = try parseDuration(options.timeout)
        guard timeoutNanos > 0 else { throw ArgumentError("--timeout must be positive") }
        let timeout = Duration.nanoseconds(timeoutNanos)
        let urlText = options.server ?? environment("NATS_URL") ?? "nats://127.0.0.1:4222"
        var client = ClientOptions(servers: try ServerURL.list(urlText))
        client.user = options.user
        client.password = options.password
        client.token = options.token
        if options.tlsca != nil || options.tlscert != nil || options.tlskey != nil {
            client.tls = TLSOptions(caFile: options.tlsca, certFile: options.tlscert, keyFile: options.tlskey)
        }
        client.connectTimeout = timeout
        client.requestTimeout = timeout
        return (client, timeout)
    }

    func close() async { await connection.close() }

    static func environment(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        let s = String(cString: p)
        return s.isEmpty ? nil : s
    }
}
