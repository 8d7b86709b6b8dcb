/// Where `--metrics` listens: `HOST:PORT`, `[IPv6]:PORT`, port 0 for any free one.
/// Any host is accepted (a non-loopback one exposes the metrics to the network: docs/hooks.md).
public struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `text`; throws `MetricsAddressError` naming what is wrong.
    public init(parsing text: String) throws(MetricsAddressError) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw MetricsAddressError(text, "an IPv6 address needs its closing ]") }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            guard after.hasPrefix(":") else { throw MetricsAddressError(text, "expected [HOST]:PORT") }
            portPart = after.dropFirst()
            guard hostPart.contains(":") else { throw MetricsAddressError(text, "only an IPv6 address goes in brackets") }
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw MetricsAddressError(text, "expected HOST:PORT") }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") { throw MetricsAddressError(text, "write an IPv6 address in brackets: [::1]:9100") }
        }
        guard !hostPart.isEmpty else { throw MetricsAddressError(text, "the host is missing") }
        guard hostPart.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0 != "/" }) else {
            throw MetricsAddressError(text, "the host is not a name or an address")
        }
        guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy(\.isASCII), portPart.allSatisfy(\.isNumber),
              let port = Int(portPart), port <= 65535 else {
            throw MetricsAddressError(text, "the port must be a number from 0 to 65535")
        }
        self.init(host: String(hostPart), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A `--metrics` address that cannot be used, with the reason.
public struct MetricsAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String

    init(_ text: String, _ reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String { "--metrics \(text): \(reason)" }
}
