// The shell's side of KvshCLI in-process: how shell words are parsed (ShellHost), which
// invocations run the command language (KvshCommandLine.shellInvocation), Tab completion,
// and ShellHost against a real server (one lazy connection, captured results, kv watch ending
// on cancellation).

import Foundation
import Shell
import Synchronization
import Testing
import TestSupport
@testable import KvshCLI

/// Collects what a shell prints.
final class CollectedOutput: ShellOutput, Sendable {
    private let state = Mutex<(out: String, err: String)>(("", ""))
    func write(_ text: String) { state.withLock { $0.out += text } }
    func writeError(_ text: String) { state.withLock { $0.err += text } }
    var out: String { state.withLock { $0.out } }
    var err: String { state.withLock { $0.err } }
}

private func options(_ words: String...) throws -> GlobalOptions { try GlobalOptions.parse(words) }

/// Runs `source` as a script on a fresh shell connected to `url`; closes the host.
private func runShellScript(_ source: String, url: String) async throws -> (status: Int32, out: String, err: String) {
    let output = CollectedOutput()
    let shell = try makeShell(options: try options("-s", url, "--timeout", "2s"), output: output)
    let status = await shell.session.run(source: source, file: "t.kvsh")
    await shell.host.close()
    return (status, output.out, output.err)
}

@Suite("ShellHost: shell words parsed as the command line parses them")
struct ShellHostParseTests {
    private func parseError(_ words: [String]) -> CommandError? {
        do {
            _ = try ShellHost.parse(words)
            return nil
        } catch {
            return error as? CommandError
        }
    }

    @Test("the kv aliases are the commands' own")
    func aliases() {
        let kv = CommandTable.kvsh.command(["kv"])?.subcommands ?? []
        let aliases = Dictionary(uniqueKeysWithValues: kv.flatMap { command in command.aliases.map { ($0, command.name) } })
        #expect(aliases == ["new": "add", "info": "status", "view": "status", "list": "ls",
                            "delete": "del", "rm": "del"])
    }

    @Test("unknown commands get the one-shot suggestion, built-ins included, and the usage status 64")
    func unknownCommands() {
        #expect(parseError(["kv", "gte", "b", "k"]) == CommandError(#"unknown command "kv gte", did you mean "kv get"?"#, status: 64))
        #expect(parseError(["ehco", "hi"]) == CommandError(#"unknown command "ehco", did you mean "echo"?"#, status: 64))
        #expect(parseError(["hoks"]) == CommandError(#"unknown command "hoks", did you mean "hooks"?"#, status: 64))
        #expect(parseError(["account", "inf"]) == CommandError(#"unknown command "account inf", did you mean "account info"?"#, status: 64))
        let far = parseError(["frobnicate"])
        #expect(far?.message.hasPrefix(#"unknown command "frobnicate"; commands: kv, account, echo"#) == true, "\(String(describing: far))")
    }

    @Test("usage errors are ArgumentParser's one-line message with status 64")
    func usageErrors() {
        for (words, message) in [(["kv", "put", "b"], "Missing expected argument '<key>'"),
                                 (["kv", "get", "b", "k", "extra"], "Unexpected argument 'extra'"),
                                 (["kv", "get", "b", "k", "--bogus"], "Unknown option '--bogus'"),
                                 (["kv", "add", "b", "--history", "x"], "The value 'x' is invalid for '--history <history>'")] {
            let error = parseError(words)
            #expect(error?.status == 64, "\(words)")
            #expect(error?.message.hasPrefix(message) == true, "\(words): \(String(describing: error))")
            #expect(error?.message.contains("\n") == false, "\(words): \(String(describing: error))")
            #expect(error?.message.contains("Usage") == false, "\(words): \(String(describing: error))")
        }
    }

    @Test("connection options are rejected: the shell has one connection")
    func connectionOptions() {
        for words in [["kv", "get", "b", "k", "--server", "nats://x"], ["-s", "nats://x", "kv", "ls"],
                      ["kv", "ls", "--timeout=1s"], ["kv", "ls", "--user", "u"], ["kv", "ls", "--tlsca", "ca.pem"]] {
            let error = parseError(words)
            #expect(error?.status == 64, "\(words)")
            #expect(error?.message.contains("cannot be given to one command in the shell") == true, "\(words)")
        }
        // After `--` they are values.
        guard case .command(let command)? = try? ShellHost.parse(["kv", "put", "b", "k", "--", "--server"]) else {
            Issue.record("-- did not end the options")
            return
        }
        #expect((command as? KVPut)?.arguments.value == "--server")
    }

    @Test("--json is accepted per command; groups and --help give help")
    func jsonAndHelp() throws {
        guard case .command(let command) = try ShellHost.parse(["kv", "get", "b", "k", "--json"]) else {
            Issue.record("not a command")
            return
        }
        #expect(command.global.json)
        for (words, usage) in [(["kv"], "USAGE: kvsh kv <subcommand>"), (["kv", "put", "--help"], "USAGE: kvsh kv put"),
                               (["kv", "help", "put"], "USAGE: kvsh kv put"), (["account"], "USAGE: kvsh account")] {
            guard case .help(let text) = try ShellHost.parse(words) else {
                Issue.record("\(words) is not help")
                continue
            }
            #expect(text.contains(usage), "\(words): \(text)")
        }
    }

    @Test("help(for:) lists every store command and describes one")
    func helpTopics() throws {
        let host = try ShellHost(options: options())
        let overview = try #require(host.help(for: []))
        for command in ["add", "status", "ls", "put", "get", "create", "update", "del", "purge", "history", "keys", "watch"] {
            #expect(overview.contains("  kv \(command) "), "\(command): \(overview)")
        }
        #expect(overview.contains("  account info "))
        #expect(host.help(for: ["kv", "put"])?.contains("USAGE: kvsh kv put") == true)
        #expect(host.help(for: ["kv", "rm"])?.contains("USAGE: kvsh kv del") == true)
        #expect(host.help(for: ["account", "info"])?.contains("USAGE: kvsh account info") == true)
        #expect(host.help(for: ["kv", "nope"]) == nil)
        #expect(host.help(for: ["nope"]) == nil)
    }

    @Test("a bad --timeout or server URL fails when the shell is made, before any script runs")
    func eagerOptionChecks() {
        #expect(throws: ArgumentError.self) { try ShellHost(options: options("--timeout", "soon")) }
        #expect(throws: (any Error).self) { try ShellHost(options: options("-s", "http://[bad")) }
        #expect(throws: ArgumentError.self) { try ShellHost(options: options("--timeout", "0s")) }
    }
}

@Suite("kvsh invocations: one-shot command, script, -c, stdin or the prompt")
struct ShellInvocationTests {
    typealias Invocation = ShellInvocation

    static let cases: [(arguments: [String], terminal: Bool, files: Set<String>, expected: Invocation?)] = [
        ([], true, [], .interactive(options: [])),
        ([], false, [], .standardInput(options: [])),
        (["-s", "nats://h:1", "--json"], true, [], .interactive(options: ["-s", "nats://h:1", "--json"])),
        (["--timeout", "1s"], false, [], .standardInput(options: ["--timeout", "1s"])),
        (["kv", "ls"], false, [], nil),
        (["nats", "kv", "ls"], true, [], nil),
        (["-s", "u", "kv", "ls"], true, [], nil),
        (["account", "info"], true, [], nil),
        (["help"], true, [], nil),
        (["--help"], true, [], nil),
        (["kv"], true, ["kv"], nil),  // a command word is a command, even when a file has its name
        (["deploy.kvsh", "a", "b c"], true, [], .script(path: "deploy.kvsh", arguments: ["a", "b c"], options: [])),
        (["./deploy", "-s", "x"], true, [], .script(path: "./deploy", arguments: ["-s", "x"], options: [])),
        (["deploy"], true, ["deploy"], .script(path: "deploy", arguments: [], options: [])),
        (["deploy"], true, [], nil),  // not a file: an unknown command, reported as such
        (["-s", "u", "deploy.kvsh"], true, [], .script(path: "deploy.kvsh", arguments: [], options: ["-s", "u"])),
        (["serve", "--help"], true, [], nil),  // help, from ArgumentParser
        (["-s", "u", "serve", "-h"], false, [], nil),
        (["serve", "h.kvsh", "--help"], true, [], .serve(path: "h.kvsh", arguments: ["--help"], options: [])),
        (["-s", "u", "serve", "--metrics", "[::1]:0", "--log-format=json", "h.kvsh", "--metrics", "x"], true, [],
         .serve(path: "h.kvsh", arguments: ["--metrics", "x"], options: ["-s", "u"],
                serveOptions: ["--metrics", "[::1]:0", "--log-format=json"])),
        (["-c", "echo hi", "a"], true, [], .command(text: "echo hi", arguments: ["a"], options: [])),
        (["--json", "--server=u", "-c", "kv ls"], false, [], .command(text: "kv ls", arguments: [], options: ["--json", "--server=u"])),
    ]

    @Test("arguments → invocation", arguments: cases.indices)
    func detects(_ index: Int) throws {
        let c = Self.cases[index]
        let got = try KvshCommandLine.shellInvocation(c.arguments, stdinIsTerminal: c.terminal, isFile: { c.files.contains($0) })
        #expect(got == c.expected, "\(c.arguments)")
    }

    @Test("-c without text is a usage error")
    func commandWithoutText() {
        #expect(throws: ArgumentError.self) {
            try KvshCommandLine.shellInvocation(["-c"], stdinIsTerminal: true, isFile: { _ in false })
        }
    }
}

@Suite("Tab completion")
struct CompletionTests {
    /// A host whose server is never contacted (these lines need no store).
    static let host: ShellHost = try! ShellHost(options: GlobalOptions.parse(["-s", "nats://127.0.0.1:1"]))

    static let fixed: [(line: String, bucket: String?, expected: [String])] = [
        ("k", nil, ["kv "]),
        ("k", "b", ["keys ", "kv "]),
        ("ec", nil, ["echo "]),
        ("kv g", nil, ["get "]),
        ("kv ", nil, CompletionRequest.kvSubcommands.map { $0 + " " }),
        ("nats kv cr", nil, ["create "]),
        ("if kv cr", nil, ["create "]),
        ("let e = kv g", nil, ["get "]),
        ("echo hi; kv up", nil, ["update "]),
        ("echo hi;kv", nil, ["hi;kv "]),
        ("x && ! kv pu", nil, ["purge ", "put "]),
        ("account ", nil, ["info "]),
        ("help kv w", nil, ["watch "]),
        ("help s", nil, ["set ", "sleep ", "source ", "str "]),
        ("kv get --r", nil, ["--raw ", "--revision "]),
        ("kv watch b --no", nil, ["--no-deletes "]),
        ("kv add b --storage ", nil, ["file ", "memory "]),
        ("kv add b --storage m", nil, ["memory "]),
        ("kv get b k --revision ", nil, []),
        ("kv put b k ", nil, []),
        ("kv put b \"k", nil, []),
        ("echo $e", nil, []),
        ("frobnicate ", nil, []),
        ("put ", nil, []),
    ]

    @Test("fixed words", arguments: fixed.indices)
    func fixedWords(_ index: Int) async {
        let c = Self.fixed[index]
        let got = await completions(line: c.line, cursor: c.line.count, host: Self.host, currentBucket: c.bucket)
        #expect(got == c.expected, "\(c.line)")
    }

    @Test("the cursor counts Characters; text after it is ignored")
    func cursor() async {
        let line = "kv g my-kv Key1"
        #expect(await completions(line: line, cursor: 4, host: Self.host) == ["get "])
        #expect(await completions(line: "echo é; kv g", cursor: 12, host: Self.host) == ["get "])
    }

    static let slots: [(line: String, bucket: String?, slot: CompletionRequest.Slot)] = [
        ("kv get ", nil, .bucket),
        ("kv get b", nil, .bucket),
        ("kv get b ", nil, .key("b")),
        ("kv get --revision 3 b ", nil, .key("b")),
        ("kv get b k ", nil, .none),
        ("kv status ", nil, .bucket),
        ("kv info ", nil, .bucket),
        ("kv rm b ", nil, .key("b")),
        ("kv ls b ", nil, .key("b")),
        ("kv keys b k1 k2 ", nil, .key("b")),
        ("kv watch b --history k1 ", nil, .key("b")),
        ("kv add ", nil, .none),
        ("use ", nil, .bucket),
        ("use b ", nil, .none),
        ("get ", "cur", .key("cur")),
        ("update k v ", "cur", .none),
        ("keys a ", "cur", .key("cur")),
        ("status ", "cur", .none),
    ]

    @Test("what goes where", arguments: slots.indices)
    func slot(_ index: Int) {
        let c = Self.slots[index]
        #expect(CompletionRequest(c.line, currentBucket: c.bucket).slot == c.slot, "\(c.line)")
    }

    @Test("keys complete one level at a time; the fetch is narrowed to the partial's parent")
    func keyLevels() {
        let keys = ["u", "users.alice", "users.bob.x", "users.bob.y", "orders.1"]
        #expect(CompletionRequest.keyCandidates(keys, partial: "users.") == ["users.alice ", "users.bob.", "users.bob."])
        #expect(CompletionRequest.keyCandidates(keys, partial: "users.bob.") == ["users.bob.x ", "users.bob.y "])
        #expect(CompletionRequest.keyCandidates(keys, partial: "u") == ["u ", "users.", "users.", "users."])
        #expect(CompletionRequest.keyFilter(for: "orders.12") == "orders.>")
        #expect(CompletionRequest.keyFilter(for: "a.b.c") == "a.b.>")
        #expect(CompletionRequest.keyFilter(for: "orders") == nil)
        #expect(CompletionRequest.keyFilter(for: "a..b") == nil)
    }
}

@Suite("ShellHost against a real server", .offCooperativePool)
struct ShellHostServerTests {
    @Test("built-ins need no server; store commands share one lazily opened connection")
    func lazyConnection() async throws {
        let output = CollectedOutput()
        let shell = try makeShell(options: options("-s", "nats://127.0.0.1:1", "--timeout", "1s"), output: output)
        #expect(await shell.session.run(source: "echo hi; set x 1; test $x == 1", file: "t.kvsh") == 0)
        #expect(output.out == "hi\n")
        #expect(await shell.host.isConnected == false)
        await shell.host.close()

        let server = try NATSServerProcess()
        defer { server.stop() }
        let r = try await runShellScript("""
            let a = account info
            let s = kv add sh-b2
            let p = kv put sh-b2 k v
            let b = account info
            test $a.client_id == $b.client_id && echo "one connection"
            echo $s.bucket $p.revision
            """, url: server.url)
        #expect(r.err == "", "\(r)")
        #expect(r.out == "one connection\nsh-b2 1\n", "\(r)")
        #expect(r.status == 0)
    }

    @Test("let captures: nothing printed, the value bound; without let the one-shot output")
    func captured() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let r = try await runShellScript("""
            let s = kv add sh-cap
            let p = kv put sh-cap Key1 Value1
            kv put sh-cap Key2 Value2
            let g = kv get sh-cap Key1
            kv get sh-cap Key2 --raw
            echo
            echo $p.revision $g.value $g.revision
            """, url: server.url)
        #expect(r.out == "Value2\nValue2\n1 Value1 1\n", "\(r)")
        #expect(r.err == "" && r.status == 0, "\(r)")
    }

    @Test("kv watch at the prompt runs until the task is cancelled, then returns normally")
    func watchEndsOnCancel() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let output = CollectedOutput()
        let shell = try makeShell(options: options("-s", server.url), output: output)
        #expect(await shell.session.runInteractive(line: "let s = kv add sh-w; kv put sh-w k v") == .finished(status: 0))
        let session = shell.session
        let watch = Task { await session.runInteractive(line: "kv watch sh-w") }
        let deadline = ContinuousClock.now + .seconds(10)
        while !output.out.contains("PUT sh-w > k: v"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(output.out.contains("PUT sh-w > k: v"), "\(output.out)")
        watch.cancel()
        let outcome = await withTaskGroup(of: ShellSession.LineOutcome?.self) { group in
            group.addTask { await watch.value }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        #expect(outcome == .finished(status: 0), "\(output.err)")
        #expect(output.err == "")
        // The session goes on, on the same connection.
        #expect(await session.runInteractive(line: "kv get sh-w k --raw") == .finished(status: 0))
        await shell.host.close()
    }

    // Generous deadlines: these check what is completed; `silentServer` checks the deadline.
    @Test("live completion: bucket names and keys, at most 1,000 per list")
    func liveCompletion() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let host = try ShellHost(options: options("-s", server.url))
        let session = try await host.backend()
        _ = try await session.store.createBucket(.init(bucket: "comp-a"))
        _ = try await session.store.createBucket(.init(bucket: "comp-b"))
        let bucket = try await session.store.bucket("comp-a")
        _ = try await bucket.putAll((0..<1_005).map { (key: String(format: "bulk.%04d", $0), value: Array("x".utf8)) })
        for key in ["users.alice", "users.bob.x", "users.bob.y"] { _ = try await bucket.put(key, Array("v".utf8)) }

        #expect(await completions(line: "kv get comp", cursor: 11, host: host, deadline: .seconds(30)) == ["comp-a ", "comp-b "])
        #expect(await completions(line: "use comp-b", cursor: 10, host: host, deadline: .seconds(30)) == ["comp-b "])
        #expect(await completions(line: "kv get comp-a us", cursor: 16, host: host, deadline: .seconds(30)) == ["users."])
        #expect(await completions(line: "kv get comp-a users.", cursor: 20, host: host, deadline: .seconds(30)) == ["users.alice ", "users.bob."])
        #expect(await completions(line: "get users.bob.", cursor: 14, host: host, currentBucket: "comp-a", deadline: .seconds(30))
                == ["users.bob.x ", "users.bob.y "])
        #expect(try await host.cachedKeys(bucket: "comp-a", filter: nil).count == CompletionCache.maximumItems)
        #expect(try await host.cachedKeys(bucket: "comp-a", filter: nil, prefix: "bulk.00").count == 100)
        #expect(try await host.cachedKeys(bucket: "comp-a", filter: "users.>").count == 3)
        #expect(await completions(line: "kv get nope ", cursor: 12, host: host, deadline: .seconds(30)) == [])
        await host.close()
    }

    @Test("completion never types a name a command would refuse: a doctored store's odd bucket and key are left out")
    func completionSkipsInvalidNames() async throws {
        let dir = try makeTempDir(prefix: "kvsh-completion-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/store.db"
        let host = try ShellHost(options: options("--store", path))
        let session = try await host.backend()
        _ = try await session.store.createBucket(.init(bucket: "comp-a"))
        _ = try await session.store.createBucket(.init(bucket: "comp-b"))
        let bucket = try await session.store.bucket("comp-a")
        for key in ["users.alice", "users.bad"] { _ = try await bucket.put(key, Array("v".utf8)) }
        try editSQLiteFile(path, """
            UPDATE buckets SET name = 'comp-' || char(27) || '[2J' WHERE name = 'comp-b';
            UPDATE entries SET key = 'users.' || char(27) || ']0;x' WHERE key = 'users.bad';
            """)
        #expect(await completions(line: "kv get comp", cursor: 11, host: host, deadline: .seconds(30)) == ["comp-a "])
        #expect(await completions(line: "kv get comp-a users.", cursor: 20, host: host, deadline: .seconds(30))
                == ["users.alice "])
        await host.close()
    }

    @Test("a server that never answers: completion gives up at its deadline")
    func silentServer() async throws {
        let silent = try SilentListener()
        // The connect would wait a minute; Tab gives up after 300 ms (allowing for a loaded machine).
        let host = try ShellHost(options: options("-s", "nats://127.0.0.1:\(silent.port)", "--timeout", "60s"))
        let start = ContinuousClock.now
        #expect(await completions(line: "kv get ", cursor: 7, host: host, deadline: .milliseconds(300)) == [])
        #expect(ContinuousClock.now - start < .seconds(20))
        // The connect goes on for the next Tab until the shell closes, which cancels and awaits
        // it. Its link is in place first, so that the close has one to tear down.
        #expect(silent.acceptsClient(within: 20), "the connect went on after Tab gave up")
        await host.close()
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(silent.clientHangsUp(within: 20), "close() ended the connect and closed its link")
        await #expect(throws: CancellationError.self) { _ = try await host.backend() }
    }
}

@Suite("Data arguments never become options")
struct ShieldingTests {
    static let cases: [(words: [String], data: Set<Int>, expected: [String])] = [
        (["kv", "put", "b", "k", "v"], [4], ["kv", "put", "b", "k", "v"]),
        (["kv", "put", "b", "k", "--help"], [], ["kv", "put", "b", "k", "--help"]),
        (["kv", "put", "b", "k", "--help"], [4], ["kv", "put", "--", "b", "k", "--help"]),
        (["kv", "put", "b", "k", "-x", "--json"], [4], ["kv", "put", "--json", "--", "b", "k", "-x"]),
        (["kv", "get", "b", "--revision", "3", "-k", "--raw"], [5], ["kv", "get", "--revision", "3", "--raw", "--", "b", "-k"]),
        (["kv", "rm", "b", "-k", "-f"], [3], ["kv", "rm", "-f", "--", "b", "-k"]),
        (["kv", "keys", "b", "-a", "--", "-b"], [3], ["kv", "keys", "--", "b", "-a", "-b"]),
    ]

    @Test("rearranged words", arguments: cases.indices)
    func rearranged(_ index: Int) throws {
        let c = Self.cases[index]
        #expect(ShellHost.shieldingData(c.words, data: c.data) == c.expected)
    }

    @Test("a substituted --server is a value, not a rejected option")
    func serverValue() throws {
        guard case .command(let command) = try ShellHost.parse(["kv", "put", "b", "k", "--server=x"], data: [4]) else {
            Issue.record("not a command")
            return
        }
        #expect((command as? KVPut)?.arguments.value == "--server=x")
    }
}

@Suite("help in the shell: the commands' own, without the options a shell line may not give")
struct ShellHelpTests {
    @Test("the names the shell refuses are GlobalOptions' valued options, read from the declaration")
    func refusedNamesAreDeclared() {
        #expect(ShellHost.connectionOptionNames.isSuperset(of: ["-s", "--server", "--user", "--tlskey", "--timeout"]))
    }

    @Test("help kv put (and kv put --help) lists no connection option but keeps --json")
    func kvPutHelp() throws {
        let host = try ShellHost(options: options())
        let viaHelp = try #require(host.help(for: ["kv", "put"]))
        guard case .help(let viaFlag) = try ShellHost.parse(["kv", "put", "--help"]) else {
            Issue.record("kv put --help is not help")
            return
        }
        for text in [viaHelp, viaFlag] {
            let names = Set(HelpText.optionRows(text).flatMap(\.names))
            #expect(names == ["--json", "--version", "-h", "--help"], "\(text)")
            #expect(text.contains("USAGE: kvsh kv put") && text.contains("<value>"), "\(text)")
            // Wrapped descriptions went with their rows.
            for gone in ["--server", "--tlskey", "$NATS_URL", "store.db", "500ms"] {
                #expect(!text.contains(gone), "\(gone): \(text)")
            }
        }
    }

    @Test("no kv or account command's shell help offers a connection option")
    func everyCommand() throws {
        let host = try ShellHost(options: options())
        for group in ["kv", "account"] {
            let type = try #require(ShellHost.commandType(for: [group]))
            for command in type.configuration.subcommands {
                let name = try #require(command.configuration.commandName)
                let text = try #require(host.help(for: [group, name]))
                let names = Set(HelpText.optionRows(text).flatMap(\.names))
                #expect(names.isDisjoint(with: GlobalOptions.valued), "\(group) \(name): \(text)")
                #expect(names.contains("--json"), "\(group) \(name): \(text)")
            }
        }
    }

    @Test("serve is a command-line form: its help at the prompt, a usage error as a line")
    func serveInTheShell() throws {
        let host = try ShellHost(options: options())
        #expect(host.help(for: ["serve"])?.contains("USAGE: kvsh [<options>] serve <file>") == true)
        #expect(throws: CommandError("serve runs from the command line: kvsh [<options>] serve <file> [<arg> ...]",
                                     status: 64)) {
            try ShellHost.parse(["serve", "hooks.kvsh"])
        }
    }

    @Test("removing option rows takes their wrapped lines and nothing else")
    func removingRows() {
        let text = """
            ARGUMENTS:
              <bucket>                Bucket name

            OPTIONS:
              -s, --server <server>   NATS server URLs, comma separated (default:
                                      $NATS_URL)
              --deletes/--no-deletes  Deletes
              --json                  Print machine-readable JSON
                                      as one object
              -h, --help              Show help information.

            """
        let rows = HelpText.optionRows(text)
        #expect(rows.map(\.names) == [["-s", "--server"], ["--deletes", "--no-deletes"], ["--json"], ["-h", "--help"]])
        #expect(rows.map(\.takesValue) == [true, false, false, false])
        #expect(rows.map(\.lines.count) == [2, 1, 2, 1])
        #expect(HelpText.removingOptions(["--server", "--no-deletes"], from: text) == """
            ARGUMENTS:
              <bucket>                Bucket name

            OPTIONS:
              --json                  Print machine-readable JSON
                                      as one object
              -h, --help              Show help information.

            """)
    }
}
