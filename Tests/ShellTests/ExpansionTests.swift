import Testing
@testable import Shell

@Suite("Expansion and quoting")
struct ExpansionTests {
    @Test("variables interpolate into words and double quotes, not single quotes")
    func interpolation() async {
        let r = await runScript(#"set name world; echo "hello $name" 'not $name' hello-$name ${name}s"#)
        #expect(r.outLines == ["hello world not $name hello-world worlds"])
        #expect(r.status == 0)
    }

    @Test("let binds a command's result; fields read it")
    func fieldAccess() async {
        let r = await runScript("""
            let e = kv put my-kv Key1 Value1
            echo $e.value ${e.revision} "$e.key in $e.bucket, op $e.op" $e
            let s = kv status my-kv
            echo $s.bucket $s.values
            let a = account info
            echo $a.client_id $a.jetstream
            """)
        #expect(r.outLines == ["Value1 1 Key1 in my-kv, op PUT Value1", "my-kv 1", "7 true"], "\(r.err)")
    }

    @Test("let prints nothing: the host is told the result is captured")
    func captured() async {
        let host = FakeHost(buckets: ["my-kv"])
        let r = await runScript("kv put my-kv a 1\nlet e = kv put my-kv b 2\nlet x = echo hi\necho $x", host: host)
        #expect(r.outLines == ["1", "hi"])
        #expect(await host.captures == [false, true])
    }

    @Test("positional arguments, $#, $@, $0")
    func positional() async {
        let host = FakeHost()
        let r = await runScript(#"echo $0 $1 $2 $# "$@"; record-args $@; echo ${1}x"#, file: "s.kvsh",
                                arguments: ["a", "b c"], host: host)
        #expect(r.outLines == ["s.kvsh a b c 2 a b c", "[a]", "[b c]", "ax"])
        #expect(await host.calls == [["record-args", "a", "b c"]])
    }

    @Test("$? is the last status")
    func lastStatus() async {
        let r = await runScript("false || echo $?; true; echo $?; fail-status 7 || echo $?; ! true; echo $?")
        #expect(r.outLines == ["1", "0", "7", "1"])
    }

    @Test("$env reads the environment")
    func environment() async {
        let r = await runScript("echo $env.HOME ${env.HOME}/x \"$env.HOME\"", environment: ["HOME": "/home/u"])
        #expect(r.outLines == ["/home/u /home/u/x /home/u"])
        let missing = await runScript("echo $env.NOPE", environment: [:])
        #expect(missing.err == "test.kvsh:1:6: environment variable 'NOPE' is not set\n")
        #expect(missing.status == 1)
    }

    @Test("a list variable alone in a word becomes one argument per element; elsewhere it is text")
    func listSpreading() async {
        let host = FakeHost(buckets: ["my-kv"])
        let r = await runScript("""
            kv put my-kv a 1; kv put my-kv 'b c' 2
            let ks = kv keys my-kv
            record-args $ks
            record-args "$ks"
            record-args x$ks
            echo $ks.count $ks.0 ${ks.1}
            set copy $ks
            echo $copy.count
            set many one two three
            record-args $many
            """, host: host)
        #expect(r.status == 0, "\(r.err)")
        #expect(await host.calls.filter { $0.first == "record-args" } == [
            ["record-args", "a", "b c"], ["record-args", "a b c"], ["record-args", "xa b c"],
            ["record-args", "one", "two", "three"],
        ])
        #expect(r.outLines.contains("2 a b c"))
    }

    @Test("words are never split: an empty value is one empty argument")
    func noSplitting() async {
        let host = FakeHost()
        let r = await runScript(#"set e ""; set sp "a  b"; record-args $e "" '' $sp"#, host: host)
        #expect(r.status == 0)
        #expect(await host.calls == [["record-args", "", "", "", "a  b"]])
    }

    @Test("quoting and escapes")
    func quoting() async {
        let r = await runScript(##"echo 'it\'s' "tab\there" a\ b "\$HOME" '$HOME' "say \"hi\"" 'a\b' \# "x\\y""##)
        #expect(r.outLines == ["it's tab\there a b $HOME $HOME say \"hi\" a\\b # x\\y"])
    }

    @Test("quoted strings span lines")
    func multiline() async {
        let r = await runScript("echo \"one\ntwo\" 'three\nfour'")
        #expect(r.outLines == ["one", "two three", "four"])
    }

    static let hostile = [
        "; echo pwned", "$(echo pwned)", "`echo pwned`", "$x", "${x}", "$1", "\"quoted\" and 'single'",
        "line1\nline2; echo pwned", "&& echo pwned", "|| echo pwned", "{ echo pwned }", "# not a comment",
        "\\; echo pwned", "a b  c", "", "*", "~", "$env.HOME", "!",
    ]

    @Test("values from the store are data: never executed or expanded again", arguments: hostile)
    func injectionFromStore(value: String) async throws {
        let host = FakeHost(buckets: ["my-kv"])
        _ = try await host.run(["kv", "put", "my-kv", "k", value],
                               context: CommandContext(output: RecordingOutput(), isCaptured: true,
                                                       position: SourcePosition(file: "", line: 1, column: 1)))
        let r = await runScript("""
            set x EXPANDED
            let e = kv get my-kv k
            set v $e.value
            record-args $e.value $v "$v" $e
            echo $v
            kv put my-kv copy $v
            for item in $v { record-args $item }
            """, arguments: ["ARG"], host: host)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err == "")
        let records = await host.calls.filter { $0.first == "record-args" }
        #expect(records == [["record-args", value, value, value, value], ["record-args", value]])
        #expect(r.out.contains("\(value)\n"))
        #expect(!r.outLines.contains("pwned"))
        #expect(await host.value("my-kv", "copy") == value)
    }

    @Test("arguments and environment variables are data too", arguments: hostile)
    func injectionFromArguments(value: String) async {
        let host = FakeHost()
        let r = await runScript("set x EXPANDED; record-args $1 \"$1\" $env.EVIL ${env.EVIL}; echo $1",
                                arguments: [value], host: host, environment: ["EVIL": value])
        #expect(r.status == 0, "\(r.err)")
        #expect(await host.calls == [["record-args", value, value, value, value]])
        #expect(r.out.hasSuffix("\(value)\n"))
        #expect(!r.outLines.contains("pwned"))
    }

    @Test("a command name from a variable is looked up, its text never parsed")
    func commandFromVariable() async {
        let host = FakeHost()
        let r = await runScript("set c 'echo hi; echo pwned'; $c", host: host)
        #expect(r.status == 1)
        #expect(r.err == "test.kvsh:1:30: unknown command 'echo hi; echo pwned'\n")
        #expect(r.out == "")
    }

    @Test("expansion errors name the reference and stop even where failures are tested", arguments: [
        ("echo $nope", "test.kvsh:1:6: variable 'nope' is not set: set it with 'set nope VALUE' or 'let nope = COMMAND'"),
        ("if echo $nope { echo yes }", "test.kvsh:1:9: variable 'nope' is not set: set it with 'set nope VALUE' or 'let nope = COMMAND'"),
        ("let e = kv put my-kv k v; echo $e.nope || true",
         "test.kvsh:1:32: $e.nope: an entry has no field 'nope'; its fields are key, value, revision, created, op, bucket, delta, json"),
        ("set s x; echo ${s.len}", "test.kvsh:1:15: $s.len: a string has no fields ('.json' reads it as JSON)"),
        ("echo $3", "test.kvsh:1:6: $3 is not set: there are 0 arguments ($# tells how many)"),
        ("set l a b; echo $l.5", "test.kvsh:1:17: $l.5: index 5 is out of range: the list has 2 elements (indexes start at 0)"),
        ("let ks = kv keys my-kv; $ks", "test.kvsh:1:25: the command is empty: '$ks' is an empty list"),
    ] as [(String, String)])
    func expansionErrors(source: String, message: String) async {
        let r = await runScript(source)
        #expect(r.err == message + "\n")
        #expect(r.status == 1)
        #expect(!r.out.contains("yes"))
    }
}
