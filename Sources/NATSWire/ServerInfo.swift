import NIOCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The server's `INFO` document. Unknown fields are ignored; every field is optional
/// on the wire, so missing ones get neutral defaults.
public struct ServerInfo: Sendable, Equatable, Decodable {
    public var serverID: String = ""
    public var serverName: String = ""
    public var version: String = ""
    public var proto: Int = 0
    public var host: String = ""
    public var port: Int = 0
    public var headers: Bool = false
    public var maxPayload: Int = 1_048_576
    public var jetstream: Bool = false
    public var clientID: UInt64?
    public var clientIP: String?
    public var authRequired: Bool = false
    public var tlsRequired: Bool = false
    public var tlsAvailable: Bool = false
    public var nonce: String?
    public var cluster: String?
    public var domain: String?
    public var connectURLs: [String] = []
    public var lameDuckMode: Bool = false
    public var apiLevel: Int?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case serverID = "server_id", serverName = "server_name", version, proto, host, port, headers
        case maxPayload = "max_payload", jetstream, clientID = "client_id", clientIP = "client_ip"
        case authRequired = "auth_required", tlsRequired = "tls_required"
        case tlsAvailable = "tls_available", nonce, cluster, domain
        case connectURLs = "connect_urls", lameDuckMode = "ldm", apiLevel = "api_lvl"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        serverID = try c.decodeIfPresent(String.self, forKey: .serverID) ?? ""
        serverName = try c.decodeIfPresent(String.self, forKey: .serverName) ?? ""
        version = try c.decodeIfPresent(String.self, forKey: .version) ?? ""
        proto = try c.decodeIfPresent(Int.self, forKey: .proto) ?? 0
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? ""
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? 0
        headers = try c.decodeIfPresent(Bool.self, forKey: .headers) ?? false
        maxPayload = try c.decodeIfPresent(Int.self, forKey: .maxPayload) ?? 1_048_576
        jetstream = try c.decodeIfPresent(Bool.self, forKey: .jetstream) ?? false
        clientID = try c.decodeIfPresent(UInt64.self, forKey: .clientID)
        clientIP = try c.decodeIfPresent(String.self, forKey: .clientIP)
        authRequired = try c.decodeIfPresent(Bool.self, forKey: .authRequired) ?? false
        tlsRequired = try c.decodeIfPresent(Bool.self, forKey: .tlsRequired) ?? false
        tlsAvailable = try c.decodeIfPresent(Bool.self, forKey: .tlsAvailable) ?? false
        nonce = try c.decodeIfPresent(String.self, forKey: .nonce)
        cluster = try c.decodeIfPresent(String.self, forKey: .cluster)
        domain = try c.decodeIfPresent(String.self, forKey: .domain)
        connectURLs = try c.decodeIfPresent([String].self, forKey: .connectURLs) ?? []
        lameDuckMode = try c.decodeIfPresent(Bool.self, forKey: .lameDuckMode) ?? false
        apiLevel = try c.decodeIfPresent(Int.self, forKey: .apiLevel)
    }

    /// Decodes the JSON after `INFO `.
    public static func decode(_ json: ByteBuffer) throws(WireError) -> ServerInfo {
        do {
            return try JSONDecoder().decode(ServerInfo.self, from: Data(json.readableBytesView))
        } catch {
            throw WireError("invalid INFO JSON: \(error)")
        }
    }
}
