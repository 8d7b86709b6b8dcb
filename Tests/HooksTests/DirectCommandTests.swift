#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import Hooks
import Testing
import TestSupport

@Suite("Plain-word hook commands start without /bin/sh", .offCooperativePool)
struct DirectCommandTests {
    static let path = "/usr/bin:/bin"

    @Test("plain words naming a program on PATH", arguments: [
        ("true", ["true"]),
        ("  env   KVSH_X=1\tprintenv KVSH_KEY ", ["env", "KVSH_X=1", "printenv", "KVSH_KEY"]),
        ("printf %s,%s a:b c@d+e", ["printf", "%s,%s", "a:b", "c@d+e"]),
    ] as [(String, [String])])
    func direct(_ text: String, _ words: [String]) throws {
        let found = try #require(DirectCommand.resolve(text, path: Self.path))
        #expect(found.program == "/usr/bin/\(words[0])" || found.program == "/bin/\(words[0])")
        #expect(found.arguments == Array(words.dropFirst()))
    }

    @Test("anything a shell would interpret, or no program on PATH, goes to /bin/sh", arguments: [
        "", "   ", "echo $HOME", "true; false", "true && false", "true > out", "echo 'a b'", "echo \"x\"",
        "ls *", "echo ~", "echo a\\ b", "cd tmp", "exit 3", "X=1 env", "-x", "/bin/true", "bin/true",
        "no-such-program-kvsh-test", "true\nfalse", "echo `id`", "(true)", "echo {a,b}", "wait",
    ])
    func needsShell(_ text: String) {
        #expect(DirectCommand.resolve(text, path: Self.path) == nil, "\(text)")
    }

    @Test("only absolute PATH directories count, as for swift-subprocess")
    func relativePath() {
        #expect(DirectCommand.resolve("true", path: nil) == nil)
        #expect(DirectCommand.resolve("true", path: "bin:.:usr/bin") == nil)
        #expect(DirectCommand.resolve("true", path: ":/nonexistent-dir:/bin")?.program == "/bin/true")
    }

    @Test("a direct run gets the event in its environment and its output prefixed")
    func directRunSeesTheEvent() async {
        let out = RecordingOutput()
        let outcome = await ChildProcess.run("printenv KVSH_KEY", environment: ["KVSH_KEY": "orders.1"], stdin: [],
                                             timeout: .seconds(30), lines: HookLines(hook: 2, output: out))
        #expect(outcome == .exited(0))
        #expect(out.out == "[hook 2] orders.1\n")
    }

    @Test("a direct run's exit status is the program's")
    func directRunStatus() async {
        let outcome = await ChildProcess.run("false", environment: [:], stdin: [], timeout: .seconds(30),
                                             lines: HookLines(hook: 1, output: RecordingOutput()))
        #expect(outcome == .exited(1))
    }
}
