import Testing
import TestSupport
@testable import Shell

/// Random and mutated scripts: every parse must end in a tree or a positioned `ShellError`,
/// never a crash or a hang. Seeded, so a failure reproduces; bounded, so it stays fast.
@Suite("Parser fuzzing", .offCooperativePool)
struct ParserFuzzTests {
    static let seeds = [
        "kv put my-kv Key1 Value1",
        "if kv create my-sem lock1 me { echo won } else { echo lost }",
        "let e = kv get cfg k; kv update cfg k new $e.revision || echo conflict",
        "for x in $list a 'b c' \"d $e.value\" { echo ${x} }\n",
        "while ! kv create my-sem l me {\n  sleep 1s\n}\n",
        "if a { b } elif c && ! d { e } else { f }  # comment\n",
        "set n 0; while test $n < 3 { let n = calc $n + 1 }",
        "echo 'it\\'s' \"tab\\t$1 $# $? $@\" a\\ b $env.HOME\n{ nested; { deeper } }",
        "source lib.kvsh a b && exit 3 || help kv",
    ]

    static let fragments = [
        " ", " ", " ", "\n", "\n", ";", "{", "}", "{ ", " }", "&&", "||", "!", "! ", "&", "|", "#", "# c\n",
        "'", "\"", "\\", "\\\n", "$", "${", "$(", "}", "$e", "$e.value", "${e.revision}", "$1", "$#", "$?", "$@",
        "$env.HOME", "if", "if ", "elif ", "else ", "while ", "for ", "x ", "in ", "let ", "= ", "=", "kv ", "put ",
        "echo ", "word", "'quoted'", "\"dq $x\"", "\\n", "\\q", "\t", "\r\n", "é", "🙂", "\u{0}", "\u{7F}", ".", "0",
    ]

    @Test("random token soup")
    func randomSoup() {
        var rng = SplitMix64(seed: 0x6B76_7368)
        for _ in 0..<2000 {
            var source = ""
            for _ in 0..<Int.random(in: 0...40, using: &rng) {
                source += Self.fragments.randomElement(using: &rng)!
            }
            check(source)
        }
    }

    @Test("mutated valid scripts")
    func mutations() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            check(Self.mutate(Self.seeds.randomElement(using: &rng)!, using: &rng))
        }
    }

    @Test("random Unicode scalars")
    func randomScalars() {
        var rng = SplitMix64(seed: 7)
        let alphabet = Array(" \n\t;{}&|!#'\"\\$=.abc019_-()".unicodeScalars)
        for _ in 0..<1000 {
            var source = ""
            for _ in 0..<Int.random(in: 0...60, using: &rng) {
                source.unicodeScalars.append(alphabet.randomElement(using: &rng)!)
            }
            check(source)
        }
    }

    @Test("every prefix of the seeds parses, is incomplete, or has a positioned error")
    func prefixes() {
        for seed in Self.seeds {
            let scalars = Array(seed.unicodeScalars)
            for end in 0...scalars.count {
                var prefix = ""
                prefix.unicodeScalars.append(contentsOf: scalars[..<end])
                check(prefix)
            }
        }
    }

    @Test("parsed mutants run without crashing, and cancellation stops them")
    func runMutants() async {
        var rng = SplitMix64(seed: 99)
        var ran = 0
        while ran < 150 {
            let source = Self.mutate(Self.seeds.randomElement(using: &rng)!, using: &rng)
            guard !source.contains("source"), Parser.syntaxError(in: source, file: "f") == nil else { continue }
            ran += 1
            let session = ShellSession(host: FakeHost(buckets: ["my-kv", "my-sem", "cfg"]), output: RecordingOutput(),
                                       environment: ["HOME": "/h"])
            let task = Task { await session.run(source: source, file: "f.kvsh", arguments: ["a"]) }
            let watchdog = Task {
                try await Task.sleep(for: .milliseconds(50))
                task.cancel()
            }
            _ = await task.value
            watchdog.cancel()
        }
        #expect(ran == 150)
    }

    @Test("hostile sizes: long chains and long scripts are lists, not deep trees")
    func hostileSizes() async {
        let chain = String(repeating: "true && ", count: 100_000) + "false || echo end"
        let r = await runScript(chain)
        #expect(r.outLines == ["end"])
        let long = String(repeating: "echo x; ", count: 20_000)
        #expect(await runScript(long).outLines.count == 20_000)
        let deep = String(repeating: "{ ", count: 100_000)
        #expect(Parser.syntaxError(in: deep, file: "f")?.message == "blocks and '!' are nested more than 100 deep")
    }

    private func check(_ source: String) {
        let lineCount = source.reduce(1) { $0 + ($1 == "\n" || $1 == "\r\n" ? 1 : 0) }
        guard let error = Parser.syntaxError(in: source, file: "f.kvsh") else { return }
        #expect(!error.message.isEmpty)
        #expect(error.position.file == "f.kvsh")
        #expect(error.position.line >= 1 && error.position.line <= lineCount, "\(source.debugDescription): \(error)")
        #expect(error.position.column >= 1, "\(source.debugDescription): \(error)")
        #expect(Parser.isIncomplete(source) == error.isIncomplete)
    }

    static func mutate(_ seed: String, using rng: inout SplitMix64) -> String {
        var scalars = Array(seed.unicodeScalars)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let i = scalars.isEmpty ? 0 : Int.random(in: 0..<scalars.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where !scalars.isEmpty:
                scalars.removeSubrange(i..<min(scalars.count, i + Int.random(in: 1...5, using: &rng)))
            case 1:
                scalars.insert(contentsOf: fragments.randomElement(using: &rng)!.unicodeScalars, at: i)
            case 2 where !scalars.isEmpty:
                let end = min(scalars.count, i + Int.random(in: 1...10, using: &rng))
                scalars.insert(contentsOf: Array(scalars[i..<end]), at: Int.random(in: 0...scalars.count, using: &rng))
            case 3 where !scalars.isEmpty:
                scalars.removeSubrange(Int.random(in: 0...scalars.count, using: &rng)...)
                if scalars.isEmpty { break }
            default:
                if !scalars.isEmpty {
                    let j = Int.random(in: 0..<scalars.count, using: &rng)
                    scalars.swapAt(i, j)
                }
            }
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return text
    }
}
