#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import Shell

/// `> >> 2> 2>> 2>&1 <` and `quiet`, with real files in a temporary directory.
@Suite("Redirection and quiet")
struct RedirectionTests {
    private func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("> truncates, >> appends, 2> takes notes, 2>&1 joins them; nothing reaches the session's output")
    func outputs() async throws {
        let dir = try TemporaryDirectory()
        let r = await runScript("""
            echo old > "\(dir.path)/out"
            echo one > "\(dir.path)/out"
            echo two >> "\(dir.path)/out"
            warn careful 2> "\(dir.path)/err"
            warn again 2>> "\(dir.path)/err"
            { echo both; warn note } > "\(dir.path)/all" 2>&1
            for i in 1 2 { echo $i } >>"\(dir.path)/out"
            echo shown
            """)
        #expect(r.status == 0 && r.outLines == ["shown"] && r.err.isEmpty, "\(r)")
        #expect(contents(dir.path + "/out") == "one\ntwo\n1\n2\n")
        #expect(contents(dir.path + "/err") == "careful\nagain\n")
        #expect(contents(dir.path + "/all") == "both\nnote\n")
    }

    @Test("< FILE gives a command its input; built-ins and functions refuse it")
    func input() async throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("value", "line 1\n$(id) ; rm -rf ~\n")
        let r = await runScript("""
            record-input < "\(file)"
            record-input
            echo x < "\(file)" || echo "refused: $error"
            """)
        #expect(r.outLines == ["[line 1", "$(id) ; rm -rf ~", "]", "(none)",
                               "refused: echo takes no input: '< FILE' gives the value of kv put, create and update"],
                "\(r)")
    }

    @Test("file names are data: a name with ; $ > { and newlines is one file, never parsed")
    func namesAreData() async throws {
        let dir = try TemporaryDirectory()
        let hostile = "; rm -rf ~ $(id) > { x\n"
        let r = await runScript("""
            set name "\(dir.path)/$1"
            echo safe > $name
            echo more >> "$name"
            """, arguments: [hostile])
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        #expect(contents(dir.path + "/" + hostile) == "safe\nmore\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [hostile])
    }

    @Test("a file that cannot be opened is a failure that || tests; nothing runs; an empty name is a mistake")
    func openFailures() async throws {
        let dir = try TemporaryDirectory()
        let r = await runScript("""
            echo x > /nonexistent-dir/out || echo "failed: $error"
            record-input < "\(dir.path)/missing" || echo "failed: $error"
            { echo inside } > /nonexistent-dir/out || echo "block failed"
            set empty ""
            echo x > $empty
            echo not reached
            """)
        #expect(r.outLines == [
            "failed: cannot open '/nonexistent-dir/out': No such file or directory",
            "failed: cannot read '\(dir.path)/missing': No such file or directory",
            "block failed",
        ], "\(r)")
        #expect(r.status == 1 && r.err == "test.kvsh:5:10: the file name after '>' is empty ($empty)\n", "\(r)")
    }

    @Test("a failed write to the file stops the script even where the command is tested")
    func failedWrite() async throws {
        let r = await runScript("echo x > /dev/full || echo tested; echo not reached")
        #expect(r.status == 1 && r.out.isEmpty, "\(r)")
        #expect(r.err == "test.kvsh:1:1: cannot write to '/dev/full': No space left on device\n", "\(r)")
    }

    @Test("quiet keeps status and bindings, prints nothing, and the error that stops a script still shows")
    func quiet() async throws {
        let r = await runScript("""
            quiet kv put my-kv k v
            if quiet kv create my-kv k other { echo won } else { echo "lost: $error" }
            quiet { echo hidden; warn hidden too; let e = kv get my-kv k }
            echo "$e.value $?"
            quiet kv get my-kv missing
            """)
        #expect(r.outLines == ["lost: nats: wrong last sequence: 1: key exists", "v 0"], "\(r)")
        #expect(r.status == 1 && r.err == "test.kvsh:5:7: nats: key not found\n", "\(r)")
    }

    @Test("redirection syntax: operators only start a word, test keeps < and >, errors say what is missing",
          arguments: [
              ("kv keys b orders.> > f", "(kv keys b orders.> > f)"),
              ("echo a>b", "(echo a>b)"),
              ("test $n < 3 && test $n >= 1", "((test $n < 3) && (test $n >= 1))"),
              ("echo x 2>&1 >f 2>>g", "(echo x 2>&1 > f 2>> g)"),
              ("{ a } > f", "({(a)} > f)"),
              ("quiet if a { b }", "(quiet (if (a) {(b)}))"),
          ])
    func syntax(source: String, tree: String) throws {
        let script = try Parser.parse(source, file: "t.kvsh")
        #expect(script.statements.map(sexp).joined(separator: " ") == tree)
    }

    @Test("redirection syntax errors", arguments: [
        ("echo >", "t.kvsh:1:7: expected a file name after '>', found end of input (quote a '>' that is a key filter: kv keys b '>')"),
        ("> f echo", "t.kvsh:1:1: expected a command before '>': a redirection follows the command it applies to (kv get b k > out.txt)"),
        ("echo x < ;", "t.kvsh:1:10: expected a file name after '<', found ';'"),
        ("{ a } < f", "t.kvsh:1:7: '<' gives one command its value: put it after that command (kv put b k < file)"),
    ])
    func syntaxErrors(source: String, message: String) {
        #expect(Parser.syntaxError(in: source, file: "t.kvsh")?.description == message)
    }
}
