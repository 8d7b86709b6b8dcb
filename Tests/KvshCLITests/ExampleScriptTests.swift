import Foundation
import Testing
import TestSupport

/// The scripts in examples/ run unchanged on both stores — a real nats-server and the embedded
/// SQLite store — and print what their `# expect:` comments say (the golden format of
/// GoldenScriptTests; `{tmp}` in `# args:` is a fresh temporary directory).
@Suite("examples/ on both stores", .offCooperativePool)
struct ExampleScriptTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples").path

    /// walkthrough.kvsh prints the account information, which differs between stores: it has a
    /// test of its own in GoldenScriptTests.
    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { $0.hasSuffix(".kvsh") && $0 != "walkthrough.kvsh" }.sorted()

    enum Store: String, CaseIterable, CustomStringConvertible {
        case server, embedded
        var description: String { rawValue }
    }

    static let server: (process: NATSServerProcess?, error: String?) = {
        do {
            return (try NATSServerProcess(), nil)
        } catch {
            return (nil, "\(error)")
        }
    }()

    @Test("the example set is there")
    func examplesAreThere() {
        #expect(Set(Self.files).isSuperset(of: ["rollout.kvsh", "locked-section.kvsh", "report.kvsh", "cleanup.kvsh",
                                                  "config-hook.kvsh"]), "\(Self.files)")
    }

    @Test("example", .serialized, arguments: files, Store.allCases)
    func example(_ name: String, _ store: Store) throws {
        let path = Self.directory + "/" + name
        let script = try GoldenScript(name: name, source: String(contentsOfFile: path, encoding: .utf8))
        let scratch = try makeTempDir(prefix: "kvsh-example-")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let options: [String]
        switch store {
        case .server: options = ["-s", try #require(Self.server.process, "\(Self.server.error ?? "")").url]
        case .embedded: options = ["--store", scratch + "/store.db"]
        }
        let arguments = script.arguments.map { $0.replacingOccurrences(of: "{tmp}", with: scratch) }
        let r = try Kvsh(url: nil).run(options + [path] + arguments, useEnvironmentURL: false, timeout: 60)
        #expect(r.lines.count == script.stdout.count && zip(script.stdout, r.lines).allSatisfy { $0.matches($1) },
                "\(name) on \(store): stdout\n\(r)\nexpected:\n\(script.stdout.map(\.description).joined(separator: "\n"))")
        #expect(r.stderr.isEmpty && r.status == script.status, "\(name) on \(store)\n\(r)")
    }
}
