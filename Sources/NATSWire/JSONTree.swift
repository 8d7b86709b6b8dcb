/// A parsed JSON document, for the one JSON the client protocol itself carries (INFO), and
/// for small files a cold command reads (a natscli context).
///
/// Why not `JSONDecoder`: its first use in a process instantiates generic metadata whose
/// conformance checks scan every conformance record of the binary, about 0.6 M instructions
/// of a cold one-shot `kvsh kv get` that decodes nothing else. This parser is strict JSON
/// (RFC 8259: no trailing commas, no comments, no leading zeros, escapes checked), keeps
/// numbers as their text, and refuses nesting deeper than `maximumDepth`.
public enum JSONTree: Equatable, Sendable {
    /// An object's members by name (a repeated name keeps its last value).
    case object([String: JSONTree])
    case array([JSONTree])
    case string(String)
    /// The number's text as written (`-12`, `3.5e2`), checked against the JSON grammar.
    case number(String)
    case bool(Bool)
    case null

    /// The deepest nesting `parse` accepts.
    public static let maximumDepth = 64

    /// Parses a whole document (surrounding whitespace allowed). Throws a `WireError` that
    /// names the byte offset of the first fault (`invalid JSON at byte 12: …`).
    public static func parse(_ bytes: some Collection<UInt8>) throws(WireError) -> JSONTree {
        var parser = Parser(Array(bytes))
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.atEnd else { throw parser.error("text after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }

        func error(_ what: String) -> WireError { WireError("invalid JSON at byte \(index): \(what)") }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(WireError) -> JSONTree {
            guard depth < JSONTree.maximumDepth else { throw error("nested deeper than \(JSONTree.maximumDepth)") }
            guard index < bytes.count else { throw error("a value is missing") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func object(depth: Int) throws(WireError) -> JSONTree {
            index += 1
            var members: [String: JSONTree] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("a member name is missing") }
                let key = try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("':' is missing") }
                index += 1
                skipWhitespace()
                members[key] = try value(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw error("the object is not closed") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                guard bytes[index] == UInt8(ascii: "}") else { throw error("',' or '}' is missing") }
                index += 1
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws(WireError) -> JSONTree {
            index += 1
            var elements: [JSONTree] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw error("the array is not closed") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                guard bytes[index] == UInt8(ascii: "]") else { throw error("',' or ']' is missing") }
                index += 1
                return .array(elements)
            }
        }

        mutating func literal(_ word: String) throws(WireError) {
            let expected = word.utf8
            guard index + expected.count <= bytes.count,
                  bytes[index..<(index + expected.count)].elementsEqual(expected) else { throw error("unknown literal") }
            index += expected.count
        }

        mutating func number() throws(WireError) -> String {
            let start = index
            func digits(_ p: inout Parser) -> Int {
                let from = p.index
                while p.index < p.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.index]) {
                    p.index += 1
                }
                return p.index - from
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let leading = index
            let integer = digits(&self)
            guard integer > 0 else { throw error("not a value") }
            if integer > 1, bytes[leading] == UInt8(ascii: "0") { throw error("a number has a leading zero") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits(&self) > 0 else { throw error("a fraction has no digits") }
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard digits(&self) > 0 else { throw error("an exponent has no digits") }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func string() throws(WireError) -> String {
            index += 1
            var scalars = String.UnicodeScalarView()
            var runStart = index
            func flushRun(_ p: Parser, upTo end: Int, into out: inout String.UnicodeScalarView) throws(WireError) {
                guard let run = String(validating: p.bytes[runStart..<end], as: UTF8.self) else {
                    throw p.error("a string is not valid UTF-8")
                }
                out.append(contentsOf: run.unicodeScalars)
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    try flushRun(self, upTo: index, into: &scalars)
                    index += 1
                    return String(scalars)
                }
                if byte < 0x20 { throw error("a control character in a string") }
                if byte != UInt8(ascii: "\\") {
                    index += 1
                    continue
                }
                try flushRun(self, upTo: index, into: &scalars)
                index += 1
                guard index < bytes.count else { break }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"): scalars.append(try unicodeEscape())
                default: throw error("an unknown escape")
                }
                runStart = index
            }
            throw error("the string is not closed")
        }

        /// After `\u`: four hex digits, or a surrogate pair written as two escapes. A lone
        /// surrogate becomes U+FFFD, as Foundation's decoder does.
        mutating func unicodeEscape() throws(WireError) -> Unicode.Scalar {
            let first = try hex4()
            if (0xD800...0xDBFF).contains(first), index + 1 < bytes.count,
               bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                let save = index
                index += 2
                let second = try hex4()
                if (0xDC00...0xDFFF).contains(second) {
                    let value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    return Unicode.Scalar(value) ?? "\u{FFFD}"
                }
                index = save
            }
            return Unicode.Scalar(first) ?? "\u{FFFD}"
        }

        mutating func hex4() throws(WireError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("a \\u escape is cut short") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw error("a \\u escape has a non-hex digit")
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
