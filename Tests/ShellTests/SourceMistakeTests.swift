import Testing
@testable import Shell

/// Mistakes in a sourced file stop everything, even when `source` is a condition; command
/// failures inside it are the `source` command's failure, which a condition tests.
@Suite("Mistakes in sourced files")
struct SourceMistakeTests {
    static let cases: [(library: String, caller: String, status: Int32, out: String, err: String)] = [
        ("echo $nope\n", "if source LIB { echo ok } else { echo caught }\necho after\n", 1, "",
         "LIB:1:6: variable 'nope' is not set: set it with 'set nope VALUE' or 'let nope = COMMAND'\n"),
        ("if {\n", "source LIB || echo caught\necho after\n", 2, "",
         "LIB:2:1: expected '}' to close the block opened at 1:4, found end of input\n"),
        ("fail broken\n", "source LIB || echo caught\necho after\n", 0, "caught\nafter\n", ""),
    ]

    @Test("caught or not", arguments: cases.indices)
    func mistakes(_ index: Int) async throws {
        let c = Self.cases[index]
        let dir = try TemporaryDirectory()
        let library = try dir.write("lib.kvsh", c.library)
        let main = try dir.write("main.kvsh", c.caller.replacing("LIB", with: library))
        let output = RecordingOutput()
        let session = ShellSession(host: FakeHost(), output: output, environment: [:])
        let status = await session.runFile(atPath: main)
        let err = output.err.replacing(library, with: "LIB")
        #expect(status == c.status, "\(err)")
        #expect(output.out == c.out)
        #expect(err == c.err)
    }
}
