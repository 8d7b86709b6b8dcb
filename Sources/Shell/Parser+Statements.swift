/// The statements added for scripts that clean up after themselves and reuse code: `fn`,
/// `try`, `quiet`, and redirections (`> FILE` after a command or a compound statement).
extension Parser {
    /// `fn NAME PARAM… [@REST] { … }`
    mutating func function() throws(ShellError) -> Statement {
        let position = current.position
        try advance()
        guard case .word(let nameWord) = current.kind else {
            throw ShellError("expected a function name after 'fn', found \(current.display)", at: current.position,
                             isIncomplete: current.kind == .end)
        }
        guard let name = nameWord.bareText, Self.isFunctionName(name) else {
            throw ShellError("'\(nameWord.sourceText)' is not a valid function name: use letters, digits, '_' and '-', "
                             + "starting with a letter or '_'", at: nameWord.position)
        }
        if Self.keywords.contains(name) || Builtin(rawValue: name) != nil || ShellSession.bucketCommands.contains(name) {
            throw ShellError("'\(name)' is a built-in command or keyword: choose another name for the function",
                             at: nameWord.position)
        }
        try advance()
        var parameters: [String] = []
        var collectsRest = false
        while case .word(let word) = current.kind {
            guard !collectsRest else {
                throw ShellError("'@\(parameters.last ?? "")' takes the remaining arguments, so it must be the last "
                                 + "parameter", at: word.position)
            }
            var text = word.bareText ?? ""
            if text.hasPrefix("@") {
                collectsRest = true
                text.removeFirst()
            }
            guard Lexer.isName(text), text != "env" else {
                throw ShellError("'\(word.sourceText)' is not a valid parameter name: use letters, digits and '_', "
                                 + "not starting with a digit (and not 'env')", at: word.position)
            }
            guard !parameters.contains(text) else {
                throw ShellError("parameter '\(text)' appears twice in 'fn \(name)'", at: word.position)
            }
            parameters.append(text)
            try advance()
        }
        let definition = try body(after: "'fn \(name)' and its parameters")
        return .function(FunctionDefinition(name: name, parameters: parameters, collectsRest: collectsRest,
                                            body: definition, position: position))
    }

    /// Letters, digits, `_` and `-`, not starting with a digit or `-`.
    static func isFunctionName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, Lexer.isNameStart(first) else { return false }
        return text.unicodeScalars.allSatisfy { Lexer.isNameStart($0) || Lexer.isDigit($0) || $0 == "-" }
    }

    /// `try { … } [catch [NAME] { … }] [finally { … }]`: `catch` and `finally` on the line of
    /// the `}` before them, as `else` is.
    mutating func attempt() throws(ShellError) -> Statement {
        let position = current.position
        try advance()
        let tried = try body(after: "'try'")
        var attempt = Attempt(body: tried, failureName: nil, handler: nil, cleanup: nil, position: position)
        if case .word(let word) = current.kind, word.bareText == "catch" {
            try advance()
            if case .word = current.kind { attempt.failureName = try variableName(after: "'catch'") }
            attempt.handler = try body(after: attempt.failureName.map { "'catch \($0)'" } ?? "'catch'")
        }
        if case .word(let word) = current.kind, word.bareText == "finally" {
            try advance()
            attempt.cleanup = try body(after: "'finally'")
        }
        guard attempt.handler != nil || attempt.cleanup != nil else {
            throw ShellError("expected 'catch' or 'finally' after the 'try' block, found \(current.display) "
                             + "(both go on the line of its closing '}')", at: current.position)
        }
        return .attempt(attempt)
    }

    /// `quiet STATEMENT`
    mutating func quiet() throws(ShellError) -> Statement {
        let position = current.position
        try enterNesting(at: position)
        defer { depth -= 1 }
        try advance()
        try expectStatementStart(after: "'quiet'")
        return .quiet(try simple(), position: position)
    }

    /// One redirection at the current token; the file name is the next word.
    mutating func redirect() throws(ShellError) -> Redirect {
        guard case .redirect(let op) = current.kind else { preconditionFailure("not at a redirection") }
        let position = current.position
        try advance()
        guard op != .errorToOutput else { return Redirect(op: op, target: nil, position: position) }
        guard case .word(let target) = current.kind else {
            let hint = op == .output ? " (quote a '>' that is a key filter: kv keys b '>')" : ""
            throw ShellError("expected a file name after '\(op.rawValue)', found \(current.display)\(hint)",
                             at: current.position)
        }
        try advance()
        return Redirect(op: op, target: target, position: position)
    }

    /// Redirections after a compound statement: `{ … } > report.txt`, `for … { … } >> log`.
    mutating func redirections(after statement: Statement) throws(ShellError) -> Statement {
        var redirects: [Redirect] = []
        while case .redirect(let op) = current.kind {
            if op == .input {
                throw ShellError("'<' gives one command its value: put it after that command (kv put b k < file)",
                                 at: current.position)
            }
            redirects.append(try redirect())
        }
        return redirects.isEmpty ? statement : .redirected(statement, redirects)
    }
}
