/// A JSON document built in code and written compactly, with object members in the order
/// given (so output is stable and reads in a sensible order without sorting).
///
/// Strings are escaped for JSON and for terminals alike: `"` and `\`, every C0 control
/// (`\n`, `\t`, … or `\u00XX`), DEL and the C1 controls, and U+2028/U+2029 (which break
/// JavaScript string literals) are written as escapes; all other non-ASCII text is written
/// as UTF-8 as it is.
///
/// ```
/// JSONValue.object([.init("bucket", .string("my-kv")), .init("revision", .uint(3))]).serialized
/// // {"bucket":"my-kv","revision":3}
/// ```
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    /// A finite number as Swift prints it; JSON has no infinities or NaN, so those are `null`.
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Members in output order; names should be unique.
    case object([Member])

    /// One `"name": value` pair of an object.
    struct Member: Sendable, Equatable {
        var name: String
        var value: JSONValue
        init(_ name: String, _ value: JSONValue) {
            self.name = name
            self.value = value
        }
    }

    /// A string, or `null` for nil.
    static func nullable(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }

    /// The compact JSON text, without a trailing newline.
    var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let n): out += String(n)
        case .uint(let n): out += String(n)
        case .double(let d): out += d.isFinite ? "\(d)" : "null"
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                Self.writeString(member.name, to: &out)
                out += ":"
                member.value.write(to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                let v = scalar.value
                if v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029 {
                    let hex = String(v, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.utf8.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
