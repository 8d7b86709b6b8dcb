import Testing
@testable import Shell

private func lex(_ source: String) throws(ShellError) -> [Token] {
    var lexer = Lexer(source, file: "t.kvsh")
    var result: [Token] = []
    while true {
        let token = try lexer.next()
        result.append(token)
        if token.kind == .end { return result }
    }
}

private func kinds(_ source: String) throws -> [Token.Kind] { try lex(source).map(\.kind) }

private func lexError(_ source: String) -> ShellError? {
    do {
        _ = try lex(source)
        return nil
    } catch {
        return error
    }
}

/// The parts of the only word in `source`.
private func parts(_ source: String) throws -> [WordPart] {
    let tokens = try lex(source)
    #expect(tokens.count == 2, "expected one word in \(source)")
    guard case .word(let word) = tokens[0].kind else {
        Issue.record("not a word: \(tokens[0])")
        return []
    }
    return word.parts
}

private func ref(_ base: VariableReference.Base, _ fields: [String] = [], line: Int = 1, column: Int) -> WordPart {
    .variable(VariableReference(base: base, fields: fields,
                                position: SourcePosition(file: "t.kvsh", line: line, column: column)))
}

@Suite("Lexer")
struct LexerTests {
    @Test("operators and separators")
    func operators() throws {
        let k = try kinds("a && b || ! c; { d }\n")
        #expect(k.count == 12)
        #expect(k[1] == .and)
        #expect(k[3] == .or)
        #expect(k[4] == .bang)
        #expect(k[6] == .semicolon)
        #expect(k[7] == .leftBrace)
        #expect(k[9] == .rightBrace)
        #expect(k[10] == .newline)
        #expect(k[11] == .end)
    }

    @Test("operators need no spaces around them")
    func operatorsWithoutSpaces() throws {
        let k = try kinds("a&&b||c;d{e}")
        #expect(k == [.word(try #require(wordNamed("a"))), .and, .word(wordNamed("b", column: 4)!), .or,
                      .word(wordNamed("c", column: 7)!), .semicolon, .word(wordNamed("d", column: 9)!),
                      .leftBrace, .word(wordNamed("e", column: 11)!), .rightBrace, .end])
    }

    @Test("'!' is an operator only when it stands alone")
    func bang() throws {
        #expect(try kinds("! a").first == .bang)
        #expect(try parts("!a") == [.literal("!a")])
        #expect(try parts("hello!") == [.literal("hello!")])
        #expect(try kinds("!") == [.bang, .end])
    }

    @Test("positions are 1-based lines and columns")
    func positions() throws {
        let tokens = try lex("echo hi\n  put  k\tv")
        let places = tokens.map { ($0.position.line, $0.position.column) }
        #expect(places.map(\.0) == [1, 1, 1, 2, 2, 2, 2])
        #expect(places.map(\.1) == [1, 6, 8, 3, 8, 10, 11])
        #expect(tokens[0].position.file == "t.kvsh")
    }

    @Test("comments run from '#' at the start of a word to the end of the line")
    func comments() throws {
        let k = try kinds("# whole line\necho a#b # trailing\n#last")
        #expect(k.count == 5)
        #expect(k[0] == .newline)
        #expect(try parts("a#b") == [.literal("a#b")])
        #expect(k[3] == .newline)
        #expect(k[4] == .end)
    }

    @Test("single quotes are literal except \\' and \\\\")
    func singleQuotes() throws {
        #expect(try parts("'a b $x \"q\" ; && # {}'") == [.quoted("a b $x \"q\" ; && # {}")])
        #expect(try parts(#"'it\'s'"#) == [.quoted("it's")])
        #expect(try parts(#"'C:\dir\\x'"#) == [.quoted(#"C:\dir\x"#)])
        #expect(try parts("''") == [.quoted("")])
        #expect(try parts("'line1\nline2'") == [.quoted("line1\nline2")])
    }

    @Test("double quotes interpolate and know the escapes")
    func doubleQuotes() throws {
        #expect(try parts(#""a\tb\nc\\d\"e\$f\'g\rh\0""#)
            == [.doubleQuoted([.literal("a\tb\nc\\d\"e$f'g\rh\0")])])
        #expect(try parts(#""x $e.value y""#)
            == [.doubleQuoted([.literal("x "), ref(.named("e"), ["value"], column: 4), .literal(" y")])])
        #expect(try parts(#""""#) == [.doubleQuoted([])])
        #expect(try parts("\"a\\\nb\"") == [.doubleQuoted([.literal("ab")])])
    }

    @Test("a backslash outside quotes makes the next character literal")
    func unquotedEscapes() throws {
        #expect(try parts(#"a\ b"#) == [.literal("a"), .quoted(" "), .literal("b")])
        #expect(try parts(#"\$x"#) == [.quoted("$"), .literal("x")])
        #expect(try parts(##"\;\{\}\&\|\#"##) == [.quoted(";{}&|#")])
        #expect(try parts(#"\if"#) == [.quoted("i"), .literal("f")])
    }

    @Test("a backslash before a newline joins lines")
    func lineContinuation() throws {
        let k = try kinds("echo a \\\n  b")
        #expect(k.count == 4)
        #expect(try parts("ab\\\ncd") == [.literal("abcd")])
    }

    @Test("variable reference forms")
    func variables() throws {
        #expect(try parts("$name") == [ref(.named("name"), column: 1)])
        #expect(try parts("$e.value") == [ref(.named("e"), ["value"], column: 1)])
        #expect(try parts("$a.b.c") == [ref(.named("a"), ["b", "c"], column: 1)])
        #expect(try parts("$list.0") == [ref(.named("list"), ["0"], column: 1)])
        #expect(try parts("${e.revision}") == [ref(.named("e"), ["revision"], column: 1)])
        #expect(try parts("${e}x") == [ref(.named("e"), column: 1), .literal("x")])
        #expect(try parts("$1") == [ref(.positional(1), column: 1)])
        #expect(try parts("$12") == [ref(.positional(12), column: 1)])
        #expect(try parts("${2}") == [ref(.positional(2), column: 1)])
        #expect(try parts("$0") == [ref(.positional(0), column: 1)])
        #expect(try parts("$#") == [ref(.argumentCount, column: 1)])
        #expect(try parts("$?") == [ref(.lastStatus, column: 1)])
        #expect(try parts("$@") == [ref(.allArguments, column: 1)])
        #expect(try parts("$env.HOME") == [ref(.named("env"), ["HOME"], column: 1)])
        #expect(try parts("key-$n") == [.literal("key-"), ref(.named("n"), column: 5)])
    }

    @Test("a dot not followed by a name or digit ends the reference")
    func trailingDot() throws {
        #expect(try parts("$e.") == [ref(.named("e"), column: 1), .literal(".")])
        #expect(try parts("$e.-x") == [ref(.named("e"), column: 1), .literal(".-x")])
        #expect(try parts("$a-b") == [ref(.named("a"), column: 1), .literal("-b")])
    }

    @Test("a '$' that starts no reference is literal")
    func loneDollar() throws {
        #expect(try parts("$") == [.literal("$")])
        #expect(try parts("5$") == [.literal("5$")])
        #expect(try parts("$-") == [.literal("$-")])
        #expect(try parts(#""cost: $""#) == [.doubleQuoted([.literal("cost: $")])])
    }

    @Test("a bare '=' is an ordinary word the parser recognises after 'let NAME'")
    func equals() throws {
        let tokens = try lex("let x = a=b")
        guard case .word(let eq) = tokens[2].kind, case .word(let ab) = tokens[3].kind else {
            Issue.record("words expected")
            return
        }
        #expect(eq.bareText == "=")
        #expect(ab.bareText == "a=b")
    }

    @Test("keywords are bare words; quoting or escaping makes them plain text")
    func bareText() throws {
        let tokens = try lex(#"if 'if' "if" \if i$f"#)
        let bare = tokens.dropLast().map { token -> String? in
            if case .word(let word) = token.kind { return word.bareText }
            return nil
        }
        #expect(bare == ["if", nil, nil, nil, nil])
    }

    @Test("lexical errors", arguments: [
        ("echo 'abc", "unterminated string starting at 1:6", 1, 10, true),
        ("echo\n  \"abc\ndef", "unterminated string starting at 2:3", 3, 4, true),
        ("echo a\\", "backslash at end of input: a '\\' must be followed by the character it escapes", 1, 7, true),
        (#"echo "a\qb""#, #"unknown escape '\q' in a double-quoted string: the escapes are \n \t \r \0 \\ \" \' \$ (write '\\' for a backslash)"#, 1, 8, false),
        ("echo $(date)", "command substitution '$(…)' is not supported; bind a command's result with 'let NAME = COMMAND' and use '$NAME'", 1, 6, false),
        ("echo \"$(date)\"", "command substitution '$(…)' is not supported; bind a command's result with 'let NAME = COMMAND' and use '$NAME'", 1, 7, false),
        ("a & b", "unexpected '&': kvsh has no background jobs; write '&&' for 'and'", 1, 3, false),
        ("a | b", "unexpected '|': kvsh has no pipes; write '||' for 'or', '> FILE' for output to a file, "
         + "or pipe kvsh's own output from your shell (kvsh -c '…' | jq)", 1, 3, false),
        ("echo ${", "expected a variable name after '${', found end of input", 1, 8, true),
        ("echo ${}", "expected a variable name after '${', found '}'", 1, 8, false),
        ("echo ${e.value", "expected '}' to close the '${' opened at 1:6, found end of input", 1, 15, true),
        ("echo ${e x}", "expected '}' to close the '${' opened at 1:6, found ' '", 1, 9, false),
        ("echo ${e.}", "expected a field name after '.', found '}'", 1, 10, false),
        ("echo $1234567", "positional argument number $1234567 is too large", 1, 6, false),
    ])
    func errors(source: String, message: String, line: Int, column: Int, incomplete: Bool) throws {
        let error = try #require(lexError(source))
        #expect(error.message == message)
        #expect(error.position == SourcePosition(file: "t.kvsh", line: line, column: column))
        #expect(error.isIncomplete == incomplete)
        #expect(error.description == "t.kvsh:\(line):\(column): \(message)")
    }

    private func wordNamed(_ text: String, column: Int = 1) -> Word? {
        Word(parts: [.literal(text)], position: SourcePosition(file: "t.kvsh", line: 1, column: column), sourceText: text)
    }
}
