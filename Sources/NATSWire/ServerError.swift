/// A `-ERR` from the server: its text as sent (quotes removed) and what it means.
///
/// The kind is read from the text once, here at the protocol boundary, the way the NATS
/// clients read it (case-insensitive, the server's fixed phrases); everything above switches on
/// `kind` instead of looking at the words.
public struct ServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server's fixed `-ERR` phrases (nats-server `client.go`, `parser.go`, `server.go`).
    public enum Kind: Sendable, Hashable {
        /// `Authorization Violation`: the credentials were refused.
        case authorizationViolation
        /// `Authentication Timeout`: CONNECT did not come in time.
        case authenticationTimeout
        /// `User Authentication Expired`.
        case authenticationExpired
        /// `Account Authentication Expired`.
        case accountAuthenticationExpired
        /// `User Authentication Revoked`.
        case authenticationRevoked
        /// `Permissions Violation for Publish to "a.b"` and its kin. The operation and the
        /// subject are nil when the text does not name them the way the server does.
        case permissionsViolation(PermissionsOperation?, subject: String?)
        /// `Stale Connection`: the server got no PONG to its PINGs.
        case staleConnection
        /// `maximum connections exceeded`.
        case maximumConnectionsExceeded
        /// `maximum account active connections exceeded`.
        case maximumAccountConnectionsExceeded
        /// `maximum subscriptions exceeded`.
        case maximumSubscriptionsExceeded
        /// `Maximum Payload Violation`: a message larger than the server's `max_payload`.
        case maximumPayloadViolation
        /// `Unknown Protocol Operation`.
        case unknownProtocolOperation
        /// `Secure Connection - TLS Required`.
        case tlsRequired
        /// Any other text; it is in `text`.
        case other
    }

    /// What a permissions violation refused.
    public enum PermissionsOperation: Sendable, Hashable {
        /// `… for Publish to "subject"`.
        case publish
        /// `… for Subscription to "subject"` (with or without a queue).
        case subscribe
        /// `… for Publish with Reply of "subject"`.
        case publishReply
    }

    /// The text as the server sent it, without the quotes around it.
    public let text: String
    /// What the text says.
    public let kind: Kind

    /// Reads `kind` from `text` (the text without its quotes).
    public init(_ text: String) {
        self.text = text
        self.kind = Self.kind(of: text)
    }

    /// The server's text.
    public var description: String { text }

    // MARK: Reading the text

    /// Phrases the whole text is, compared without regard to case.
    private static let exact: [String: Kind] = [
        "stale connection": .staleConnection,
        "maximum connections exceeded": .maximumConnectionsExceeded,
        "maximum account active connections exceeded": .maximumAccountConnectionsExceeded,
        "maximum payload violation": .maximumPayloadViolation,
        "unknown protocol operation": .unknownProtocolOperation,
        "secure connection - tls required": .tlsRequired,
        "authentication timeout": .authenticationTimeout,
    ]

    /// Phrases the text starts with (the server may add detail after them).
    private static let prefixes: [(String, Kind)] = [
        ("authorization violation", .authorizationViolation),
        ("user authentication expired", .authenticationExpired),
        ("account authentication expired", .accountAuthenticationExpired),
        ("user authentication revoked", .authenticationRevoked),
        ("maximum subscriptions exceeded", .maximumSubscriptionsExceeded),
    ]

    /// What follows "permissions violation for ", and the operation it names.
    private static let permissions: [(String, PermissionsOperation)] = [
        ("publish with reply of ", .publishReply),
        ("publish to ", .publish),
        ("subscription to ", .subscribe),
    ]

    static func kind(of text: String) -> Kind {
        let lower = asciiLowercased(text)
        if let kind = exact[lower] { return kind }
        for (phrase, kind) in prefixes where lower.hasPrefix(phrase) { return kind }
        guard lower.hasPrefix("permissions violation") else { return .other }
        let violation = "permissions violation for "
        let rest = lower.utf8.dropFirst(violation.utf8.count)
        if lower.hasPrefix(violation) {
            for (phrase, operation) in permissions where rest.starts(with: phrase.utf8) {
                // ASCII lowercasing keeps every byte where it was, so offsets carry over.
                let quoted = Substring(text).utf8.dropFirst(violation.utf8.count + phrase.utf8.count)
                return .permissionsViolation(operation, subject: goQuoted(quoted))
            }
        }
        return .permissionsViolation(nil, subject: nil)
    }

    /// `text` with A–Z lowered and every other byte left alone.
    private static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// The string of a Go `%q` at the start of `bytes` (`"a.b"`, with `\"`, `\\`, `\t`, `\n`,
    /// `\r`, `\xHH`, `\uHHHH`, `\UHHHHHHHH` escapes), or nil when it is not one.
    static func goQuoted(_ bytes: Substring.UTF8View) -> String? {
        var i = bytes.startIndex
        guard i < bytes.endIndex, bytes[i] == UInt8(ascii: "\"") else { return nil }
        i = bytes.index(after: i)
        var out: [UInt8] = []
        func hex(_ count: Int) -> UInt32? {
            var value: UInt32 = 0
            for _ in 0..<count {
                guard i < bytes.endIndex, let digit = hexValue(bytes[i]) else { return nil }
                value = value << 4 | digit
                i = bytes.index(after: i)
            }
            return value
        }
        while i < bytes.endIndex {
            let byte = bytes[i]
            i = bytes.index(after: i)
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard i < bytes.endIndex else { return nil }
                let escape = bytes[i]
                i = bytes.index(after: i)
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(escape)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "x"):
                    guard let value = hex(2) else { return nil }
                    out.append(UInt8(value))
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    guard let value = hex(escape == UInt8(ascii: "u") ? 4 : 8),
                          let scalar = Unicode.Scalar(value) else { return nil }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    return nil
                }
            default:
                out.append(byte)
            }
        }
        return nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 48...57: UInt32(byte - 48)
        case 65...70: UInt32(byte - 55)
        case 97...102: UInt32(byte - 87)
        default: nil
        }
    }
}
