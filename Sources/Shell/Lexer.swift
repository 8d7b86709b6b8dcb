/// Turns source text into tokens, one at a time, so errors come out in source order.
///
/// Quoting: `'…'` is literal except `\'` and `\\`; `"…"` interpolates variables and knows the
/// escapes `\n \t \r \0 \\ \" \' \$`; outside quotes a backslash makes the next character
/// literal. A backslash before a newline joins the lines. `#` at the start of a word begins a
/// comment. The lexer never sees substituted values: they are data, not source.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private let file: String
    private var index = 0
    private var line = 1
    private var column = 1

    init(_ source: String, file: String) {
        self.scalars = Array(source.unicodeScalars)
        self.file = file
    }

    /// The position of the next character (or of the end of input).
    var position: SourcePosition { SourcePosition(file: file, line: line, column: column) }

    mutating func next() throws(ShellError) -> Token {
        skipBlanksAndComments()
        let start = position
        guard let c = peek() else { return Token(kind: .end, position: start) }
        switch c {
        case "\n":
            advance()
            return Token(kind: .newline, position: start)
        case ";":
            advance()
            return Token(kind: .semicolon, position: start)
        case "{":
            advance()
            return Token(kind: .leftBrace, position: start)
        case "}":
            advance()
            return Token(kind: .rightBrace, position: start)
        case "&":
            advance()
            guard peek() == "&" else {
                throw ShellError("unexpected '&': kvsh has no background jobs; write '&&' for 'and'", at: start)
            }
            advance()
            return Token(kind: .and, position: start)
        case "|":
            advance()
            guard peek() == "|" else {
                throw ShellError("unexpected '|': kvsh has no pipes; write '||' for 'or', '> FILE' for output to a "
                                 + "file, or pipe kvsh's own output from your shell (kvsh -c '…' | jq)", at: start)
            }
            advance()
            return Token(kind: .or, position: start)
        case "!" where Self.endsWord(peek(1)):
            advance()
            return Token(kind: .bang, position: start)
        case ">" where peek(1) != "=", "<" where peek(1) != "=":
            return Token(kind: .redirect(redirectOperator()), position: start)
        case "2" where peek(1) == ">":
            advance()
            return Token(kind: .redirect(errorRedirectOperator()), position: start)
        default:
            return Token(kind: .word(try word()), position: start)
        }
    }

    // MARK: - Redirections

    /// `>`, `>>` or `<`. Only at the start of a word: inside one, `>` and `<` are text, so a
    /// key filter such as `orders.>` needs no quotes.
    private mutating func redirectOperator() -> RedirectOperator {
        let c = peek()
        advance()
        if c == "<" { return .input }
        guard peek() == ">" else { return .output }
        advance()
        return .append
    }

    /// After the `2` of `2>`: `2>`, `2>>` or `2>&1`.
    private mutating func errorRedirectOperator() -> RedirectOperator {
        advance()
        if peek() == ">" {
            advance()
            return .errorAppend
        }
        if peek() == "&", peek(1) == "1", Self.endsWord(peek(2)) {
            advance()
            advance()
            return .errorToOutput
        }
        return .errorOutput
    }

    // MARK: - Words

    private mutating func word() throws(ShellError) -> Word {
        let start = position
        let startIndex = index
        var parts = PartBuilder()
        while let c = peek(), !Self.endsWord(c) {
            switch c {
            case "'":
                parts.appendQuoted(try singleQuoted())
            case "\"":
                parts.append(.doubleQuoted(try doubleQuoted()))
            case "\\":
                let escapePosition = position
                advance()
                guard let escaped = peek() else {
                    throw ShellError("backslash at end of input: a '\\' must be followed by the character it escapes",
                                     at: escapePosition, isIncomplete: true)
                }
                advance()
                if escaped != "\n" { parts.appendQuoted(String(escaped)) }
            case "$":
                if let reference = try variable(inQuotes: false) {
                    parts.append(.variable(reference))
                } else {
                    parts.appendLiteral("$")
                }
            default:
                advance()
                parts.appendLiteral(String(c))
            }
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars[startIndex..<index])
        return Word(parts: parts.parts, position: start, sourceText: text)
    }

    private mutating func singleQuoted() throws(ShellError) -> String {
        let start = position
        advance()
        var text = ""
        while true {
            guard let c = peek() else { throw unterminated(start) }
            advance()
            if c == "'" { return text }
            if c == "\\", let next = peek(), next == "'" || next == "\\" {
                advance()
                text.unicodeScalars.append(next)
            } else {
                text.unicodeScalars.append(c)
            }
        }
    }

    private mutating func doubleQuoted() throws(ShellError) -> [WordPart] {
        let start = position
        advance()
        var parts = PartBuilder()
        while true {
            guard let c = peek() else { throw unterminated(start) }
            switch c {
            case "\"":
                advance()
                return parts.parts
            case "\\":
                let escapePosition = position
                advance()
                guard let escaped = peek() else { throw unterminated(start) }
                advance()
                switch escaped {
                case "n": parts.appendLiteral("\n")
                case "t": parts.appendLiteral("\t")
                case "r": parts.appendLiteral("\r")
                case "0": parts.appendLiteral("\0")
                case "\\", "\"", "'", "$": parts.appendLiteral(String(escaped))
                case "\n": break
                default:
                    throw ShellError("unknown escape '\\\(escaped)' in a double-quoted string: "
                                     + "the escapes are \\n \\t \\r \\0 \\\\ \\\" \\' \\$ (write '\\\\' for a backslash)",
                                     at: escapePosition)
                }
            case "$":
                if let reference = try variable(inQuotes: true) {
                    parts.append(.variable(reference))
                } else {
                    parts.appendLiteral("$")
                }
            default:
                advance()
                parts.appendLiteral(String(c))
            }
        }
    }

    private func unterminated(_ start: SourcePosition) -> ShellError {
        ShellError("unterminated string starting at \(start.lineAndColumn)", at: position, isIncomplete: true)
    }

    // MARK: - Variables

    /// Reads a reference at a `$`; returns nil (consuming only the `$`) when none follows,
    /// so a lone `$` is literal text.
    private mutating func variable(inQuotes: Bool) throws(ShellError) -> VariableReference? {
        let start = position
        advance()
        guard let c = peek() else { return nil }
        switch c {
        case "{":
            advance()
            return try bracedVariable(start)
        case "(":
            throw ShellError("command substitution '$(…)' is not supported; "
                             + "bind a command's result with 'let NAME = COMMAND' and use '$NAME'", at: start)
        case "#":
            advance()
            return VariableReference(base: .argumentCount, fields: [], position: start)
        case "?":
            advance()
            return VariableReference(base: .lastStatus, fields: [], position: start)
        case "@":
            advance()
            return VariableReference(base: .allArguments, fields: [], position: start)
        default:
            if Self.isDigit(c) {
                return VariableReference(base: .positional(try positionalNumber(start)), fields: [], position: start)
            }
            guard Self.isNameStart(c) else { return nil }
            let name = identifier()
            var fields: [String] = []
            while peek() == ".", let after = peek(1), Self.isNameStart(after) || Self.isDigit(after) {
                advance()
                fields.append(Self.isDigit(after) ? digits() : identifier())
            }
            return VariableReference(base: .named(name), fields: fields, position: start)
        }
    }

    private mutating func bracedVariable(_ start: SourcePosition) throws(ShellError) -> VariableReference {
        let base: VariableReference.Base
        if let c = peek(), Self.isDigit(c) {
            base = .positional(try positionalNumber(start))
        } else if let c = peek(), Self.isNameStart(c) {
            base = .named(identifier())
        } else {
            throw ShellError("expected a variable name after '${', found \(describeNext())",
                             at: position, isIncomplete: peek() == nil)
        }
        var fields: [String] = []
        if case .named = base {
            while peek() == "." {
                advance()
                if peek() == "\"" {
                    fields.append(try quotedFieldName(start))
                    continue
                }
                guard let c = peek(), Self.isNameStart(c) || Self.isDigit(c) else {
                    throw ShellError("expected a field name after '.', found \(describeNext())",
                                     at: position, isIncomplete: peek() == nil)
                }
                fields.append(Self.isDigit(c) ? digits() : identifier())
            }
        }
        guard peek() == "}" else {
            throw ShellError("expected '}' to close the '${' opened at \(start.lineAndColumn), found \(describeNext())",
                             at: position, isIncomplete: peek() == nil)
        }
        advance()
        return VariableReference(base: base, fields: fields, position: start)
    }

    private mutating func positionalNumber(_ start: SourcePosition) throws(ShellError) -> Int {
        let text = digits()
        guard text.count <= 6, let n = Int(text) else {
            throw ShellError("positional argument number $\(text) is too large", at: start)
        }
        return n
    }

    private mutating func identifier() -> String {
        var text = ""
        while let c = peek(), Self.isNameStart(c) || Self.isDigit(c) {
            advance()
            text.unicodeScalars.append(c)
        }
        return text
    }

    private mutating func digits() -> String {
        var text = ""
        while let c = peek(), Self.isDigit(c) {
            advance()
            text.unicodeScalars.append(c)
        }
        return text
    }

    private func describeNext() -> String {
        guard let c = peek() else { return "end of input" }
        if c == "\n" { return "newline" }
        return "'\(c)'"
    }

    // MARK: - Characters

    private mutating func skipBlanksAndComments() {
        while let c = peek() {
            if c == " " || c == "\t" || c == "\r" {
                advance()
            } else if c == "\\" && peek(1) == "\n" {
                advance()
                advance()
            } else if c == "#" {
                while let c = peek(), c != "\n" { advance() }
            } else {
                return
            }
        }
    }

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let i = index + offset
        return i < scalars.count ? scalars[i] : nil
    }

    mutating func advance() {
        guard index < scalars.count else { return }
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    /// Characters that end an unquoted word (nil: the end of input).
    static func endsWord(_ c: Unicode.Scalar?) -> Bool {
        guard let c else { return true }
        switch c {
        case " ", "\t", "\r", "\n", ";", "{", "}", "&", "|": return true
        default: return false
        }
    }

    static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    /// True for a valid variable name: a letter or `_`, then letters, digits and `_`.
    static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, isNameStart(first) else { return false }
        return text.unicodeScalars.allSatisfy { isNameStart($0) || isDigit($0) }
    }
}

/// Collects word parts, joining neighbours of the same kind.
private struct PartBuilder {
    var parts: [WordPart] = []

    mutating func appendLiteral(_ text: String) {
        if case .literal(let previous)? = parts.last {
            parts[parts.count - 1] = .literal(previous + text)
        } else {
            parts.append(.literal(text))
        }
    }

    mutating func appendQuoted(_ text: String) {
        if case .quoted(let previous)? = parts.last {
            parts[parts.count - 1] = .quoted(previous + text)
        } else {
            parts.append(.quoted(text))
        }
    }

    mutating func append(_ part: WordPart) { parts.append(part) }
}
