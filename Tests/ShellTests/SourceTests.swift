#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import Shell

@Suite("source")
struct SourceTests {
    @Test("source runs a file next to the script, with its own arguments, sharing variables")
    func arguments() async throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write("lib.kvsh", "echo in lib: $0 $# $1 $2\nset fromLib yes\n")
        let main = try dir.write("main.kvsh", "set x 1\nsource lib.kvsh a 'b c'\necho back: $# $1 $fromLib\n")
        let output = RecordingOutput()
        let session = ShellSession(host: FakeHost(), output: output, environment: [:])
        let status = await session.runFile(atPath: main, arguments: ["top"])
        #expect(status == 0, "\(output.err)")
        #expect(output.out == "in lib: \(dir.path)/lib.kvsh 2 a b c\nback: 1 top yes\n")
    }

    @Test("without arguments the sourced file sees the caller's")
    func inheritedArguments() async throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write("lib.kvsh", "echo $# $1\n")
        let main = try dir.write("main.kvsh", "source lib.kvsh\n")
        let output = RecordingOutput()
        let session = ShellSession(host: FakeHost(), output: output, environment: [:])
        #expect(await session.runFile(atPath: main, arguments: ["x", "y"]) == 0)
        #expect(output.out == "2 x\n")
    }

    @Test("a failure inside a sourced file names that file, line and column")
    func errorPositions() async throws {
        let dir = try TemporaryDirectory()
        let sub = dir.path + "/sub"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        _ = try dir.write("sub/inner.kvsh", "echo inner\n\n   fail broken in inner\necho never\n")
        _ = try dir.write("sub/lib.kvsh", "source inner.kvsh\necho never\n")
        let main = try dir.write("main.kvsh", "echo start\nsource sub/lib.kvsh\necho never\n")
        let output = RecordingOutput()
        let session = ShellSession(host: FakeHost(), output: output, environment: [:])
        #expect(await session.runFile(atPath: main) == 1)
        #expect(output.out == "start\ninner\n")
        #expect(output.err == "\(dir.path)/sub/inner.kvsh:3:4: broken in inner\n")
    }

    @Test("a tested source failure does not stop the caller and lands in $error")
    func testedSource() async throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write("bad.kvsh", "fail nope\n")
        let main = try dir.write("main.kvsh", "source bad.kvsh || echo \"caught: $error\"\n")
        let output = RecordingOutput()
        let session = ShellSession(host: FakeHost(), output: output, environment: [:])
        #expect(await session.runFile(atPath: main) == 0)
        #expect(output.out == "caught: \(dir.path)/bad.kvsh:1:1: nope\n")
    }

    @Test("a syntax error in a sourced file runs none of it")
    func syntaxError() async throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write("bad.kvsh", "echo ran\nif x {\n")
        let main = try dir.write("main.kvsh", "source bad.kvsh\n")
        let output = RecordingOutput()
        let session = ShellSession(host: FakeHost(), output: output, environment: [:])
        #expect(await session.runFile(atPath: main) == ShellSession.syntaxErrorStatus)
        #expect(output.out == "")
        #expect(output.err == "\(dir.path)/bad.kvsh:3:1: expected '}' to close the block opened at 2:6, found end of input\n")
    }

    @Test("a file that sources itself stops at the nesting limit")
    func recursion() async throws {
        let dir = try TemporaryDirectory()
        let loop = try dir.write("loop.kvsh", "source loop.kvsh\n")
        let output = RecordingOutput()
        let session = ShellSession(host: FakeHost(), output: output, environment: [:])
        #expect(await session.runFile(atPath: loop) == 1)
        #expect(output.err == "\(loop):1:1: source: files nested more than 32 deep (does 'loop.kvsh' source itself?)\n")
    }

    @Test("exit in a sourced file ends everything")
    func exitFromSourced() async throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write("quit.kvsh", "exit 7\n")
        let main = try dir.write("main.kvsh", "source quit.kvsh\necho never\n")
        let output = RecordingOutput()
        let session = ShellSession(host: FakeHost(), output: output, environment: [:])
        #expect(await session.runFile(atPath: main) == 7)
        #expect(output.out == "")
    }

    @Test("a UTF-8 byte order mark at the start of a file is not part of the first word")
    func byteOrderMark() async throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("bom.kvsh", "\u{FEFF}echo hi\n")
        let output = RecordingOutput()
        let session = ShellSession(host: FakeHost(), output: output, environment: [:])
        #expect(await session.runFile(atPath: path) == 0)
        #expect(output.out == "hi\n")
    }

    @Test("missing files and missing names are errors")
    func missing() async {
        let r = await runScript("source /nonexistent/x.kvsh")
        #expect(r.err == "test.kvsh:1:1: source: cannot read '/nonexistent/x.kvsh': no such file\n")
        let r2 = await runScript("source")
        #expect(r2.err == "test.kvsh:1:1: source: expected a file name (usage: source FILE [ARG…])\n")
    }

    @Test("relative paths resolve against the running script's directory")
    func resolution() {
        #expect(ScriptFile.resolve("lib.kvsh", relativeTo: "scripts/main.kvsh") == "scripts/lib.kvsh")
        #expect(ScriptFile.resolve("lib.kvsh", relativeTo: "main.kvsh") == "lib.kvsh")
        #expect(ScriptFile.resolve("/abs/lib.kvsh", relativeTo: "scripts/main.kvsh") == "/abs/lib.kvsh")
        #expect(ScriptFile.resolve("lib.kvsh", relativeTo: nil) == "lib.kvsh")
        #expect(ScriptFile.resolve("../lib.kvsh", relativeTo: "/a/b/main.kvsh") == "/a/b/../lib.kvsh")
    }

    @Test("at the prompt, an error in a sourced file shows its position")
    func interactiveSource() async throws {
        let dir = try TemporaryDirectory()
        let bad = try dir.write("bad.kvsh", "echo ok\nfail oops\n")
        let output = RecordingOutput()
        let session = ShellSession(host: FakeHost(), output: output, environment: [:])
        #expect(await session.runInteractive(line: "source '\(bad)'") == .finished(status: 1))
        #expect(output.err == "nats: error: \(bad):2:1: oops\n")
    }
}
