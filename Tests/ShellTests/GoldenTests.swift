import Testing
@testable import Shell

/// Golden scripts in the jlox style: each carries its expected output as `# expect:` lines
/// (and `# expect-error:` / `# expect-status:` when it fails).
@Suite("Golden scripts")
struct GoldenTests {
    static let scripts: [(name: String, source: String)] = [
        ("strings", #"""
            set who "kv shell"
            echo "hello, $who!"          # expect: hello, kv shell!
            echo 'single $who'           # expect: single $who
            echo a\ b "c\td"             # expect: a b c	d
            echo ${who}s                 # expect: kv shells
            """#),
        ("entries", """
            let e = kv put my-kv Key1 Value1
            echo $e.key=$e.value @ $e.revision      # expect: Key1=Value1 @ 1
            echo "$e.created $e.op $e.delta"        # expect: 2021-10-12T20:08:01Z PUT 0
            let h = kv history my-kv Key1
            echo $h.count $h.0.value                # expect: 1 Value1
            """),
        ("control", """
            for fruit in apple pear {
                if test $fruit == pear { echo "a $fruit" } else { echo "an $fruit" }
            }
            # expect: an apple
            # expect: a pear
            false || echo fallback                  # expect: fallback
            ! true || echo negated                  # expect: negated
            """),
        ("stops", """
            echo one                                # expect: one
            kv get my-kv nope
            echo two
            # expect-error: golden.kvsh:2:1: nats: key not found
            # expect-status: 1
            """),
        ("json-values", #"""
            let e = kv put cfg app '{"name":"kv","ports":[4222,8222],"tls":{"on":true},"odd key":1.5}'
            echo $e.json.name $e.json.ports.count ${e.json.ports.1}    # expect: kv 2 8222
            echo ${e.json."odd key"} ${e.json.tls.on}                 # expect: 1.5 true
            json get $e tls                                           # expect: {"on":true}
            json get $e missing none                                  # expect: none
            json set $e tls.on false                                  # expect: {"name":"kv","ports":[4222,8222],"tls":{"on":"false"},"odd key":1.5}
            json object who "a \"b\"" n $e.json.ports.0             # expect: {"who":"a \"b\"","n":4222}
            json array x $e.json.ports                                # expect: ["x",[4222,8222]]
            for k in $e.json.ports { echo port $k }
            # expect: port 4222
            # expect: port 8222
            echo ${e.json.nope}
            # expect-error: golden.kvsh:12:6: $e.json.nope: the record has no field 'nope'; its fields are name, ports, tls, odd key
            # expect-status: 1
            """#),
        ("str-ops", """
            str length héllo                           # expect: 5
            str upper kv; str trim "  x  "             # expect: KV
            # expect: x
            str sub "key-42" -2                        # expect: 42
            let parts = str split a/b/c /
            str join , $parts                          # expect: a,b,c
            str replace a-b-c - _                      # expect: a_b_c
            if str starts $parts.0 a { echo starts }   # expect: starts
            str ends abc x || echo $error              # expect: str ends: "abc" does not end with "x"
            """),
        ("printf", #"""
            printf '%-6s|%5.2f|%03d|%x\n' key 3.14159 7 255      # expect: key   | 3.14|007|ff
            let line = printf '%s=%d' n 42
            echo $line                                              # expect: n=42
            printf '%d\n' abc
            # expect-error: golden.kvsh:4:1: printf: argument 1 ("abc") is not an integer, as %d needs
            # expect-status: 1
            """#),
        ("exits", """
            echo bye                                # expect: bye
            exit 3
            # expect-status: 3
            """),
    ]

    @Test("golden scripts", arguments: scripts.map(\.name))
    func golden(name: String) async throws {
        let source = try #require(Self.scripts.first { $0.name == name }).source
        var expectedOut: [String] = []
        var expectedErr: [String] = []
        var expectedStatus: Int32 = 0
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            if let range = line.firstRange(of: "# expect: ") {
                expectedOut.append(String(line[range.upperBound...]))
            } else if let range = line.firstRange(of: "# expect-error: ") {
                expectedErr.append(String(line[range.upperBound...]))
            } else if let range = line.firstRange(of: "# expect-status: ") {
                expectedStatus = Int32(line[range.upperBound...]) ?? -1
            }
        }
        let r = await runScript(source, file: "golden.kvsh")
        #expect(r.outLines == expectedOut)
        #expect(r.err == expectedErr.map { $0 + "\n" }.joined())
        #expect(r.status == expectedStatus)
    }
}
