// Golden scripts (Tests/Golden/*.kvsh, in the style of Crafting Interpreters' test corpus) run
// through the built `kvsh` binary (`kvsh -s URL FILE.kvsh`) against one real nats-server.
//
// Each script carries its expectations in comments:
//
//   # expect: LINE          the next line of stdout, exactly
//   # expect-re: REGEX      the next line of stdout matches REGEX (the whole line)
//   # expect-stderr: LINE   the next line of stderr, exactly (none: stderr must be empty);
//                           the corpus directory is cut from paths, so messages read
//                           `name.kvsh:3:1: …`
//   # expect-status: N      the exit status (default 0)
//   # args: WORD…           the script's arguments, separated by single spaces; `{tmp}` is a
//                           fresh directory, removed afterwards
//   # options: WORD…        kvsh's options instead of `-s URL` (`{url}` is the server's URL)
//   # after: TEXT           afterwards, `kvsh -s URL -c TEXT` must exit 0 and print exactly
//   # after-expect: LINE    these lines (to show what a failed script did not do)
//   # absent-file: PATH     PATH must not exist after the script (it is removed before)
//
// Scripts run concurrently against the same server, so each uses bucket names of its own.
// Files in subdirectories (Tests/Golden/lib) are helpers that scripts `source`.

import Foundation
import Testing
import TestSupport

/// A golden script and its expectations.
struct GoldenScript: CustomStringConvertible {
    enum LineExpectation: CustomStringConvertible {
        case exact(String)
        case pattern(String)

        func matches(_ line: String) -> Bool {
            switch self {
            case .exact(let text): line == text
            case .pattern(let regex): matchLine(regex, line) != nil
            }
        }

        var description: String {
            switch self {
            case .exact(let text): text
            case .pattern(let regex): "/\(regex)/"
            }
        }
    }

    let name: String
    var stdout: [LineExpectation] = []
    var stderr: [String] = []
    var status: Int32 = 0
    var arguments: [String] = []
    var options: [String]?
    var after: String?
    var afterExpect: [String] = []
    var absentFiles: [String] = []

    var description: String { name }

    init(name: String, source: String) throws {
        self.name = name
        let directives = ["expect", "expect-re", "expect-stderr", "expect-status", "args", "options", "after",
                          "after-expect", "absent-file"]
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            // The first `# DIRECTIVE:` in the line (a `$# ` before it is not one).
            guard let comment = line.ranges(of: "# ").lazy.map({ line[$0.upperBound...] }).first(where: { rest in
                directives.contains { rest == $0 + ":" || rest.hasPrefix($0 + ": ") }
            }) else { continue }
            func value(_ directive: String) -> String? {
                if comment == directive + ":" { return "" }
                return comment.hasPrefix(directive + ": ") ? String(comment.dropFirst(directive.count + 2)) : nil
            }
            if let text = value("expect") {
                stdout.append(.exact(text))
            } else if let text = value("expect-re") {
                stdout.append(.pattern(text))
            } else if let text = value("expect-stderr") {
                stderr.append(text)
            } else if let text = value("expect-status") {
                guard let n = Int32(text) else { throw TestSupportError("\(name): bad expect-status \(text)") }
                status = n
            } else if let text = value("args") {
                arguments = text.split(separator: " ").map(String.init)
            } else if let text = value("options") {
                options = text.split(separator: " ").map(String.init)
            } else if let text = value("after") {
                after = text
            } else if let text = value("after-expect") {
                afterExpect.append(text)
            } else if let text = value("absent-file") {
                absentFiles.append(text)
            }
        }
    }
}

@Suite("Golden scripts through the kvsh binary", .offCooperativePool)
struct GoldenScriptTests {
    /// Tests/Golden, found from this file's path (the corpus is not a target resource).
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Golden").path

    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { $0.hasSuffix(".kvsh") }.sorted()

    /// One server for the whole corpus (stopped at exit by TestSupport's safety net).
    static let server: (process: NATSServerProcess?, error: String?) = {
        do {
            return (try NATSServerProcess(), nil)
        } catch {
            return (nil, "\(error)")
        }
    }()

    @Test("the corpus is where the runner looks")
    func corpusIsThere() {
        #expect(Self.files.count >= 20, "found \(Self.files) in \(Self.directory)")
    }

    // One script at a time: each starts several kvsh processes, and a 2-core machine running
    // the other suites too is busy enough.
    @Test("golden script", .serialized, arguments: files)
    func golden(_ name: String) throws {
        let server = try #require(Self.server.process, "\(Self.server.error ?? "")")
        let path = Self.directory + "/" + name
        let script = try GoldenScript(name: name, source: String(contentsOfFile: path, encoding: .utf8))
        for file in script.absentFiles { try? FileManager.default.removeItem(atPath: file) }

        let kvsh = Kvsh(url: nil)
        let options = script.options?.map { $0.replacingOccurrences(of: "{url}", with: server.url) }
            ?? ["-s", server.url]
        let scratch = try makeTempDir(prefix: "kvsh-golden-")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let arguments = script.arguments.map { $0.replacingOccurrences(of: "{tmp}", with: scratch) }
        let r = try kvsh.run(options + [path] + arguments, useEnvironmentURL: false, timeout: 60)

        let stdout = r.lines
        for (index, expected) in script.stdout.enumerated() {
            guard index < stdout.count else {
                Issue.record("\(name): missing stdout line \(index + 1): \(expected)\n\(r)")
                break
            }
            #expect(expected.matches(stdout[index]), "\(name): stdout line \(index + 1) is \(Shown(stdout[index])), expected \(expected)\n\(r)")
        }
        #expect(stdout.count <= script.stdout.count,
                "\(name): unexpected stdout lines \(stdout.dropFirst(script.stdout.count))\n\(r)")

        var stderr = r.stderr.replacingOccurrences(of: Self.directory + "/", with: "")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if stderr.last == "" { stderr.removeLast() }
        #expect(stderr == script.stderr, "\(name): stderr\n\(r)")
        #expect(r.status == script.status, "\(name): status\n\(r)")

        if let after = script.after {
            let check = try kvsh.run(["-s", server.url, "-c", after], useEnvironmentURL: false)
            #expect(check.status == 0 && check.lines == script.afterExpect, "\(name): after\n\(check)")
        }
        for file in script.absentFiles {
            #expect(!FileManager.default.fileExists(atPath: file), "\(name): \(file) exists")
        }
    }

    @Test("examples/walkthrough.kvsh runs green against a fresh server, and cleans up")
    func walkthroughExample() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let example = URL(fileURLWithPath: Self.directory).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/walkthrough.kvsh").path
        let kvsh = Kvsh(server)
        let r = try kvsh.run(["-s", server.url, example])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        #expect(r.stdout.hasPrefix("Account Information for \(server.url)\n"), "\(r)")
        for line in ["Value1", "Semaphore1 is already held: nats: wrong last sequence: 1: key exists",
                     "revision 1 is stale (nats: wrong last sequence: 2); reading again",
                     "Semaphore1 = Value2 at revision 3"] {
            #expect(r.lines.contains(line), "missing \(line): \(r)")
        }
        #expect(r.lines.contains { matchLine(#"my-kv > Key1 revision: 1 created @ "# + timePattern, $0) != nil }, "\(r)")
        #expect(try kvsh.bucketNames().isEmpty)
    }
}

/// A line as a Swift literal, so invisible differences show in a failure.
private struct Shown: CustomStringConvertible {
    let text: String
    init(_ text: String) { self.text = text }
    var description: String { text.debugDescription }
}
