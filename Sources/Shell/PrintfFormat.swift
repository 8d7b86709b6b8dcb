#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A `printf` format, parsed once: text (with `\n \t \r \\` already turned into characters)
/// and directives `%[flags][width][.precision]conversion`. Only the format is interpreted: the
/// arguments are data, so a `%s` in an argument is printed as it is.
struct PrintfFormat: Sendable {
    /// One `%…` directive.
    struct Directive: Sendable, Equatable {
        var leftAlign = false
        var zeroPad = false
        var plusSign = false
        var spaceSign = false
        var width: Int?
        var precision: Int?
        var conversion: Character
        /// The directive as written, for messages (`%-5d`).
        var text: String
    }

    enum Piece: Sendable, Equatable {
        case text(String)
        case directive(Directive)
    }

    /// Why a format or an argument cannot be used; the message names which.
    struct Failure: Error, Sendable, Equatable {
        var message: String
    }

    /// Widths and precisions stop here, so `%999999999s` cannot exhaust memory.
    static let maxWidth = 1024
    static let conversions: Set<Character> = ["s", "d", "i", "x", "X", "o", "f", "e", "g", "c"]

    private(set) var pieces: [Piece] = []

    var directiveCount: Int { pieces.count { if case .directive = $0 { true } else { false } } }

    /// - Throws: `Failure` for an unknown escape, a bad or unfinished directive, or a too large width.
    init(_ format: String) throws(Failure) {
        let chars = Array(format)
        var text = ""
        var i = 0
        func flushText() {
            if !text.isEmpty { pieces.append(.text(text)) }
            text = ""
        }
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                guard i + 1 < chars.count else { throw Failure(message: "the format ends in a lone '\\' (write \\\\ for a backslash)") }
                switch chars[i + 1] {
                case "n": text += "\n"
                case "t": text += "\t"
                case "r": text += "\r"
                case "\\": text += "\\"
                default:
                    throw Failure(message: "unknown escape '\\\(chars[i + 1])' at character \(i + 1) of the format; "
                                  + "the escapes are \\n \\t \\r \\\\")
                }
                i += 2
                continue
            }
            guard c == "%" else {
                text.append(c)
                i += 1
                continue
            }
            if i + 1 < chars.count, chars[i + 1] == "%" {
                text += "%"
                i += 2
                continue
            }
            flushText()
            let start = i
            i += 1
            var directive = Directive(conversion: "s", text: "")
            while i < chars.count, let flag = "-0+ ".firstIndex(of: chars[i]) {
                switch "-0+ "[flag] {
                case "-": directive.leftAlign = true
                case "0": directive.zeroPad = true
                case "+": directive.plusSign = true
                default: directive.spaceSign = true
                }
                i += 1
            }
            directive.width = try Self.number(chars, &i, start)
            if i < chars.count, chars[i] == "." {
                i += 1
                directive.precision = try Self.number(chars, &i, start) ?? 0
            }
            guard i < chars.count else {
                throw Failure(message: "the directive '\(String(chars[start...]))' at character \(start + 1) "
                              + "of the format has no conversion (such as %s or %d)")
            }
            directive.conversion = chars[i]
            i += 1
            directive.text = String(chars[start..<i])
            guard Self.conversions.contains(directive.conversion) else {
                throw Failure(message: "bad directive '\(directive.text)' at character \(start + 1) of the format; "
                              + "the conversions are %s %d %i %x %X %o %f %e %g %c and %% for a percent sign")
            }
            pieces.append(.directive(directive))
        }
        flushText()
    }

    private static func number(_ chars: [Character], _ i: inout Int, _ start: Int) throws(Failure) -> Int? {
        var value: Int?
        while i < chars.count, let digit = chars[i].wholeNumberValue, chars[i].isASCII {
            value = (value ?? 0) * 10 + digit
            guard value! <= maxWidth else {
                throw Failure(message: "the width or precision of the directive at character \(start + 1) "
                              + "of the format is larger than \(maxWidth)")
            }
            i += 1
        }
        return value
    }

    /// The text for `arguments`, one per directive.
    /// - Throws: `Failure` for too few or too many arguments, or one that is not a number a
    ///   numeric directive needs.
    func render(_ arguments: [String]) throws(Failure) -> String {
        let needed = directiveCount
        guard arguments.count == needed else {
            if arguments.count < needed {
                throw Failure(message: "the format has \(needed) directive\(needed == 1 ? "" : "s") but "
                              + "\(arguments.count) argument\(arguments.count == 1 ? " was" : "s were") given")
            }
            throw Failure(message: "argument \(needed + 1) (\(Value.quoted(arguments[needed]))) has no directive "
                          + "to format it: the format has \(needed == 0 ? "none" : "only \(needed)")")
        }
        var out = ""
        var next = 0
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .directive(let directive):
                out += try Self.format(arguments[next], as: directive, argumentNumber: next + 1)
                next += 1
            }
        }
        return out
    }
}

extension PrintfFormat {
    private static func format(_ argument: String, as d: Directive, argumentNumber n: Int) throws(Failure) -> String {
        func notA(_ what: String) -> Failure {
            Failure(message: "argument \(n) (\(Value.quoted(argument))) is not \(what), as \(d.text) needs")
        }
        switch d.conversion {
        case "s":
            let text = d.precision.map { String(argument.prefix($0)) } ?? argument
            return pad(text, d, numeric: false)
        case "c":
            return pad(argument.first.map { String($0) } ?? "", d, numeric: false)
        case "d", "i", "x", "X", "o":
            guard let value = Int(argument) else { throw notA("an integer") }
            return integer(value, d)
        default:
            guard let value = Double(argument) else { throw notA("a number") }
            return floating(value, d)
        }
    }

    /// Spaces (or, for numbers, zeros after the sign) up to the width.
    private static func pad(_ text: String, _ d: Directive, numeric: Bool, sign: String = "") -> String {
        let missing = max(0, (d.width ?? 0) - text.count - sign.count)
        if d.leftAlign { return sign + text + String(repeating: " ", count: missing) }
        if numeric && d.zeroPad { return sign + String(repeating: "0", count: missing) + text }
        return String(repeating: " ", count: missing) + sign + text
    }

    private static func integer(_ value: Int, _ d: Directive) -> String {
        var digits: String
        var sign = ""
        switch d.conversion {
        case "x", "X", "o":
            // As C does: the bits of a negative number read as unsigned.
            digits = String(UInt(bitPattern: value), radix: d.conversion == "o" ? 8 : 16, uppercase: d.conversion == "X")
        default:
            digits = String(value.magnitude)
            sign = value < 0 ? "-" : d.plusSign ? "+" : d.spaceSign ? " " : ""
        }
        if let precision = d.precision {
            if precision == 0 && value == 0 { digits = "" }
            digits = String(repeating: "0", count: max(0, precision - digits.count)) + digits
        }
        var plain = d
        plain.zeroPad = d.zeroPad && d.precision == nil
        return pad(digits, plain, numeric: true, sign: sign)
    }

    /// %f %e %g through the C library, given a directive rebuilt from validated parts only.
    private static func floating(_ value: Double, _ d: Directive) -> String {
        var spec = "%"
        if d.leftAlign { spec += "-" }
        if d.zeroPad { spec += "0" }
        if d.plusSign { spec += "+" }
        if d.spaceSign { spec += " " }
        if let width = d.width { spec += String(width) }
        if let precision = d.precision { spec += "." + String(precision) }
        spec.append(d.conversion)
        // Width and precision are at most 1024 each and a double has at most 309 integer digits.
        var buffer = [CChar](repeating: 0, count: 4096)
        let written = withVaList([value]) { arguments in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, spec, arguments) }
        }
        guard written >= 0, Int(written) < buffer.count else { return "" }
        return String(decoding: buffer[..<Int(written)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension ShellSession {
    func printf(_ call: BuiltinInvocation) throws -> Value {
        guard let format = call.arguments.first?.textForm else {
            throw CommandError("printf: expected a FORMAT (usage: \(Builtin.printf.usage))", status: 64)
        }
        let text: String
        do throws(PrintfFormat.Failure) {
            text = try PrintfFormat(format).render(call.arguments.dropFirst().map(\.textForm))
        } catch {
            throw CommandError("printf: \(error.message)")
        }
        if !call.captured { output.write(text) }
        return .string(text)
    }
}
