// `< FILE` input as ShellHost receives it (CommandContext.input): the value of put, create and
// update, refused by every other command. Run on the embedded store, so no server is needed.

import Foundation
import Shell
import Testing
import TestSupport
@testable import KvshCLI

@Suite("ShellHost: '< FILE' input gives the value of put, create and update")
struct ShellHostInputTests {
    /// Runs `body` with a host on a fresh embedded store file holding bucket `b`; closes the host.
    private static func withHost(_ body: (ShellHost) async throws -> Void) async throws {
        let dir = try makeTempDir(prefix: "kvsh-input-")
        let host = try ShellHost(options: GlobalOptions.parse(["--store", dir + "/s.db"]))
        do {
            _ = try await host.run(["kv", "add", "b"], context: context(nil, captured: true))
            try await body(host)
        } catch {
            await host.close()
            throw error
        }
        await host.close()
    }

    private static func context(_ input: [UInt8]?, captured: Bool = false,
                                output: CollectedOutput = CollectedOutput()) -> CommandContext {
        CommandContext(output: output, isCaptured: captured, position: SourcePosition(file: "t.kvsh", line: 1, column: 1),
                       input: input)
    }

    /// The `CommandError` `words` fail with when given `input`.
    private static func failure(_ host: ShellHost, _ words: [String], input: [UInt8]? = Array("x".utf8))
        async -> CommandError? {
        do {
            _ = try await host.run(words, context: context(input, captured: true))
            return nil
        } catch {
            return error as? CommandError
        }
    }

    @Test("put, create and update store the input's bytes as the value; the result is the entry written")
    func writesTakeInput() async throws {
        try await Self.withHost { host in
            let bytes: [UInt8] = Array("line one\nline two\n".utf8) + [0xFF, 0x00]
            let put = try await host.run(["kv", "put", "b", "k"], context: Self.context(bytes, captured: true))
            guard case .entry(let written) = put.value else { Issue.record("\(put)"); return }
            #expect(written.value == bytes && written.revision == 1)
            let created = try await host.run(["kv", "create", "b", "c"], context: Self.context(Array("new".utf8), captured: true))
            guard case .entry(let c) = created.value else { Issue.record("\(created)"); return }
            #expect(c.value == Array("new".utf8))
            let updated = try await host.run(["kv", "update", "b", "k", "1"], context: Self.context(Array("v2".utf8), captured: true))
            guard case .entry(let u) = updated.value else { Issue.record("\(updated)"); return }
            #expect(u.value == Array("v2".utf8) && u.revision == 3)

            let got = try await host.run(["kv", "get", "b", "k"], context: Self.context(nil, captured: true))
            guard case .entry(let g) = got.value else { Issue.record("\(got)"); return }
            #expect(g.value == Array("v2".utf8))

            // Printed as a put prints its value.
            let output = CollectedOutput()
            _ = try await host.run(["kv", "put", "b", "p"], context: Self.context(Array("shown".utf8), output: output))
            #expect(output.out == "shown\n" && output.err == "")
        }
    }

    @Test("a value argument and input: usage error, nothing written")
    func argumentAndInput() async throws {
        try await Self.withHost { host in
            for words in [["kv", "put", "b", "k", "v"], ["kv", "create", "b", "k", "v"], ["kv", "update", "b", "k", "v", "1"]] {
                let error = await Self.failure(host, words)
                #expect(error == CommandError("give the value either as an argument or with '< FILE', not both", status: 64),
                        "\(words)")
            }
            let keys = try await host.run(["kv", "keys", "b"], context: Self.context(nil, captured: true))
            #expect(keys.value == .list([]))
        }
    }

    @Test("every other command refuses input with a usage error and runs nothing", arguments: [
        (["kv", "get", "b", "k"], "kv get"),
        (["kv", "del", "b", "k"], "kv del"),
        (["kv", "rm", "b", "k"], "kv del"),
        (["kv", "keys", "b"], "kv keys"),
        (["kv", "watch", "b"], "kv watch"),
        (["kv", "add", "b2"], "kv add"),
        (["kv", "status", "b"], "kv status"),
        (["account", "info"], "account info"),
        (["on", "put", "b", "run", "true"], "on"),
        (["hooks"], "hooks"),
        (["off", "1"], "off"),
        (["wait"], "wait"),
        (["lock", "b", "n"], "lock"),
    ])
    func othersRefuse(_ words: [String], _ name: String) async throws {
        try await Self.withHost { host in
            let error = await Self.failure(host, words)
            #expect(error == CommandError("\(name) takes no input: '< FILE' gives the value of kv put, create and update",
                                          status: 64), "\(words)")
            let buckets = try await host.run(["kv", "ls", "--names"], context: Self.context(nil, captured: true))
            #expect(buckets.value == .list([.string("b")]))
        }
    }

    @Test("without input a shell put still needs its value, and says how to give it")
    func missingValue() async throws {
        try await Self.withHost { host in
            let error = await Self.failure(host, ["kv", "put", "b", "k"], input: nil)
            #expect(error?.message.contains("give it as an argument or with '< FILE'") == true, "\(String(describing: error))")
        }
    }
}
