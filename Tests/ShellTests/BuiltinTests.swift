import Testing
import TestSupport
@testable import Shell

@Suite("Built-in commands", .offCooperativePool)
struct BuiltinTests {
    @Test("echo joins its arguments with spaces")
    func echo() async {
        let r = await runScript("echo; echo a   b; echo '' x; set l 1 2; echo $l")
        #expect(r.outLines == ["", "a b", " x", "1 2"])
    }

    @Test("set: one value as it is, several as a list; bad names fail", arguments: [
        ("set 1x v", "test.kvsh:1:1: set: '1x' is not a valid variable name: use letters, digits and '_', not starting with a digit"),
        ("set env v", "test.kvsh:1:1: set: 'env' is reserved for environment variables ($env.NAME); choose another name"),
        ("set x", "test.kvsh:1:1: set: expected a value after 'x' (write \"\" for the empty string) (usage: set NAME VALUE…)"),
        ("set", "test.kvsh:1:1: set: expected a variable name (usage: set NAME VALUE…)"),
    ] as [(String, String)])
    func setErrors(source: String, message: String) async {
        let r = await runScript(source)
        #expect(r.err == message + "\n")
    }

    @Test("set keeps the value's type")
    func setTypes() async {
        let r = await runScript("let e = kv put my-kv k v; set copy $e; echo $copy.revision; set n $#; echo $n")
        #expect(r.outLines == ["1", "0"], "\(r.err)")
    }

    @Test("use selects the bucket for put, get, del, create, update, keys")
    func use() async {
        let host = FakeHost(buckets: ["my-kv"])
        let r = await runScript("""
            use
            use my-kv
            use
            put Key1 Value1
            let e = get Key1
            update Key1 Value2 $e.revision
            create Key2 x
            del Key2
            let ks = keys
            echo $ks
            """, host: host)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.outLines == ["no bucket selected; choose one with 'use BUCKET'", "my-kv", "Value1", "Value2", "x", "Key1"])
        #expect(await host.calls == [
            ["kv", "status", "my-kv"], ["kv", "put", "my-kv", "Key1", "Value1"], ["kv", "get", "my-kv", "Key1"],
            ["kv", "update", "my-kv", "Key1", "Value2", "1"], ["kv", "create", "my-kv", "Key2", "x"],
            ["kv", "del", "my-kv", "Key2"], ["kv", "keys", "my-kv"],
        ])
    }

    @Test("use and bucket commands explain what is wrong", arguments: [
        ("put k v", "test.kvsh:1:1: 'put' works on the current bucket: choose one with 'use BUCKET', or write 'kv put BUCKET …'"),
        ("use nosuch", "test.kvsh:1:1: nats: bucket not found: nosuch"),
        ("use 'bad name'", "test.kvsh:1:1: nats: invalid bucket name \"bad name\": use letters, digits, '_' and '-'"),
        ("use a b", "test.kvsh:1:1: use: expected one bucket name (usage: use [BUCKET])"),
    ] as [(String, String)])
    func useErrors(source: String, message: String) async {
        let r = await runScript(source)
        #expect(r.err == message + "\n")
        #expect(r.status == 1)
    }

    @Test("a failed use keeps the previous bucket")
    func useKeepsBucket() async {
        let r = await runScript("use my-kv; use nosuch || use")
        #expect(r.outLines == ["my-kv"])
    }

    @Test("vars lists variables, $#, $? and the bucket")
    func vars() async {
        let r = await runScript("set s 'a b'; set l x 2; let e = kv put my-kv k v; use my-kv; vars", arguments: ["one"])
        #expect(r.outLines == [
            "e = entry my-kv > k revision 1 PUT: \"v\"", "l = [\"x\", \"2\"]", "s = \"a b\"", "$# = 1", "$? = 0",
            "bucket = my-kv",
        ])
        let captured = await runScript("set a 1; let v = vars; echo $v.a $v")
        #expect(captured.outLines == [#"1 {"a":"1"}"#])
    }

    @Test("help lists built-ins, statements, variables and the host's commands")
    func helpOverview() async {
        let r = await runScript("help")
        for builtin in Builtin.allCases { #expect(r.out.contains(builtin.usage)) }
        #expect(r.out.contains("if COMMAND { … } elif COMMAND { … } else { … }"))
        #expect(r.out.contains("$env.NAME"))
        #expect(r.out.contains("Store commands: kv add"))
        #expect(r.out.contains("After 'use BUCKET': create del get history keys purge put status update watch"))
    }

    @Test("help for one command", arguments: [
        ("help sleep", "usage: sleep DURATION"),
        ("help let", "usage: let NAME = COMMAND"),
        ("help '&&'", "usage: A && B"),
        ("help kv put", "usage: kv put BUCKET KEY VALUE"),
        ("help nats kv put", "usage: kv put BUCKET KEY VALUE"),
        ("help put", "'put …' runs 'kv put BUCKET …' on the bucket chosen with 'use BUCKET'."),
    ] as [(String, String)])
    func helpTopic(source: String, firstLine: String) async {
        let r = await runScript(source)
        #expect(r.outLines.first == firstLine)
        #expect(r.status == 0)
    }

    @Test("help for an unknown command fails")
    func helpUnknown() async {
        let r = await runScript("help frobnicate")
        #expect(r.err == "test.kvsh:1:1: help: no command named 'frobnicate'; run 'help' for the list\n")
    }

    @Test("sleep waits for the duration it is given")
    func sleep() async {
        let clock = ContinuousClock()
        let start = clock.now
        let r = await runScript("sleep 30ms; sleep 0.01; sleep 0")
        #expect(r.status == 0)
        #expect(clock.now - start >= .milliseconds(40))
    }

    @Test("sleep rejects what it cannot wait for", arguments: [
        ("sleep", "sleep: expected one duration (usage: sleep DURATION)"),
        ("sleep 5 s", "sleep: expected one duration (usage: sleep DURATION)"),
        ("sleep soon", "sleep: invalid duration 'soon': use a number with a unit, such as 500ms, 2s or 1m30s"),
        ("sleep -1", "sleep: invalid duration '-1': use a number with a unit, such as 500ms, 2s or 1m30s"),
        ("sleep 25h", "sleep: '25h' is longer than the maximum of 24h"),
        ("sleep 99999999999999999999h", "sleep: '99999999999999999999h' is longer than the maximum of 24h"),
    ] as [(String, String)])
    func sleepErrors(source: String, message: String) async {
        let r = await runScript(source)
        #expect(r.err == "test.kvsh:1:1: \(message)\n")
    }

    @Test("test compares integers as numbers and other text as text", arguments: [
        ("test 2 < 10", true), ("test b < a", false), ("test 10 == 10", true), ("test 010 == 10", true),
        ("test a != b", true), ("test 3 >= 4", false), ("test 4 <= 4", true), ("test 5 > -1", true), ("test 0.5 < 1", true), ("test 10.5 > 9", true), ("test 1e3 == 1000", true),
        ("test 2.50 == 2.5", true), ("test 0x10 > 9", false),
        ("test -z ''", true), ("test -z x", false), ("test -n x", true), ("test -n ''", false),
        ("test abc == abc", true), ("test 'a b' == 'a b'", true),
    ] as [(String, Bool)])
    func test(source: String, holds: Bool) async {
        let r = await runScript("if \(source) { echo yes } else { echo no }")
        #expect(r.outLines == [holds ? "yes" : "no"])
    }

    @Test("test and calc errors", arguments: [
        ("test 1 == 2", "test: \"1\" == \"2\" does not hold"),
        ("test 1 ~ 2", "test: unknown operator '~'; use == != < <= > >= (usage: test A OP B | test -z S | test -n S)"),
        ("test x", "test: expected A OP B, -z S or -n S (usage: test A OP B | test -z S | test -n S)"),
        ("calc 1 / 0", "calc: division by zero in 1 / 0"),
        ("calc 1 % 0", "calc: division by zero in 1 % 0"),
        ("calc x + 1", "calc: 'x' is not an integer"),
        ("calc 9223372036854775807 + 1", "calc: 9223372036854775807 + 1 overflows"),
        ("calc 2 ^ 3", "calc: unknown operator '^'; use + - * / % (usage: calc A OP B)"),
        ("calc 1 +", "calc: expected A OP B (usage: calc A OP B)"),
        ("true x", "true: takes no arguments (usage: true)"),
        ("false", "false: failed, as it always does"),
        ("exit 256", "exit: expected a status from 0 to 255, got '256'"),
        ("exit x", "exit: expected a status from 0 to 255, got 'x'"),
        ("exit 1 2", "exit: expected at most one status (usage: exit [STATUS])"),
    ] as [(String, String)])
    func testAndCalcErrors(source: String, message: String) async {
        let r = await runScript(source)
        #expect(r.err == "test.kvsh:1:1: \(message)\n")
        #expect(r.status == 1)
    }

    @Test("calc prints, or returns under let")
    func calc() async {
        let r = await runScript("calc 7 * 6; calc 7 - 10; calc 7 / 2; calc -7 % 3; let n = calc 1 + 1; echo $n")
        #expect(r.outLines == ["42", "-3", "3", "-1", "2"])
    }

    @Test("a leading nats is accepted, as in lines pasted from the NATS docs")
    func leadingNats() async {
        let host = FakeHost(buckets: ["my-kv"])
        let r = await runScript("nats kv put my-kv Key1 Value1\nnats echo hi\nlet e = nats kv get my-kv Key1\necho $e.value",
                                host: host)
        #expect(r.outLines == ["Value1", "hi", "Value1"])
        #expect(await host.calls == [["kv", "put", "my-kv", "Key1", "Value1"], ["kv", "get", "my-kv", "Key1"]])
    }

    @Test("unknown commands are the host's to reject")
    func unknown() async {
        let r = await runScript("frobnicate now")
        #expect(r.err == "test.kvsh:1:1: unknown command 'frobnicate'\n")
    }
}
