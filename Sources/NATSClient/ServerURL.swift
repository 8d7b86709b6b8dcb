/// One server address from `--server`, `NATS_URL` or a server's `connect_urls`.
public struct ServerURL: Sendable, Hashable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?

    /// Accepts `nats://[user:pass@]host[:port]`, `tls://…`, `host[:port]` and IPv6 in brackets.
    /// The credentials end at the last `@`, so a password may hold `/`, `@` or `:`; `%XX` in
    /// them is decoded. Throws `NATSError.invalidURL` with the text's credentials masked.
    public init(parsing text: String) throws(NATSError) {
        // Built only when thrown: masking the credentials costs a cold start ~0.3 M
        // instructions per URL (generic string code the runtime instantiates).
        func invalid() -> NATSError { .invalidURL(Self.redacting(text)) }
        var rest = Substring(text.trimmingWhitespace())
        scheme = "nats"
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            scheme = rest[..<colon].lowercased()
            rest = rest[rest.index(colon, offsetBy: 3)...]
        }
        guard ["nats", "tls"].contains(scheme) else { throw invalid() }
        if let at = rest.lastIndex(of: "@") {
            let cred = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = cred.firstIndex(of: ":") {
                user = Self.percentDecoded(cred[..<colon])
                password = Self.percentDecoded(cred[cred.index(after: colon)...])
            } else {
                user = Self.percentDecoded(cred)
            }
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        port = 4222
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid() }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw invalid() }
                port = p
            } else if !after.isEmpty {
                throw invalid()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else {
                throw invalid()
            }
            port = p
        } else {
            host = String(rest)
        }
        guard !host.isEmpty, !host.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw invalid()
        }
    }

    /// `text` (one URL or a comma-separated list, parsable or not) as it may be shown: the
    /// credentials of each URL — everything before its last `@` after the scheme — replaced
    /// by `***`. For prompts and messages; never the credentials themselves.
    public static func redacting(_ text: String) -> String {
        text.split(separator: ",", omittingEmptySubsequences: false).map { part -> String in
            guard let at = part.lastIndex(of: "@") else { return String(part) }
            let start = part.firstRange(of: "://").map(\.upperBound) ?? part.startIndex
            guard start <= at else { return String(part) }
            return part[..<start] + "***" + part[at...]
        }.joined(separator: ",")
    }

    private static func percentDecoded(_ text: Substring) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let high = hexValue(utf8[utf8.startIndex]), let low = hexValue(utf8[utf8.index(after: utf8.startIndex)]) {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
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
        if out.isEmpty { throw .invalidURL(redacting(text)) }
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
