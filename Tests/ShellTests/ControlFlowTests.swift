import Testing
@testable import Shell

@Suite("Control flow")
struct ControlFlowTests {
    @Test("&& runs the right side only after success, || only after failure")
    func andOr() async {
        let r = await runScript("""
            true && echo a1
            false && echo a2
            true || echo o1
            false || echo o2
            false || false || echo o3
            true && false || echo ao
            """)
        #expect(r.outLines == ["a1", "o2", "o3", "ao"])
        #expect(r.status == 0)
    }

    @Test("! inverts a status and tests the failure")
    func not() async {
        let r = await runScript("! false && echo one; ! true || echo two; ! fail boom && echo three")
        #expect(r.outLines == ["one", "two", "three"])
    }

    @Test("if / elif / else picks the first succeeding branch", arguments: [
        ("true", "false", "first"), ("false", "true", "second"), ("false", "false", "neither"),
    ])
    func conditional(a: String, b: String, expected: String) async {
        let r = await runScript("if \(a) { echo first } elif \(b) { echo second } else { echo neither }")
        #expect(r.outLines == [expected])
    }

    @Test("if without a taken branch leaves status 0")
    func ifStatus() async {
        let r = await runScript("if false { echo no }\necho $?")
        #expect(r.outLines == ["0"])
    }

    @Test("blocks span lines; elif and else follow the closing brace")
    func multilineBlocks() async {
        let r = await runScript("""
            set n 2
            if test $n == 1
            {
                echo one
            } elif test $n == 2 {
                echo two
                echo "still two"
            } else {
                echo other
            }
            """)
        #expect(r.outLines == ["two", "still two"])
    }

    @Test("for iterates words and list elements")
    func forLoop() async {
        let r = await runScript("""
            kv put my-kv b 2; kv put my-kv a 1
            let ks = kv keys my-kv
            for k in $ks extra {
                echo key $k
            }
            for x in { echo never }
            echo after $k
            """)
        #expect(r.outLines == ["2", "1", "key a", "key b", "key extra", "after extra"])
    }

    @Test("for over history binds entries")
    func forOverEntries() async {
        let r = await runScript("""
            kv put my-kv k one; kv put my-kv k two
            let h = kv history my-kv k
            for e in $h { echo $e.revision $e.value $e.op }
            """)
        #expect(r.outLines == ["one", "two", "1 one PUT", "2 two PUT"])
    }

    @Test("while with a bounded counter")
    func whileLoop() async {
        let r = await runScript("""
            set n 0
            while test $n < 3 {
                echo n=$n
                let n = calc $n + 1
            }
            echo done $n
            """)
        #expect(r.outLines == ["n=0", "n=1", "n=2", "done 3"])
        #expect(r.status == 0)
    }

    @Test("while waits for a lock to come free")
    func whileLock() async {
        let host = FakeHost(buckets: ["my-sem"])
        let r = await runScript("""
            kv create my-sem lock other
            set tries 0
            while ! kv create my-sem lock me {
                let tries = calc $tries + 1
                if test $tries == 2 { kv del my-sem lock }
            }
            echo got it after $tries
            """, host: host)
        #expect(r.outLines == ["other", "me", "got it after 2"], "\(r.err)")
        #expect(await host.value("my-sem", "lock") == "me")
    }

    @Test("a block groups statements")
    func block() async {
        let r = await runScript("false || { echo a; echo b }; { echo c }")
        #expect(r.outLines == ["a", "b", "c"])
    }

    @Test("if let binds only on success")
    func ifLet() async {
        let r = await runScript("""
            kv put cfg k v1
            if let e = kv get cfg k { echo found $e.value } else { echo missing }
            if let m = kv get cfg nope { echo found } else { echo missing }
            echo $e.revision
            echo $m
            """)
        #expect(r.outLines == ["v1", "found v1", "missing", "1"])
        #expect(r.err == "test.kvsh:5:6: variable 'm' is not set: set it with 'set m VALUE' or 'let m = COMMAND'\n")
    }

    @Test("a tested failure sets $error")
    func errorVariable() async {
        let r = await runScript("kv create my-sem s v; kv create my-sem s v || echo \"lost: $error\"")
        #expect(r.outLines == ["v", "lost: nats: wrong last sequence: 1: key exists"])
    }

    @Test("exit stops with its status, from anywhere", arguments: [
        ("echo a; exit 3; echo b", Int32(3), ["a"]),
        ("exit", 0, []),
        ("false || true; exit", 0, []),
        ("false || echo x; fail-status 4 || exit", 4, ["x"]),
        ("for i in 1 2 3 { if test $i == 2 { exit 9 }; echo $i }", 9, ["1"]),
        ("while true { exit 5 }", 5, []),
        ("if exit 6 { echo no }", 6, []),
        ("exit 255", 255, []),
    ] as [(String, Int32, [String])])
    func exitStatus(source: String, status: Int32, lines: [String]) async {
        let r = await runScript(source)
        #expect(r.status == status)
        #expect(r.outLines == lines)
        #expect(r.err == "")
    }

    @Test("the script's status is the last command's")
    func finalStatus() async {
        #expect(await runScript("echo a").status == 0)
        #expect(await runScript("true && false").status == 1)
        #expect(await runScript("fail-status 3 || fail-status 4").status == 4)
        #expect(await runScript("").status == 0)
    }
}
