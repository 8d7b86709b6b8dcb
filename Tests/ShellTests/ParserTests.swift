import Testing
@testable import Shell

/// The tree as an S-expression, so shapes are easy to read and compare.
func sexp(_ statement: Statement) -> String {
    func words(_ words: [Word]) -> String { words.map(\.sourceText).joined(separator: " ") }
    func block(_ block: Block) -> String { "{" + block.statements.map(sexp).joined(separator: " ") + "}" }
    func redirects(_ redirects: [Redirect]) -> String {
        redirects.map { " " + $0.op.rawValue + ($0.target.map { " " + $0.sourceText } ?? "") }.joined()
    }
    switch statement {
    case .command(let command): return "(" + words(command.words) + redirects(command.redirects) + ")"
    case .binding(let name, let command, _): return "(let \(name) (\(words(command.words))))"
    case .chain(let first, let links):
        return "(" + sexp(first) + links.map { ($0.op == .and ? " && " : " || ") + sexp($0.statement) }.joined() + ")"
    case .not(let s, _): return "(not \(sexp(s)))"
    case .conditional(let branches, let otherwise, _):
        var text = "(if"
        for branch in branches { text += " \(sexp(branch.condition)) \(block(branch.body))" }
        if let otherwise { text += " else \(block(otherwise))" }
        return text + ")"
    case .loop(let name, let items, let body, _): return "(for \(name) [\(words(items))] \(block(body)))"
    case .repeatWhile(let condition, let body, _): return "(while \(sexp(condition)) \(block(body)))"
    case .block(let b): return block(b)
    case .redirected(let s, let r): return "(" + sexp(s) + redirects(r) + ")"
    case .quiet(let s, _): return "(quiet \(sexp(s)))"
    case .function(let f):
        let parameters = f.parameters.enumerated().map {
            f.collectsRest && $0.offset == f.parameters.count - 1 ? "@" + $0.element : $0.element
        }
        return "(fn \(f.name) [\(parameters.joined(separator: " "))] \(block(f.body)))"
    case .attempt(let a):
        var text = "(try \(block(a.body))"
        if let handler = a.handler { text += " catch" + (a.failureName.map { " " + $0 } ?? "") + " " + block(handler) }
        if let cleanup = a.cleanup { text += " finally " + block(cleanup) }
        return text + ")"
    }
}

private func tree(_ source: String) throws -> String {
    try Parser.parse(source, file: "t.kvsh").statements.map(sexp).joined(separator: " ")
}

private func parseError(_ source: String) -> ShellError? {
    Parser.syntaxError(in: source, file: "t.kvsh")
}

@Suite("Parser")
struct ParserTests {
    @Test("statements and their shapes", arguments: [
        ("kv put my-kv Key1 Value1", "(kv put my-kv Key1 Value1)"),
        ("nats kv get my-kv Key1", "(nats kv get my-kv Key1)"),
        ("a; b\nc", "(a) (b) (c)"),
        (";;\n\n a ;; ;\n", "(a)"),
        ("a && b || c", "((a) && (b) || (c))"),
        ("a || b && c", "((a) || (b) && (c))"),
        ("! a && b", "((not (a)) && (b))"),
        ("! ! a", "(not (not (a)))"),
        ("a &&\n\n b", "((a) && (b))"),
        ("echo ! x", "(echo ! x)"),
        ("let e = kv get my-kv Key1", "(let e (kv get my-kv Key1))"),
        ("let e = kv get cfg k; kv update cfg k new $e.revision || echo conflict",
         "(let e (kv get cfg k)) ((kv update cfg k new $e.revision) || (echo conflict))"),
        ("if a { b }", "(if (a) {(b)})"),
        ("if kv create my-sem lock1 me { echo won } else { echo lost }",
         "(if (kv create my-sem lock1 me) {(echo won)} else {(echo lost)})"),
        ("if a { b } elif c { d } elif e { f } else { g }", "(if (a) {(b)} (c) {(d)} (e) {(f)} else {(g)})"),
        ("if a\n{\n b\n c\n}", "(if (a) {(b) (c)})"),
        ("if ! a && b { c }", "(if ((not (a)) && (b)) {(c)})"),
        ("if let e = kv get b k { echo $e }", "(if (let e (kv get b k)) {(echo $e)})"),
        ("if { a; b } { c }", "(if {(a) (b)} {(c)})"),
        ("for x in a b $list { echo $x }", "(for x [a b $list] {(echo $x)})"),
        ("for x in { }", "(for x [] {})"),
        ("while ! kv create my-sem lock me { sleep 1s }", "(while (not (kv create my-sem lock me)) {(sleep 1s)})"),
        ("{ a; { b } }", "{(a) {(b)}}"),
        ("a && { b; c } || d", "((a) && {(b) (c)} || (d))"),
        ("if a { b } && c", "((if (a) {(b)}) && (c))"),
        ("echo if then else", "(echo if then else)"),
        ("'if' a; { }", "('if' a) {}"),
        ("", ""),
        ("# only a comment", ""),
    ] as [(String, String)])
    func shapes(source: String, expected: String) throws {
        #expect(try tree(source) == expected)
    }

    @Test("statements remember where they start")
    func positions() throws {
        let script = try Parser.parse("echo a\n  if b {\n    c\n  }", file: "p.kvsh")
        #expect(script.statements.map(\.position) == [
            SourcePosition(file: "p.kvsh", line: 1, column: 1),
            SourcePosition(file: "p.kvsh", line: 2, column: 3),
        ])
        guard case .conditional(let branches, _, _) = script.statements[1] else {
            Issue.record("expected an if")
            return
        }
        #expect(branches[0].condition.position == SourcePosition(file: "p.kvsh", line: 2, column: 6))
        #expect(branches[0].body.position == SourcePosition(file: "p.kvsh", line: 2, column: 8))
        #expect(branches[0].body.statements[0].position == SourcePosition(file: "p.kvsh", line: 3, column: 5))
    }

    @Test("every syntax error says what was expected and where", arguments: [
        ("if a { b", "expected '}' to close the block opened at 1:6, found end of input", 1, 9),
        ("echo start\nif a {\n  b\n", "expected '}' to close the block opened at 2:6, found end of input", 4, 1),
        ("{ a ", "expected '}' to close the block opened at 1:1, found end of input", 1, 5),
        ("}", "unexpected '}': no block is open", 1, 1),
        ("a }", "unexpected '}': no block is open", 1, 3),
        ("if a { b } }", "unexpected '}': no block is open", 1, 12),
        ("if a b", "expected '{' after the 'if' condition, found end of input", 1, 7),
        ("if a; then b; fi", "expected '{' after the 'if' condition, found ';' (kvsh blocks use braces: if COMMAND { … })", 1, 5),
        ("if { a } ; { b }", "expected '{' after the 'if' condition, found ';' (kvsh blocks use braces: if COMMAND { … })", 1, 10),
        ("if", "expected a command after 'if', found end of input", 1, 3),
        ("if { }", "expected '{' after the 'if' condition, found end of input", 1, 7),
        ("if\n{ b }", "expected a command after 'if', found newline", 1, 3),
        ("if a { b } elif { c }", "expected '{' after the 'elif' condition, found end of input", 1, 22),
        ("if a { b } elif", "expected a command after 'elif', found end of input", 1, 16),
        ("if a { b } else c", "expected '{' after 'else', found 'c'", 1, 17),
        ("if a { b } else if c { d }", "expected '{' after 'else', found 'if': write 'elif' for another condition", 1, 17),
        ("if a { b }\nelse { c }", "'else' without 'if': put it on the same line as the '}' that closes the 'if' block", 2, 1),
        ("elif a { b }", "'elif' without 'if': put it on the same line as the '}' that closes the 'if' block", 1, 1),
        ("while", "expected a command after 'while', found end of input", 1, 6),
        ("while a; do b; done", "expected '{' after the 'while' condition, found ';' (kvsh blocks use braces: if COMMAND { … })", 1, 8),
        ("for", "expected a variable name after 'for', found end of input", 1, 4),
        ("for x-y in a { }", "'x-y' is not a valid variable name: use letters, digits and '_', not starting with a digit", 1, 5),
        ("for 1x in a { }", "'1x' is not a valid variable name: use letters, digits and '_', not starting with a digit", 1, 5),
        ("for $x in a { }", "'$x' is not a valid variable name: use letters, digits and '_', not starting with a digit", 1, 5),
        ("for x of a { }", "expected 'in' after 'for x', found 'of'", 1, 7),
        ("for x in a b", "expected '{' after the 'for' list, found end of input", 1, 13),
        ("for env in a { }", "'env' is reserved for environment variables ($env.NAME); choose another name", 1, 5),
        ("let", "expected a variable name after 'let', found end of input", 1, 4),
        ("let ; a", "expected a variable name after 'let', found ';'", 1, 5),
        ("let x kv get a b", "expected '=' after 'let x', found 'kv'", 1, 7),
        ("let x=1", "'x=1' is not a valid variable name: put spaces around '=' (let NAME = COMMAND)", 1, 5),
        ("let x =", "expected a command after '=', found end of input", 1, 8),
        ("let x =\nkv get a b", "expected a command after '=', found newline", 1, 8),
        ("let x = if a { }", "expected a command after '=', found 'if'", 1, 9),
        ("let x = { a }", "expected a command after '=', found '{'", 1, 9),
        ("let env = echo", "'env' is reserved for environment variables ($env.NAME); choose another name", 1, 5),
        ("&& a", "expected a command before '&&'", 1, 1),
        ("a\n|| b", "expected a command before '||'", 2, 1),
        ("a &&", "expected a command after '&&', found end of input", 1, 5),
        ("a || ;", "expected a command after '||', found ';'", 1, 6),
        ("a && }", "expected a command after '&&', found '}'", 1, 6),
        ("!", "expected a command after '!', found end of input", 1, 2),
        ("! ; a", "expected a command after '!', found ';'", 1, 3),
        ("if a { b } c", "expected ';' or a newline before 'c'", 1, 12),
        ("{ a } b", "expected ';' or a newline before 'b'", 1, 7),
        ("echo a { b }", "expected ';' or a newline before '{'", 1, 8),
        ("while a { b } { c }", "expected ';' or a newline before '{'", 1, 15),
        ("echo 'oops", "unterminated string starting at 1:6", 1, 11),
        ("echo ok\nif a {\n echo \"bad", "unterminated string starting at 3:7", 3, 11),
        (String(repeating: "{", count: 101), "blocks and '!' are nested more than 100 deep", 1, 101),
        (String(repeating: "! ", count: 101) + "a", "blocks and '!' are nested more than 100 deep", 1, 201),
    ] as [(String, String, Int, Int)])
    func syntaxErrors(source: String, message: String, line: Int, column: Int) throws {
        let error = try #require(parseError(source))
        #expect(error.message == message)
        #expect(error.position == SourcePosition(file: "t.kvsh", line: line, column: column))
    }

    @Test("the first error in source order is the one reported")
    func firstErrorWins() throws {
        let error = try #require(parseError("if a { b } else c\necho 'unterminated"))
        #expect(error.position.line == 1)
    }

    @Test("nesting up to the limit parses")
    func deepButAllowed() throws {
        let source = String(repeating: "{ ", count: 100) + "a" + String(repeating: " }", count: 100)
        #expect(parseError(source) == nil)
    }

    @Test("input that needs more lines is incomplete", arguments: [
        "if a {", "if a {\n  b", "if a", "if a\n", "while ! kv create my-sem l me {", "for x in a b",
        "for x", "for", "{", "{ {\n}", "a &&", "a ||\n", "!", "echo 'abc", "echo \"abc\ndef", "echo a \\",
        "let", "let x", "let x =", "if a { b } else", "if a { b } elif", "if a { b } elif c", "echo ${e.value",
        "if a {\n # comment", "if", "while",
    ])
    func incomplete(source: String) {
        #expect(Parser.isIncomplete(source))
    }

    @Test("complete input and real errors are not incomplete", arguments: [
        "", "echo hi", "if a { b }", "if a { b }\n", "a && b", "a; ", "for x in a { }", "echo 'a'",
        "}", "if a { b } c", "echo $(x)", "a & b", "a | b", "let x =\n", "if a { b }\nelse {", "echo \"\\q",
        "let x = if", "echo ${}", "&&",
    ])
    func complete(source: String) {
        #expect(!Parser.isIncomplete(source))
    }
}
