import ArgumentParser
import Testing
import TestSupport
@testable import KvshCLI

/// QuickParse must be a faster route to exactly ArgumentParser's result: for every line it
/// accepts, ArgumentParser accepts it too and makes the same command, field by field.
@Suite("QuickParse")
struct QuickParseTests {
    /// Every field of a parsed command, wrappers included: a field QuickParse forgot to set
    /// shows as an unparsed definition and differs.
    private func fields(_ command: any ParsableCommand) -> String {
        var text = ""
        dump(command, to: &text)
        return text
    }

    private func expectSame(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let quick = QuickParse.command(args) else { return }
        do {
            let full = try KvshRoot.parseAsRoot(args)
            #expect(type(of: full) == type(of: quick), "\(args)", sourceLocation: sourceLocation)
            #expect(fields(full) == fields(quick), "\(args)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("QuickParse accepted \(args), ArgumentParser rejects it: \(error)",
                         sourceLocation: sourceLocation)
        }
    }

    static let common: [[String]] = [
        ["kv", "get", "b", "k"],
        ["kv", "get", "b", "k", "--raw"],
        ["kv", "get", "b", "k", "--revision", "3", "--json", "-s", "nats://127.0.0.1:1"],
        ["kv", "get", "--raw", "b", "k", "--timeout", "2s", "--user", "u", "--password", "p"],
        ["kv", "put", "b", "k", "v"],
        ["kv", "put", "b", "k"],
        ["kv", "put", "b", "k", "", "--server", "nats://h:1", "--token", "t"],
        ["kv", "get", "b", "k", "--store", "/tmp/s.db"],
        ["kv", "create", "b", "k", "v", "--tlsca", "ca", "--tlscert", "c", "--tlskey", "k"],
        ["kv", "update", "b", "k", "v", "4"],
        ["kv", "update", "b", "k", "4"],
        ["kv", "del", "b", "k", "--revision", "2", "-f"],
        ["kv", "del", "b"],
        ["kv", "del", "b", "k1", "k2", "k3"],
        ["kv", "del", "b", "--filter", "tmp.>", "-f"],
        ["kv", "get", "b", "k", "--default", "d", "--raw"],
        ["kv", "rm", "b", "k", "--force"],
        ["kv", "delete", "b", "k"],
        ["kv", "purge", "b", "k", "--revision", "9"],
        ["kv", "put", "b", "k", "--", "--looks-like-an-option"],
        ["kv", "put", "--", "b", "k", "-1"],
    ]

    @Test("takes the everyday lines and agrees with ArgumentParser", arguments: common)
    func agreesOnCommonLines(_ args: [String]) {
        #expect(QuickParse.command(args) != nil, "QuickParse should take \(args)")
        expectSame(args)
    }

    static let leftToArgumentParser: [[String]] = [
        ["kv", "get", "b"],                          // missing operand
        ["kv", "get", "b", "k", "extra"],            // extra operand
        ["kv", "get", "b", "k", "--help"],
        ["kv", "get", "b", "k", "--revision=3"],     // `=` form
        ["kv", "get", "b", "k", "--revision"],       // option without its value
        ["kv", "get", "b", "k", "--raw", "--raw"],   // given twice
        ["kv", "put", "b", "k", "-5"],               // a value that looks like an option
        ["kv", "put", "b", "k", "v", "--revision", "1"],  // not put's option
        ["kv", "get", "b", "k", "-s", "a", "--server", "b"],
        ["kv", "del", "b", "k", "-f", "--force"],
        ["kv", "del", "b", "--filter", "a.*", "--filter", "b.*"],  // a repeated option
        ["kv", "watch", "b"],
        ["kv", "ls"],
        ["account", "info"],
        ["kv"],
        ["kv", "get", "b", "k", "--norc"],
    ]

    @Test("leaves anything unusual to ArgumentParser", arguments: leftToArgumentParser)
    func leavesUnusualLines(_ args: [String]) {
        #expect(QuickParse.command(args) == nil, "\(args)")
    }

    @Test("agrees with ArgumentParser on 5,000 generated lines")
    func agreesOnGeneratedLines() {
        let commands = ["get", "put", "create", "update", "del", "delete", "rm", "purge", "keys"]
        let words = ["b", "k", "v", "3", "", "-", "--", "-x", "--raw", "--json", "-f", "--force",
                     "--revision", "--timeout", "1s", "-s", "--server", "nats://127.0.0.1:9",
                     "--user", "--password", "--token", "--revision=2", "-h", "a.b", "--tlsca", "--store",
                     "--filter", "--default"]
        var random = SplitMix64(seed: 0x51C7)
        var accepted = 0
        for _ in 0..<5_000 {
            var args = ["kv", commands[random.below(commands.count)]]
            for _ in 0..<random.below(7) { args.append(words[random.below(words.count)]) }
            if QuickParse.command(args) != nil { accepted += 1 }
            expectSame(args)
        }
        // The generator must reach the fast path often enough for the comparison to mean something.
        #expect(accepted > 150, "only \(accepted) generated lines took the fast path")
    }
}
