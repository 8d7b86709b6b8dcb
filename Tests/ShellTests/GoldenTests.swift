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
