#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JetStream
import KeyValue
import KeyValueEmbedded
import KeyValueNATS
import Logging
import NATSClient
import NIOCore
import NIOPosix

/// The store the global options chose, open: a NATS server when one is given (`--server`,
/// `NATS_URL` or a natscli context), else the embedded store file. (A `ShellSession`, in
/// Shell, is a run of the language; this is what its store commands reach.)
struct StoreBackend: Sendable {
    /// Which store is open; what else a backend offers follows from it.
    enum Kind: Sendable {
        case server(NATSKeyValueStore)
        case embedded(EmbeddedKeyValueStore)
    }

    let kind: Kind
    /// The event loop thread this backend started for its connection, shut down by `close()`;
    /// nil on the embedded store, or when the caller lent a group (a one-shot command, whose
    /// task runs on that loop).
    private let ownedGroup: MultiThreadedEventLoopGroup?
    /// The natscli context the server connection was made with; nil for none.
    var context: NATSContext? = nil

    var store: any KeyValueStore {
        switch kind {
        case .server(let store): store
        case .embedded(let store): store
        }
    }

    /// The server connection; nil on the embedded store.
    var connection: NATSConnection? {
        if case .server(let store) = kind { store.js.connection } else { nil }
    }

    /// Where the global options point.
    enum Target {
        /// `logger` traces the connection and its JetStream calls (`--trace`, `KVSH_LOG`);
        /// `credentials` is read when the store is opened; `jetStreamAPIPrefix` is nil for `$JS.API.`.
        case server(ClientOptions, credentials: SigningCredentials?, timeout: Duration, logger: Logger,
                    jetStreamAPIPrefix: String?)
        case embedded(path: String, isDefault: Bool)
    }

    /// Opens the store the options point at. A server connection runs on `group` when one is
    /// lent (the lender shuts it down after `close()`), else on a thread of its own that
    /// `close()` shuts down.
    static func open(_ options: GlobalOptions, group lent: (any EventLoopGroup)? = nil) async throws -> StoreBackend {
        let (target, context) = try resolved(options)
        switch target {
        case .server(var client, let credentials, let timeout, let logger, let apiPrefix):
            // Read now, so a bad or expired file fails before anything connects.
            client.nkeyAuthentication = try credentials?.authentication()
            // One event-loop thread is plenty for one connection, and a CLI process starts
            // faster spawning one thread than one per core.
            let owned = lent == nil ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
            let connection: NATSConnection
            do {
                connection = try await NATSConnection.connect(client, group: lent ?? owned!, logger: logger)
            } catch {
                try? await owned?.shutdownGracefully()
                throw error
            }
            let js = JetStreamContext(connection: connection, apiPrefix: apiPrefix, timeout: timeout, logger: logger)
            return StoreBackend(kind: .server(NATSKeyValueStore(js: js)), ownedGroup: owned, context: context)
        case .embedded(let path, let isDefault):
            if isDefault { try makeDataDirectory(for: path) }
            return StoreBackend(kind: .embedded(try await EmbeddedKeyValueStore.open(path: path)), ownedGroup: nil)
        }
    }

    /// Resolves the global options without touching the network (it reads the natscli
    /// context they choose, if any); throws for a bad `--timeout`, server URL, context or
    /// combination of options.
    static func target(_ options: GlobalOptions) throws -> Target { try resolved(options).target }

    /// The target and the natscli context it uses (nil for none). `--store` beats the
    /// environment and the selected context; otherwise a flag beats its variable, which beats
    /// the context (`ConnectionSettings`), and a context always means a server.
    static func resolved(_ options: GlobalOptions) throws -> (target: Target, context: NATSContext?) {
        // A bad flag is an error whatever the store; the variable is read only for a server.
        let flagTimeout = try options.timeout.map { text throws in try parsedTimeout(text, from: "--timeout") }
        let logger = try KvshLogging.logger(options)
        if let store = options.store {
            if options.server != nil {
                throw ArgumentError("--store and --server exclude each other: give one store")
            }
            if options.context != nil {
                throw ArgumentError("--store and --context exclude each other: give one store")
            }
            guard !store.isEmpty else { throw ArgumentError("--store needs a file name") }
            try rejectServerOptions(options, environment: false)
            return (.embedded(path: store, isDefault: false), nil)
        }
        let settings = try ConnectionSettings.resolve(options, environment: environment,
                                                      directory: ContextDirectory(environment: environment))
        guard settings.servers != nil else {
            try rejectServerOptions(options, environment: true)
            try ConnectionSettings.rejectServerVariables(environment)
            return (.embedded(path: try defaultStorePath(), isDefault: true), nil)
        }
        let credentials = try SigningCredentials.chosen(options)
            ?? settings.contextSigningCredentials(options, environment: environment)
        let timeout = try flagTimeout ?? environment("NATS_TIMEOUT").map { text throws in
            try Self.parsedTimeout(text, from: "NATS_TIMEOUT")
        } ?? GlobalOptions.defaultTimeout
        var client = try settings.clientOptions()
        client.connectTimeout = timeout
        client.requestTimeout = timeout
        let apiPrefix = try settings.jetStreamAPIPrefix()
        return (.server(client, credentials: credentials, timeout: timeout, logger: logger,
                        jetStreamAPIPrefix: apiPrefix), settings.context)
    }

    /// `text` as a positive timeout; `name` (the flag or the variable) is named in the errors.
    static func parsedTimeout(_ text: String, from name: String) throws -> Duration {
        let nanos: Int64
        do {
            nanos = try parseDuration(text)
        } catch {
            // The flag's message stays as it was; the variable's says which it is.
            throw name.hasPrefix("-") ? error : ArgumentError("\(name): \(error.message)")
        }
        guard nanos > 0 else { throw ArgumentError("\(name) must be positive") }
        return .nanoseconds(nanos)
    }

    /// Credentials and TLS files mean a server: on the embedded store they would be ignored.
    /// With `environment`, so does `NATS_CREDS` or `NATS_NKEY`: a user who set one and named
    /// no store expects a server, not the local file (`--store` says otherwise).
    private static func rejectServerOptions(_ options: GlobalOptions, environment: Bool) throws {
        let given = [("--user", options.user), ("--password", options.password), ("--token", options.token),
                     ("--tlsca", options.tlsca), ("--tlscert", options.tlscert), ("--tlskey", options.tlskey),
                     ("--tlsfirst", options.tlsFirst ? "" : nil), ("--inbox-prefix", options.inboxPrefix)]
            .filter { $0.1 != nil }.map(\.0) + (SigningCredentials.source(options, environment: environment).map { [$0] } ?? [])
        let jetStream: [(String, String?)] = [("--js-domain", options.jsDomain), ("--js-api-prefix", options.jsAPIPrefix)]
        if let first = given.first ?? jetStream.first(where: { $0.1 != nil })?.0 {
            throw ArgumentError("\(first) needs a server: give --server URL or set NATS_URL "
                                + "(without one kvsh uses the embedded store)")
        }
    }

    /// `$XDG_DATA_HOME/kvsh/store.db`, with `~/.local/share` when XDG_DATA_HOME is unset.
    static func defaultStorePath() throws -> String {
        if let data = environment("XDG_DATA_HOME"), data.hasPrefix("/") { return data + "/kvsh/store.db" }
        guard let home = environment("HOME") else {
            throw ArgumentError("cannot find the embedded store: set HOME or XDG_DATA_HOME, or give --store FILE")
        }
        return home + "/.local/share/kvsh/store.db"
    }

    /// Creates the store's directory (and missing parents); the kvsh directory itself is
    /// private (0700), as it holds the user's data.
    private static func makeDataDirectory(for path: String) throws {
        let dir = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        var prefix = ""
        for part in dir.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw ArgumentError("cannot create \(prefix): \(String(cString: strerror(errno)))")
            }
        }
        chmod(dir, 0o700)
    }

    func close() async {
        await store.close()
        try? await ownedGroup?.shutdownGracefully()
    }

    static func environment(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        let s = String(cString: p)
        return s.isEmpty ? nil : s
    }
}
