import KeyValue

/// JSON text (RFC 8259) to values and back, strict and self-contained (no Foundation): objects
/// become records with their members in order, arrays lists, integers that fit `Int` ints,
/// other numbers doubles, `null` the null value.
///
/// Decisions: a duplicate member name is an error (two readers could otherwise see two
/// different values); nesting deeper than `maxDepth` is an error; a lone surrogate escape is
/// an error; a number too large for a `Double` is an error; nothing but whitespace may follow
/// the document. Offsets in messages count bytes from 0.
enum JSONText {
    /// Arrays and objects may nest this deep, so hostile input cannot exhaust the stack.
    static let maxDepth = 100

    /// Why a text is not JSON, and at which byte (from 0).
    struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        var problem: String
        var offset: Int
        var description: String { "\(problem) at byte \(offset)" }
    }

    /// Parses a whole document.
    /// - Throws: `SyntaxError` naming the first problem and its byte offset.
    static func parse(_ text: String) throws(SyntaxError) -> Value {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses a whole document given as UTF-8 bytes.
    /// - Throws: `SyntaxError`, also for bytes that are not UTF-8.
    static func parse(bytes: [UInt8]) throws(SyntaxError) -> Value {
        var parser = Parser(bytes: bytes)
        try parser.checkUTF8()
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.failure("unexpected text after the document") }
        return value
    }

    /// Why a value has no JSON form.
    struct EncodingError: Error, Sendable, Equatable, CustomStringConvertible {
        var description: String
    }

    /// The compact JSON text of a value: entries become objects of their fields
    /// (bucket key value revision created op delta).
    /// - Throws: `EncodingError` for a NaN or infinite double.
    static func encode(_ value: Value) throws(EncodingError) -> String {
        var out = ""
        try encode(value, into: &out)
        return out
    }

    private static func encode(_ value: Value, into out: inout String) throws(EncodingError) {
        switch value {
        case .string(let text): appendString(text, to: &out)
        case .int(let n): out += String(n)
        case .double(let d):
            guard d.isFinite else { throw EncodingError(description: "\(d) has no JSON form (only finite numbers do)") }
            out += Value.shortestText(d)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .list(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                try encode(item, into: &out)
            }
            out += "]"
        case .record(let record):
            try encodeMembers(record.fields.map { ($0.name, $0.value) }, into: &out)
        case .entry(let entry):
            let record = Value.record(of: entry)
            let order = ["bucket", "key", "value", "revision", "created", "op", "delta"]
            try encodeMembers(order.map { ($0, record[$0] ?? .null) }, into: &out)
        }
    }

    private static func encodeMembers(_ members: [(String, Value)], into out: inout String) throws(EncodingError) {
        out += "{"
        for (i, member) in members.enumerated() {
            if i > 0 { out += "," }
            appendString(member.0, to: &out)
            out += ":"
            try encode(member.1, into: &out)
        }
        out += "}"
    }

    /// A JSON string literal: `"` and `\` escaped, control characters (and DEL) as `\u00XX`.
    static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension JSONText {
    /// A recursive-descent reader over the bytes; `depth` bounds the recursion.
    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        func failure(_ problem: String, at offset: Int? = nil) -> SyntaxError {
            SyntaxError(problem: problem, offset: offset ?? index)
        }

        /// Names the byte at the cursor for messages: `'x'`, `end of text`, `byte 0x07`.
        var found: String {
            guard index < bytes.count else { return "end of text" }
            let b = bytes[index]
            return b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x" + String(b, radix: 16)
        }

        func checkUTF8() throws(SyntaxError) {
            var iterator = bytes.makeIterator()
            var decoder = UTF8()
            var offset = 0
            while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let scalar): offset += UTF8.width(scalar)
                case .emptyInput: return
                case .error: throw failure("the text is not valid UTF-8", at: offset)
                }
            }
        }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> Value {
            guard index < bytes.count else { throw failure("expected a value, found end of text") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw failure("expected a value, found \(found)")
            }
        }

        private mutating func literal(_ word: String) throws(SyntaxError) {
            let start = index
            for expected in word.utf8 {
                guard index < bytes.count, bytes[index] == expected else {
                    throw failure("expected '\(word)'", at: start)
                }
                index += 1
            }
        }

        private mutating func object(depth: Int) throws(SyntaxError) -> Value {
            guard depth <= JSONText.maxDepth else { throw failure("nesting deeper than \(JSONText.maxDepth) levels") }
            index += 1
            var fields: [(String, Value)] = []
            var names = Set<String>()
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .record(Record(fields))
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw failure("expected a member name in double quotes, found \(found)")
                }
                let nameOffset = index
                let name = try string()
                guard names.insert(name).inserted else {
                    throw failure("duplicate member \"\(name)\"", at: nameOffset)
                }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw failure("expected ':' after the member name, found \(found)")
                }
                index += 1
                skipWhitespace()
                fields.append((name, try value(depth: depth)))
                skipWhitespace()
                guard index < bytes.count else { throw failure("expected ',' or '}', found end of text") }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .record(Record(fields))
                }
                guard bytes[index] == UInt8(ascii: ",") else { throw failure("expected ',' or '}', found \(found)") }
                index += 1
            }
        }

        private mutating func array(depth: Int) throws(SyntaxError) -> Value {
            guard depth <= JSONText.maxDepth else { throw failure("nesting deeper than \(JSONText.maxDepth) levels") }
            index += 1
            var items: [Value] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .list(items)
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw failure("expected ',' or ']', found end of text") }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .list(items)
                }
                guard bytes[index] == UInt8(ascii: ",") else { throw failure("expected ',' or ']', found \(found)") }
                index += 1
            }
        }

        private mutating func string() throws(SyntaxError) -> String {
            let start = index
            index += 1
            var scalars = String.UnicodeScalarView()
            var runStart = index
            func flush(_ end: Int) {
                scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars)
            }
            while true {
                guard index < bytes.count else { throw failure("unterminated string starting", at: start) }
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    flush(index)
                    index += 1
                    return String(scalars)
                }
                if b < 0x20 { throw failure("control character 0x\(String(b, radix: 16)) in a string (escape it)") }
                guard b == UInt8(ascii: "\\") else {
                    index += 1
                    continue
                }
                flush(index)
                scalars.append(try escape())
                runStart = index
            }
        }

        /// One escape after a backslash; a surrogate pair is one escape of twelve bytes.
        private mutating func escape() throws(SyntaxError) -> Unicode.Scalar {
            let start = index
            index += 1
            guard index < bytes.count else { throw failure("unterminated escape", at: start) }
            let c = bytes[index]
            index += 1
            switch c {
            case UInt8(ascii: "\""): return "\""
            case UInt8(ascii: "\\"): return "\\"
            case UInt8(ascii: "/"): return "/"
            case UInt8(ascii: "b"): return "\u{8}"
            case UInt8(ascii: "f"): return "\u{C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"): break
            default:
                let shown = c >= 0x21 && c < 0x7F ? "'\\\(Character(Unicode.Scalar(c)))'" : "'\\' then byte 0x" + String(c, radix: 16)
                throw failure("unknown escape \(shown) (the escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", at: start)
            }
            let unit = try hex4(start)
            switch unit {
            case 0xD800...0xDBFF:
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw failure("high surrogate \\u\(String(unit, radix: 16)) not followed by a low surrogate", at: start)
                }
                index += 2
                let low = try hex4(start)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw failure("high surrogate \\u\(String(unit, radix: 16)) not followed by a low surrogate", at: start)
                }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            case 0xDC00...0xDFFF:
                throw failure("lone low surrogate \\u\(String(unit, radix: 16))", at: start)
            default:
                return Unicode.Scalar(unit)!
            }
        }

        private mutating func hex4(_ start: Int) throws(SyntaxError) -> UInt32 {
            var unit: UInt32 = 0
            for _ in 0..<4 {
                guard index < bytes.count, let digit = Self.hexDigit(bytes[index]) else {
                    throw failure("expected four hex digits after \\u", at: start)
                }
                unit = unit << 4 | digit
                index += 1
            }
            return unit
        }

        private static func hexDigit(_ b: UInt8) -> UInt32? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        private mutating func number() throws(SyntaxError) -> Value {
            let start = index
            func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { throw failure("expected a digit after '-'") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
                if isDigit(index) { throw failure("a number may not start with 0", at: start) }
            } else {
                while isDigit(index) { index += 1 }
            }
            var integral = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                integral = false
                index += 1
                guard isDigit(index) else { throw failure("expected a digit after '.'") }
                while isDigit(index) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                integral = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard isDigit(index) else { throw failure("expected a digit in the exponent") }
                while isDigit(index) { index += 1 }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if integral, let n = Int(text) { return .int(n) }
            guard let d = Double(text), d.isFinite else { throw failure("number \(text) is out of range", at: start) }
            return .double(d)
        }
    }
}
