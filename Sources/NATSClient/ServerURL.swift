/// One server address from `--server`, `NATS_URL` or a server's `connect_urls`.
public struct ServerURL: Sendable, Hashable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?

    /// Accepts `nats://[user:pass@]host[:port]`, `tls://…`, `host[:port]` and IPv6 in brackets.
    public init(parsing text: String) throws(NATSError) {
        var rest = Substring(text.trimmingWhitespace())
        scheme = "nats"
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            scheme = rest[..<colon].lowercased()
            rest = rest[rest.index(colon, offsetBy: 3)...]
        }
        guard ["nats", "tls"].contains(scheme) else { throw .invalidURL(text) }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") {
            let cred = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = cred.firstIndex(of: ":") {
                user = String(cred[..<colon])
                password = String(cred[cred.index(after: colon)...])
            } else {
                user = String(cred)
            }
        }
        port = 4222
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalidURL(text) }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw .invalidURL(text) }
                port = p
            } else if !after.isEmpty {
                throw .invalidURL(text)
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else {
                throw .invalidURL(text)
            }
            port = p
        } else {
            host = String(rest)
        }
        guard !host.isEmpty, !host.contains(" ") else { throw .invalidURL(text) }
    }

    /// The URL without credentials, as shown to people.
    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(h):\(port)"
    }

    /// Parses a comma-separated list.
    public static func list(_ text: String) throws(NATSError) -> [ServerURL] {
        var out: [ServerURL] = []
        for part in text.split(separator: ",") where !part.trimmingWhitespace().isEmpty {
            out.append(try ServerURL(parsing: String(part)))
        }
        if out.isEmpty { throw .invalidURL(text) }
        return out
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs. Index-based: reversed views
    /// would make the runtime build generic metadata on every cold start (~10% of one).
    func trimmingWhitespace() -> String {
        let isText: (Character) -> Bool = { $0 != " " && $0 != "\t" }
        guard let first = firstIndex(where: isText), let last = lastIndex(where: isText) else { return "" }
        return String(self[first...last])
    }
}
