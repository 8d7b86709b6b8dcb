#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import Shell

/// Text that would be code in a system shell stays data through the script features: function
/// arguments and return values, caught failure messages, `quiet`, redirection targets and the
/// input of `< FILE`.
@Suite("Hostile text stays data")
struct HostileTextTests {
    static let samples = ["; rm -rf ~", "$(id)", "`id`", "> /tmp/x", "{ echo pwned }", "$HOME $1 ${x}", "a\nb",
                          "nul\u{0}byte", "\"quoted\" 'single'", "%s%n%d", "2>&1", "--help"]

    @Test("through a function's parameters, $@, return and a caught failure", arguments: samples)
    func functions(_ text: String) async {
        let r = await runScript("""
            fn relay value @rest { echo "[$value]"; echo "[$@]"; return $value }
            let back = relay $1 $1
            echo "<$back>"
            try { fail $1 } catch e { echo "{$e.message}" }
            quiet echo $1
            """, arguments: [text])
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        #expect(r.out == "[\(text)]\n[\(text) \(text)]\n<\(text)>\n{\(text)}\n", "\(r)")
    }

    @Test("as a redirection target and as the bytes read with <", arguments: samples.filter { !$0.contains("\u{0}") })
    func files(_ text: String) async throws {
        let dir = try TemporaryDirectory()
        let name = text.replacingOccurrences(of: "/", with: "_")
        let r = await runScript("""
            echo $1 > "$2/$3"
            record-input < "$2/$3"
            """, arguments: [text, dir.path, name])
        #expect(r.status == 0 && r.err.isEmpty, "\(r)")
        #expect(r.out == "[\(text)\n]\n", "\(r)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [name])
    }

    @Test("a file name holding NUL is refused, since the system would cut it short; nothing is written")
    func nulInFileName() async throws {
        let dir = try TemporaryDirectory()
        let r = await runScript("echo x > \"$1/cut\\0here\"", arguments: [dir.path])
        #expect(r.status == 1 && r.out.isEmpty, "\(r)")
        #expect(r.err == "test.kvsh:1:10: the file name after '>' holds a NUL character (\"$1/cut\\0here\"): "
                + "no file can have that name\n", "\(r)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test("control characters of a file name are escaped in messages, never sent to the terminal raw")
    func controlsInMessages() async {
        let r = await runScript(#"echo x > "/nonexistent-dir/$1" || echo "$error""#, arguments: ["\u{1b}[2J\nx"])
        #expect(r.out == "cannot open '/nonexistent-dir/\\u{1b}[2J\\u{a}x': No such file or directory\n", "\(r)")
    }
}
