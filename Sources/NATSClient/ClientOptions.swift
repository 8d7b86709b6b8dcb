import NATSWire

/// TLS material for `tls://` servers or servers that require TLS, and when to start it.
public struct TLSOptions: Sendable, Equatable {
    /// PEM file of the CA that signed the server certificate; system roots when nil.
    public var caFile: String?
    /// PEM client certificate and key, for servers that verify clients.
    public var certFile: String?
    public var keyFile: String?
    /// The TLS handshake right after the TCP connect, before the server's INFO, which then
    /// comes inside TLS (ADR-40; nats-server's `handshake_first`), reconnects included.
    public var handshakeFirst: Bool
    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, handshakeFirst: Bool = false) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.handshakeFirst = handshakeFirst
    }
}

/// Authentication by signature: CONNECT carries the signature of the server's nonce and who
/// signed it, an nkey user's public key (`--nkey`) or a user JWT (`--creds`). The key stays
/// inside `sign`; nothing here reads a file.
public struct NKeyAuthentication: Sendable {
    public enum Identity: Sendable, Equatable {
        /// An nkey user, by its public key (`U…`): CONNECT's `nkey`.
        case nkey(publicKey: String)
        /// A user JWT (decentralized auth): CONNECT's `jwt`.
        case jwt(String)
    }

    public var identity: Identity
    /// The Ed25519 signature of the nonce's bytes as CONNECT's `sig` carries it (base64url
    /// without padding). Called for every handshake, reconnects included, each with that
    /// server's nonce.
    public var sign: @Sendable (_ nonce: [UInt8]) throws -> String

    public init(identity: Identity, sign: @escaping @Sendable (_ nonce: [UInt8]) throws -> String) {
        self.identity = identity
        self.sign = sign
    }
}

/// How to reach and authenticate to NATS, and how hard to try.
public struct ClientOptions: Sendable {
    public var servers: [ServerURL]
    public var user: String?
    public var password: String?
    public var token: String?
    /// An nkey user or a user JWT, proven by signing the nonce; sent besides any of the above.
    public var nkeyAuthentication: NKeyAuthentication?
    /// Set to force TLS; `tls://` URLs and servers with `tls_required` use it anyway.
    public var tls: TLSOptions?
    public var name: String = "kvsh"
    /// Bound on one connection attempt (TCP, TLS, INFO, CONNECT/PONG).
    public var connectTimeout: Duration = .seconds(2)
    /// Default bound on a request.
    public var requestTimeout: Duration = .seconds(5)
    /// Attempts over the whole pool after a disconnect; nil retries forever.
    public var maxReconnectAttempts: Int? = nil
    /// Longest pause between reconnect rounds (the first retry is immediate).
    public var reconnectWait: Duration = .seconds(2)
    /// Bytes kept for the server while reconnecting.
    public var reconnectBufferSize = 8 << 20
    public var pingInterval: Duration = .seconds(120)
    public var maxPingsOutstanding = 2
    public var inboxPrefix = "_INBOX"
    /// Learn cluster members from INFO `connect_urls`.
    public var useDiscoveredServers = true

    public init(servers: [ServerURL]) { self.servers = servers }
}

/// Something that happened to the connection, for logs and the REPL.
public enum ConnectionEvent: Sendable, Equatable {
    case disconnected(String)
    case reconnected(String)
    case lameDuck(String)
    /// A `-ERR` that did not end the connection (e.g. a permissions violation).
    case serverError(ServerError)
    case closed
}
