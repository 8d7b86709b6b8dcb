/// One `--log-format json` line: `{"ts":…,"level":…,"event":…,<fields>}` and a line feed.
/// Field values are strings, integers or doubles; callers pass names and metadata only —
/// never a key's value or a secret.
public struct JSONLogLine: Sendable {
    /// A field's value as JSON writes it.
    public enum Value: Sendable, Equatable {
        case string(String)
        case int(Int64)
        case double(Double)
        case bool(Bool)
    }

    public var timestamp: String
    public var level: String
    public var event: String
    public var fields: [(String, Value)]

    public init(timestamp: String, level: String, event: String, fields: [(String, Value)] = []) {
        self.timestamp = timestamp
        self.level = level
        self.event = event
        self.fields = fields
    }

    /// The line, ending in a line feed.
    public var text: String {
        var out = "{\"ts\":"
        Self.appendString(timestamp, to: &out)
        out += ",\"level\":"
        Self.appendString(level, to: &out)
        out += ",\"event\":"
        Self.appendString(event, to: &out)
        for (name, value) in fields {
            out += ","
            Self.appendString(name, to: &out)
            out += ":"
            switch value {
            case .string(let s): Self.appendString(s, to: &out)
            case .int(let n): out += String(n)
            case .bool(let b): out += b ? "true" : "false"
            // JSON has no infinities or NaN: those become null.
            case .double(let d): out += d.isFinite ? "\(d)" : "null"
            }
        }
        out += "}\n"
        return out
    }

    /// A JSON string: quote, backslash and every control character escaped (RFC 8259).
    static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for ch in text.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where ch.value < 0x20 || ch.value == 0x7F:
                let hex = String(ch.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(ch)
            }
        }
        out += "\""
    }
}
