/// What the lexer hands the parser: an operator, a word, or the end of the input.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case word(Word)
        /// `&&`
        case and
        /// `||`
        case or
        /// `!` standing alone
        case bang
        case semicolon
        case newline
        case leftBrace
        case rightBrace
        /// `>`, `>>`, `2>`, `2>>`, `2>&1` or `<` at the start of a word.
        case redirect(RedirectOperator)
        case end
    }

    var kind: Kind
    var position: SourcePosition

    /// How messages name the token: `'&&'`, `'put'`, `newline`, `end of input`.
    var display: String {
        switch kind {
        case .word(let word): "'\(word.sourceText)'"
        case .and: "'&&'"
        case .or: "'||'"
        case .bang: "'!'"
        case .semicolon: "';'"
        case .newline: "newline"
        case .leftBrace: "'{'"
        case .rightBrace: "'}'"
        case .redirect(let op): "'\(op.rawValue)'"
        case .end: "end of input"
        }
    }
}

/// A redirection operator. Each takes a file name (the next word), except `2>&1`.
enum RedirectOperator: String, Sendable, Equatable {
    /// `> FILE`: standard output to FILE, truncated first.
    case output = ">"
    /// `>> FILE`: standard output appended to FILE.
    case append = ">>"
    /// `2> FILE`
    case errorOutput = "2>"
    /// `2>> FILE`
    case errorAppend = "2>>"
    /// `2>&1`: standard error where standard output goes.
    case errorToOutput = "2>&1"
    /// `< FILE`: the value of put, create or update.
    case input = "<"
}

/// One shell word: adjacent parts with no space between them, e.g. `key-$n."$suffix"`.
struct Word: Sendable, Equatable {
    var parts: [WordPart]
    var position: SourcePosition
    /// The word as written, for messages.
    var sourceText: String

    /// The text of a word written plainly — no quotes, escapes or variables. Only such a
    /// word can be a keyword, a name after `let`/`for`, or the `=` of a `let`.
    var bareText: String? {
        if parts.count == 1, case .literal(let text) = parts[0] { return text }
        return nil
    }

    /// True when the word's text begins with a substituted value (`$v`, `${v}x`, `"$v…"`):
    /// its first character is data, so the word can never be an option.
    var startsWithSubstitution: Bool { Self.startsWithSubstitution(parts) ?? false }

    /// Whether the first part that contributes text is a variable; nil when no part does.
    private static func startsWithSubstitution(_ parts: [WordPart]) -> Bool? {
        for part in parts {
            switch part {
            case .variable: return true
            case .literal(let text), .quoted(let text): if !text.isEmpty { return false }
            case .doubleQuoted(let inner): if let answer = startsWithSubstitution(inner) { return answer }
            }
        }
        return nil
    }
}

/// A piece of a word.
enum WordPart: Sendable, Equatable {
    /// Plain unquoted text.
    case literal(String)
    /// Text made literal by single quotes or a backslash escape.
    case quoted(String)
    /// A double-quoted string: `.literal` and `.variable` parts, joined as text.
    case doubleQuoted([WordPart])
    /// `$name`, `$name.field`, `${name.field}`, `$1`, `$#`, `$?`, `$@`, `$0`.
    case variable(VariableReference)
}

/// A reference to a variable, with the fields to follow (`$e.value` → `e`, `[value]`).
struct VariableReference: Sendable, Equatable {
    enum Base: Sendable, Equatable {
        case named(String)
        /// `$0` is the script name, `$1…` its arguments.
        case positional(Int)
        /// `$#`
        case argumentCount
        /// `$?`
        case lastStatus
        /// `$@`: every argument as a list.
        case allArguments
    }

    var base: Base
    var fields: [String]
    var position: SourcePosition

    /// The reference as it would be written, `$e.value`, for messages.
    var display: String { display(fieldCount: fields.count) }

    /// The reference with only its first `fieldCount` fields; the braced form with quotes when
    /// a field is not a plain name or number (`${e.json."odd key"}`).
    func display(fieldCount: Int) -> String {
        let shown = fields.prefix(fieldCount)
        func isPlain(_ field: String) -> Bool {
            Lexer.isName(field) || (!field.isEmpty && field.unicodeScalars.allSatisfy(Lexer.isDigit))
        }
        let plain = shown.allSatisfy(isPlain)
        var text = plain ? "$" : "${"
        switch base {
        case .named(let name): text += name
        case .positional(let n): text += String(n)
        case .argumentCount: text += "#"
        case .lastStatus: text += "?"
        case .allArguments: text += "@"
        }
        for field in shown {
            text += isPlain(field) ? "." + field : ".\"" + Value.escapingControls(Lexer.escapedFieldName(field)) + "\""
        }
        return plain ? text : text + "}"
    }
}
