/// Recursive-descent parser for the kvsh language (grammar in docs/language.md).
///
/// The whole input is parsed before anything runs. Every error says what was expected and
/// where; an error caused only by the input ending early (an open `{` or quote, a trailing
/// `&&`) is marked incomplete, which is how the prompt knows to read another line.
public struct Parser {
    private var lexer: Lexer
    var current: Token
    var depth = 0

    /// How deep blocks and `!` may nest; a bound keeps hostile input from exhausting the stack.
    static let maximumDepth = 100

    static let keywords = Set(ShellSession.keywordNames)

    /// Commands that may end in a `{ … }` block for the host: a hook's body, a lock's.
    static let blockCommands: Set<String> = ["on", "lock"]

    private init(_ source: String, file: String) {
        lexer = Lexer(source, file: file)
        current = Token(kind: .end, position: lexer.position)
    }

    /// Parses a whole script.
    static func parse(_ source: String, file: String) throws(ShellError) -> Script {
        var parser = Parser(source, file: file)
        try parser.advance()
        return Script(statements: try parser.statements(), file: file)
    }

    /// True when `source` is a correct beginning that needs more lines: a block or string
    /// still open, a line ending in `&&`, `||`, `!` or `\`, an `if`/`while`/`for` waiting for `{`.
    /// Complete input and input with a real syntax error both return false.
    public static func isIncomplete(_ source: String) -> Bool {
        syntaxError(in: source, file: "")?.isIncomplete ?? false
    }

    /// The first syntax error in `source`, or nil when it parses.
    public static func syntaxError(in source: String, file: String) -> ShellError? {
        do {
            _ = try parse(source, file: file)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Statement lists

    private mutating func statements() throws(ShellError) -> [Statement] {
        var result: [Statement] = []
        while true {
            try skipSeparators()
            switch current.kind {
            case .end:
                return result
            case .rightBrace:
                throw ShellError("unexpected '}': no block is open", at: current.position)
            default:
                result.append(try statement())
                try expectEndOfStatement()
            }
        }
    }

    mutating func block() throws(ShellError) -> Block {
        let open = current.position
        try enterNesting(at: open)
        defer { depth -= 1 }
        try advance()
        var result: [Statement] = []
        while true {
            try skipSeparators()
            switch current.kind {
            case .rightBrace:
                try advance()
                return Block(statements: result, position: open)
            case .end:
                throw unclosedBlock(open)
            default:
                result.append(try statement())
                try expectEndOfStatement()
            }
        }
    }

    private func unclosedBlock(_ open: SourcePosition) -> ShellError {
        ShellError("expected '}' to close the block opened at \(open.lineAndColumn), found \(current.display)",
                   at: current.position, isIncomplete: current.kind == .end)
    }

    /// After a statement comes `;`, a newline, a `}` or the end.
    private func expectEndOfStatement() throws(ShellError) {
        switch current.kind {
        case .semicolon, .newline, .rightBrace, .end: return
        default:
            throw ShellError("expected ';' or a newline before \(current.display)", at: current.position)
        }
    }

    // MARK: - Statements

    private mutating func statement() throws(ShellError) -> Statement {
        let first = try unary()
        var links: [ChainLink] = []
        while current.kind == .and || current.kind == .or {
            let op: ChainLink.Operator = current.kind == .and ? .and : .or
            let display = current.display
            try advance()
            try skipNewlines()
            try expectStatementStart(after: display)
            links.append(ChainLink(op: op, statement: try unary()))
        }
        return links.isEmpty ? first : .chain(first, links)
    }

    private mutating func unary() throws(ShellError) -> Statement {
        guard current.kind == .bang else { return try simple() }
        let position = current.position
        try enterNesting(at: position)
        defer { depth -= 1 }
        try advance()
        try expectStatementStart(after: "'!'")
        return .not(try unary(), position: position)
    }

    mutating func simple() throws(ShellError) -> Statement {
        switch current.kind {
        case .leftBrace:
            return try redirections(after: .block(try block()))
        case .word(let word):
            switch word.bareText {
            case "if": return try redirections(after: try conditional())
            case "while": return try redirections(after: try repeatWhile())
            case "for": return try redirections(after: try loop())
            case "try": return try redirections(after: try attempt())
            case "let": return try binding()
            case "fn": return try function()
            case "quiet": return try quiet()
            case "elif", "else":
                throw ShellError("'\(word.bareText ?? "")' without 'if': put it on the same line as the '}' "
                                 + "that closes the 'if' block", at: word.position)
            case "catch", "finally":
                throw ShellError("'\(word.bareText ?? "")' without 'try': put it on the same line as the '}' "
                                 + "that closes the 'try' block", at: word.position)
            default: return .command(try command())
            }
        case .redirect:
            throw ShellError("expected a command before \(current.display): a redirection follows the "
                             + "command it applies to (kv get b k > out.txt)", at: current.position)
        case .and, .or:
            throw ShellError("expected a command before \(current.display)", at: current.position)
        default:
            throw ShellError("expected a command, found \(current.display)", at: current.position,
                             isIncomplete: current.kind == .end)
        }
    }

    /// Words and redirections up to the end of the command. A `!` after the first word is an
    /// ordinary word. After `test`, which reads and prints nothing, `<` and `>` are its
    /// comparison operators, as they always were.
    private mutating func command() throws(ShellError) -> Command {
        var words: [Word] = []
        var redirects: [Redirect] = []
        while true {
            switch current.kind {
            case .word(let word):
                words.append(word)
            case .bang:
                words.append(Word(parts: [.literal("!")], position: current.position, sourceText: "!"))
            case .redirect(let op) where words.first?.bareText == "test" && (op == .input || op == .output):
                words.append(Word(parts: [.literal(op.rawValue)], position: current.position, sourceText: op.rawValue))
            case .redirect:
                if words.isEmpty {
                    throw ShellError("expected a command before \(current.display): a redirection follows the "
                                     + "command it applies to (kv get b k > out.txt)", at: current.position)
                }
                redirects.append(try redirect())
                continue
            case .leftBrace where Self.blockCommands.contains(words.first?.bareText ?? ""):
                return Command(words: words, block: try block(), redirects: redirects)
            default:
                return Command(words: words, redirects: redirects)
            }
            try advance()
        }
    }

    private mutating func conditional() throws(ShellError) -> Statement {
        let position = current.position
        try advance()
        var branches = [Branch(condition: try condition(after: "if"), body: try body(after: "the 'if' condition"))]
        var otherwise: Block?
        loop: while case .word(let word) = current.kind {
            switch word.bareText {
            case "elif":
                try advance()
                branches.append(Branch(condition: try condition(after: "elif"),
                                       body: try body(after: "the 'elif' condition")))
            case "else":
                try advance()
                if case .word(let next) = current.kind, next.bareText == "if" {
                    throw ShellError("expected '{' after 'else', found 'if': write 'elif' for another condition",
                                     at: current.position)
                }
                otherwise = try body(after: "'else'")
                break loop
            default:
                break loop
            }
        }
        return .conditional(branches: branches, otherwise: otherwise, position: position)
    }

    private mutating func repeatWhile() throws(ShellError) -> Statement {
        let position = current.position
        try advance()
        let test = try condition(after: "while")
        return .repeatWhile(condition: test, body: try body(after: "the 'while' condition"), position: position)
    }

    private mutating func loop() throws(ShellError) -> Statement {
        let position = current.position
        try advance()
        let name = try variableName(after: "'for'")
        guard case .word(let word) = current.kind, word.bareText == "in" else {
            throw ShellError("expected 'in' after 'for \(name)', found \(current.display)", at: current.position,
                             isIncomplete: current.kind == .end)
        }
        try advance()
        var items: [Word] = []
        while true {
            if case .word(let word) = current.kind {
                items.append(word)
            } else if current.kind == .bang {
                items.append(Word(parts: [.literal("!")], position: current.position, sourceText: "!"))
            } else {
                break
            }
            try advance()
        }
        return .loop(variable: name, items: items, body: try body(after: "the 'for' list"), position: position)
    }

    private mutating func binding() throws(ShellError) -> Statement {
        let position = current.position
        try advance()
        let name = try variableName(after: "'let'")
        guard case .word(let word) = current.kind, word.bareText == "=" else {
            throw ShellError("expected '=' after 'let \(name)', found \(current.display)", at: current.position,
                             isIncomplete: current.kind == .end)
        }
        try advance()
        guard case .word(let first) = current.kind, !Self.keywords.contains(first.bareText ?? "") else {
            throw ShellError("expected a command after '=', found \(current.display)", at: current.position,
                             isIncomplete: current.kind == .end)
        }
        return .binding(name: name, command: try command(), position: position)
    }

    // MARK: - Pieces

    private mutating func condition(after keyword: String) throws(ShellError) -> Statement {
        try expectStatementStart(after: "'\(keyword)'")
        return try statement()
    }

    /// The block after a condition, `else` or a `for` list; it may start on the next line.
    mutating func body(after what: String) throws(ShellError) -> Block {
        try skipNewlines()
        guard current.kind == .leftBrace else {
            let hint = current.kind == .semicolon ? " (kvsh blocks use braces: if COMMAND { … })" : ""
            throw ShellError("expected '{' after \(what), found \(current.display)\(hint)",
                             at: current.position, isIncomplete: current.kind == .end)
        }
        return try block()
    }

    mutating func variableName(after keyword: String) throws(ShellError) -> String {
        guard case .word(let word) = current.kind else {
            throw ShellError("expected a variable name after \(keyword), found \(current.display)",
                             at: current.position, isIncomplete: current.kind == .end)
        }
        guard let name = word.bareText, Lexer.isName(name) else {
            let advice = word.sourceText.contains("=") ? "put spaces around '=' (let NAME = COMMAND)"
                : "use letters, digits and '_', not starting with a digit"
            throw ShellError("'\(word.sourceText)' is not a valid variable name: \(advice)", at: word.position)
        }
        if name == "env" {
            throw ShellError("'env' is reserved for environment variables ($env.NAME); choose another name",
                             at: word.position)
        }
        try advance()
        return name
    }

    func expectStatementStart(after op: String) throws(ShellError) {
        switch current.kind {
        case .word, .bang, .leftBrace: return
        default:
            throw ShellError("expected a command after \(op), found \(current.display)", at: current.position,
                             isIncomplete: current.kind == .end)
        }
    }

    mutating func enterNesting(at position: SourcePosition) throws(ShellError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw ShellError("blocks and '!' are nested more than \(Self.maximumDepth) deep", at: position)
        }
    }

    private mutating func skipSeparators() throws(ShellError) {
        while current.kind == .newline || current.kind == .semicolon { try advance() }
    }

    private mutating func skipNewlines() throws(ShellError) {
        while current.kind == .newline { try advance() }
    }

    mutating func advance() throws(ShellError) {
        current = try lexer.next()
    }
}
