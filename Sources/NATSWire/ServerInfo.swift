import NIOCore

/// The server's `INFO` document. Unknown fields are ignored; every field is optional
/// on the wire, so missing ones get neutral defaults.
public struct ServerInfo: Sendable, Equatable {
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

    /// The members INFO names, as the server spells them.
    enum Member: String {
        case serverID = "server_id", serverName = "server_name", version, proto, host, port, headers
        case maxPayload = "max_payload", jetstream, clientID = "client_id", clientIP = "client_ip"
        case authRequired = "auth_required", tlsRequired = "tls_required"
        case tlsAvailable = "tls_available", nonce, cluster, domain
        case connectURLs = "connect_urls", lameDuckMode = "ldm", apiLevel = "api_lvl"
    }

    /// Decodes the JSON after `INFO ` (with `JSONTree`, not `JSONDecoder`: see there). A known
    /// field of the wrong type is an error; unknown fields are skipped, whatever they hold.
    public static func decode(_ json: ByteBuffer) throws(WireError) -> ServerInfo {
        let tree: JSONTree
        do {
            tree = try JSONTree.parse(json.readableBytesView)
        } catch {
            throw WireError("invalid INFO JSON: \(error.description)")
        }
        guard case .object(let fields) = tree else { throw WireError("invalid INFO JSON: not an object") }
        var info = ServerInfo()
        let reader = FieldReader(fields: fields)
        info.serverID = try reader.string(.serverID) ?? ""
        info.serverName = try reader.string(.serverName) ?? ""
        info.version = try reader.string(.version) ?? ""
        info.proto = try reader.integer(.proto) ?? 0
        info.host = try reader.string(.host) ?? ""
        info.port = try reader.integer(.port) ?? 0
        info.headers = try reader.bool(.headers) ?? false
        info.maxPayload = try reader.integer(.maxPayload) ?? 1_048_576
        info.jetstream = try reader.bool(.jetstream) ?? false
        info.clientID = try reader.integer(.clientID)
        info.clientIP = try reader.string(.clientIP)
        info.authRequired = try reader.bool(.authRequired) ?? false
        info.tlsRequired = try reader.bool(.tlsRequired) ?? false
        info.tlsAvailable = try reader.bool(.tlsAvailable) ?? false
        info.nonce = try reader.string(.nonce)
        info.cluster = try reader.string(.cluster)
        info.domain = try reader.string(.domain)
        info.connectURLs = try reader.strings(.connectURLs) ?? []
        info.lameDuckMode = try reader.bool(.lameDuckMode) ?? false
        info.apiLevel = try reader.integer(.apiLevel)
        return info
    }

    /// Typed access to INFO's members; absent or `null` is nil.
    private struct FieldReader {
        let fields: [String: JSONTree]

        func value(_ key: Member) -> JSONTree? {
            switch fields[key.rawValue] {
            case nil, .null?: nil
            case let value?: value
            }
        }

        func mismatch(_ key: Member, _ type: String) -> WireError {
            WireError("invalid INFO JSON: \(key.rawValue) is not \(type)")
        }

        func string(_ key: Member) throws(WireError) -> String? {
            guard let value = value(key) else { return nil }
            guard case .string(let text) = value else { throw mismatch(key, "a string") }
            return text
        }

        func bool(_ key: Member) throws(WireError) -> Bool? {
            guard let value = value(key) else { return nil }
            guard case .bool(let flag) = value else { throw mismatch(key, "true or false") }
            return flag
        }

        func integer<I: FixedWidthInteger>(_ key: Member) throws(WireError) -> I? {
            guard let value = value(key) else { return nil }
            guard case .number(let text) = value, let number = I(text) else { throw mismatch(key, "an integer in range") }
            return number
        }

        func strings(_ key: Member) throws(WireError) -> [String]? {
            guard let value = value(key) else { return nil }
            guard case .array(let elements) = value else { throw mismatch(key, "a list of strings") }
            var out: [String] = []
            out.reserveCapacity(elements.count)
            for element in elements {
                guard case .string(let text) = element else { throw mismatch(key, "a list of strings") }
                out.append(text)
            }
            return out
        }
    }
}
