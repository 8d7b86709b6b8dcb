import Testing
@testable import Shell

/// `fn`, `return`, `fail`: scope, arity, recursion, and use from `let` and kept blocks.
@Suite("Functions")
struct FunctionTests {
    @Test("parameters, return values kept as they are, $@ and $#, nothing leaks out")
    func callsAndScope() async {
        let r = await runScript("""
            set outer kept
            fn pair a b { set local inside; let both = echo "$a+$b"; return $both }
            let p = pair 1 "two words"
            echo $p
            fn first xs { return $xs.0 }
            set list x y z
            let f = first $list
            echo "$f $#"
            fn count @rest { echo "$# args: $@"; return $rest.count }
            let n = count a b c
            echo "$n $outer"
            fn reads { echo "sees $outer" }
            reads
            test -z "$?" || echo status $?
            vars
            """, arguments: ["s1"])
        let lines = r.outLines
        #expect(Array(lines.prefix(5)) == ["1+two words", "x 1", "3 args: a b c", "3 kept", "sees kept"], "\(r)")
        #expect(!lines.contains { $0.hasPrefix("local =") || $0.hasPrefix("both =") || $0.hasPrefix("a =") }, "\(r)")
        #expect(r.status == 0, "\(r)")
    }

    @Test("a failure inside a function is the call's: tested by if, stops the script untested")
    func failures() async {
        let r = await runScript("""
            fn check v { test $v == ok || fail "bad value: $v"; echo checked }
            if check nope { echo yes } else { echo "no: $error" }
            check ok
            check nope
            echo not reached
            """)
        #expect(r.outLines == ["no: test.kvsh:1:31: bad value: nope", "checked"], "\(r)")
        #expect(r.status == 1 && r.err == "test.kvsh:1:31: bad value: nope\n", "\(r)")
    }

    @Test("recursion works and is bounded; wrong arity and misplaced return are clear errors", arguments: [
        ("fn fact n { if test $n <= 1 { return 1 }; let m = calc $n - 1; let f = fact $m; let r = calc $n * $f; return $r }\nlet x = fact 12; echo $x",
         "479001600", ""),
        ("fn down n { down $n }\ndown 1", "", "test.kvsh:1:13: down: function calls nested more than 100 deep (a recursion that does not end?)\n"),
        ("fn two a b { echo $a }\ntwo 1", "", "test.kvsh:2:1: two: expected 2 arguments (a b), got 1\n"),
        ("fn some a @more { echo $a }\nsome", "", "test.kvsh:2:1: some: expected at least 1 argument (a @more), got 0\n"),
        ("return 3", "", "test.kvsh:1:1: return outside a function: end a script with 'exit'\n"),
        ("fn kv { echo no }", "", "test.kvsh:1:1: 'kv' is a store command: choose another name for the function\n"),
    ])
    func limits(source: String, out: String, err: String) async {
        let host = FakeHostWithNames()
        let output = RecordingOutput()
        let status = await ShellSession(host: host, output: output).run(source: source, file: "test.kvsh")
        #expect(output.out == (out.isEmpty ? "" : out + "\n"), "\(output.err)")
        #expect(output.err == err)
        #expect((status == 0) == err.isEmpty)
    }

    @Test("fn syntax errors", arguments: [
        ("fn echo { }", "t.kvsh:1:4: 'echo' is a built-in command or keyword: choose another name for the function"),
        ("fn 9x { }", "t.kvsh:1:4: '9x' is not a valid function name: use letters, digits, '_' and '-', starting with a letter or '_'"),
        ("fn f a a { }", "t.kvsh:1:8: parameter 'a' appears twice in 'fn f'"),
        ("fn f @a b { }", "t.kvsh:1:9: '@a' takes the remaining arguments, so it must be the last parameter"),
        ("fn f a", "t.kvsh:1:7: expected '{' after 'fn f' and its parameters, found end of input"),
    ])
    func syntaxErrors(source: String, message: String) {
        #expect(Parser.syntaxError(in: source, file: "t.kvsh")?.description == message)
    }

    @Test("a kept block (a hook's) sees the functions defined before it")
    func keptBlocks() async throws {
        let output = RecordingOutput()
        let host = BlockKeepingHost()
        let session = ShellSession(host: host, output: output)
        let status = await session.run(source: """
            fn greet who { echo "hello $who" }
            on put b { greet $event }
            """, file: "t.kvsh")
        #expect(status == 0)
        let block = try #require(await host.kept)
        #expect(await block.run(binding: ["event": .string("hook")], output: output) == 0)
        #expect(output.out == "hello hook\n")
    }
}

/// A host whose only command is `kv`, to show that functions may not take its names.
private struct FakeHostWithNames: CommandHost {
    var commandNames: Set<String> { ["kv"] }
    func run(_ words: [String], context: CommandContext) async throws -> CommandResult {
        throw CommandError("no store here")
    }
}

/// Keeps the block of `on … { … }`, as the real hook command does.
private actor BlockKeepingHost: CommandHost {
    var kept: CommandBlock?
    func run(_ words: [String], context: CommandContext) async throws -> CommandResult {
        kept = context.block
        return CommandResult()
    }
}
