// `kvsh completion bash|zsh|fish` and `kvsh --generate-manual`, from the built binary: the
// bash script sourced in a real bash and its completion function driven as bash drives it;
// zsh's and fish's scripts run in those shells when they are installed. Live names come from a
// real embedded store file; nothing here needs a server.

import Foundation
import Shell
import Testing
import TestSupport
@testable import KvshCLI

@Suite("kvsh completion and the manual, from the binary", .offCooperativePool)
struct CompletionScriptTests {
    private let kvsh = Kvsh(url: nil)

    /// A store file with buckets `orders` and `owners`, and keys `a.1`, `a.2`, `b` in orders.
    private func makeStore(_ path: String, env: [String: String] = [:]) throws {
        let words = env.isEmpty ? ["--store", path] : []
        for args in [["kv", "add", "orders"], ["kv", "add", "owners"], ["kv", "put", "orders", "a.1", "x"],
                     ["kv", "put", "orders", "a.2", "x"], ["kv", "put", "orders", "b", "x"]] {
            let r = try runProcess(Kvsh.path, words + args, env: kvsh.environment(extra: env))
            #expect(r.status == 0, "\(args): \(String(decoding: r.stderr, as: UTF8.self))")
        }
    }

    private func script(_ shell: String) throws -> String {
        let r = try kvsh.run(["completion", shell])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        return r.stdout
    }

    @Test("each shell's script knows every command, alias and option the table declares")
    func everyWord() throws {
        let words = CompletionScript(CommandTable.kvsh).words
        #expect(words.isSuperset(of: ["kv", "account", "serve", "completion", "get", "rm", "list", "-c", "--norc",
                                      "--server", "-s", "--revision", "--no-deletes", "--generate-manual"]))
        for shell in CompletionScript.Shell.allCases {
            let text = try script(shell.rawValue)
            for word in words {
                #expect(text.contains("'\(word)'"), "\(shell): \(word)")
            }
        }
        let bad = try kvsh.run(["completion", "tcsh"])
        #expect(bad.status == 64 && bad.stderr.contains("name a shell: kvsh completion bash|zsh|fish"), "\(bad)")
    }

    @Test("bash: commands, options, option values and script files", .enabled(if: shellPath("bash") != nil))
    func bashWords() throws {
        let script = try script("bash")
        let k = Kvsh.path
        let dir = try makeTempDir(prefix: "kvsh-bash-files-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(FileManager.default.createFile(atPath: dir + "/hooks.kvsh", contents: Data()))
        let cases: [(line: String, expected: Set<String>)] = [
            ("\(k) kv ge", ["get"]),
            ("\(k) nats kv w", ["watch"]),
            ("\(k) kv get --r", ["--raw", "--revision"]),
            ("\(k) kv watch b --no", ["--no-deletes", "--no-context"]),  // the command's flag and the global one
            ("\(k) kv add b --storage ", ["file", "memory"]),
            ("\(k) -s nats://127.0.0.1:1 kv g", ["get"]),
            ("\(k) --server=nats://127.0.0.1:1 kv rm b --f", ["--filter", "--force"]),
            ("\(k) se", ["serve"]),
            ("\(k) completion ", ["bash", "zsh", "fish"]),
            ("\(k) serve \(dir)/h", ["\(dir)/hooks.kvsh"]),
            ("\(k) \(dir)/h", ["\(dir)/hooks.kvsh"]),
            ("\(k) -c 'kv ls' ", []),
            ("\(k) \(dir)/hooks.kvsh --", []),
        ]
        for c in cases {
            #expect(Set(try bashCompletions(script: script, line: c.line, env: kvsh.environment())) == c.expected,
                    "\(c.line)")
        }
    }

    @Test("bash: bucket names and keys from the store the line names (--store FILE, or XDG_DATA_HOME)",
          .enabled(if: shellPath("bash") != nil))
    func bashLiveNames() throws {
        let script = try script("bash")
        let dir = try makeTempDir(prefix: "kvsh-bash-names-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try makeStore(dir + "/s.db")
        let k = Kvsh.path
        let env = kvsh.environment()
        func offered(_ line: String) throws -> Set<String> { Set(try bashCompletions(script: script, line: line, env: env)) }
        #expect(try offered("\(k) --store \(dir)/s.db kv get o") == ["orders", "owners"])
        #expect(try offered("\(k) kv keys orders --store=\(dir)/s.db a") == ["a.1", "a.2"])
        // kv del takes several keys: another one is offered.
        #expect(try offered("\(k) kv rm orders b --store \(dir)/s.db ") == ["a.1", "a.2", "b"])
        #expect(try offered("\(k) --store \(dir)/s.db kv status ") == ["orders", "owners"])
        // The default store, found as the command would find it.
        let data = dir + "/data"
        try makeStore("", env: ["XDG_DATA_HOME": data])
        let dataEnv = kvsh.environment(extra: ["XDG_DATA_HOME": data])
        #expect(Set(try bashCompletions(script: script, line: "\(k) kv get ", env: dataEnv)) == ["orders", "owners"])
        #expect(Set(try bashCompletions(script: script, line: "\(k) kv get orders ", env: dataEnv)) == ["a.1", "a.2", "b"])
    }

    @Test("live names: nothing, quietly and within the deadline, when the store is missing or the server silent")
    func noNames() throws {
        let dir = try makeTempDir(prefix: "kvsh-no-names-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = try kvsh.run(["completion", "--buckets", "--store", dir + "/none.db"])
        #expect(missing.status == 1 && missing.stdout.isEmpty && missing.stderr.isEmpty, "\(missing)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "a Tab must not create a store")
        let silent = try SilentListener()
        let r = try kvsh.run(["completion", "--keys", "orders", "--prefix", "a", "-s", "nats://127.0.0.1:\(silent.port)",
                              "--timeout", "60s"])
        #expect(r.status == 1 && r.stdout.isEmpty && r.stderr.isEmpty, "\(r)")
        #expect(r.elapsed < 10, "\(r)")
        if shellPath("bash") != nil {
            let line = "\(Kvsh.path) -s nats://127.0.0.1:\(silent.port) kv get "
            #expect(try bashCompletions(script: try script("bash"), line: line, env: kvsh.environment()) == [])
        }
    }

    @Test("zsh: the script registers _kvsh and its walk gives the same words", .enabled(if: shellPath("zsh") != nil))
    func zsh() throws {
        let dir = try makeTempDir(prefix: "kvsh-zsh-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try script("zsh").write(toFile: dir + "/_kvsh", atomically: true, encoding: .utf8)
        try makeStore(dir + "/s.db")
        let k = Kvsh.path
        let driver = """
            autoload -U compinit && compinit -u -d "$1/.zcompdump"
            source "$1/_kvsh"
            print -r -- "registered ${_comps[kvsh]}"
            __kvsh_candidates "\(k)" ge kv | grep -x get
            __kvsh_candidates "\(k)" --r kv get | grep -- '^--r'
            __kvsh_candidates "\(k)" o --store "$1/s.db" kv get
            __kvsh_candidates "\(k)" a --store "$1/s.db" kv get orders | grep '^a'
            """
        let r = try runProcess(try #require(shellPath("zsh")), ["-f", "-c", driver, "zsh", dir],
                               env: kvsh.environment(extra: ["HOME": dir]))
        let out = String(decoding: r.stdout, as: UTF8.self)
        #expect(r.status == 0, "\(out)\(String(decoding: r.stderr, as: UTF8.self))")
        #expect(out == "registered _kvsh\nget\n--revision\n--raw\norders\nowners\na.1\na.2\n", "\(out)")
    }

    @Test("fish: complete -C gives commands, options and live names", .enabled(if: shellPath("fish") != nil))
    func fish() throws {
        let dir = try makeTempDir(prefix: "kvsh-fish-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try script("fish").write(toFile: dir + "/kvsh.fish", atomically: true, encoding: .utf8)
        try makeStore(dir + "/s.db")
        // The script completes the command named kvsh.
        try FileManager.default.createSymbolicLink(atPath: dir + "/kvsh", withDestinationPath: Kvsh.path)
        let driver = """
            source $argv[1]/kvsh.fish
            complete -C 'kvsh kv ge'
            complete -C 'kvsh kv get --r'
            complete -C "kvsh --store $argv[1]/s.db kv get o"
            complete -C "kvsh --store $argv[1]/s.db kv get orders a"
            """
        let path = dir + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let r = try runProcess(try #require(shellPath("fish")), ["-N", "-c", driver, dir],
                               env: kvsh.environment(extra: ["HOME": dir, "PATH": path]))
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map { $0.split(separator: "\t")[0] }
        #expect(r.status == 0, "\(String(decoding: r.stderr, as: UTF8.self))")
        #expect(lines == ["get", "--raw", "--revision", "orders", "owners", "a.1", "a.2"], "\(lines)")
    }

    @Test("the shell refuses kvsh completion, a command-line form")
    func notInTheShell() {
        #expect(throws: CommandError("completion runs from the command line: \(CompletionCommand.usageLine)", status: 64)) {
            try ShellHost.parse(["completion", "bash"])
        }
    }

    @Test("kvsh --generate-manual: an mdoc page with every command and option of the table")
    func manual() throws {
        let r = try kvsh.run(["--generate-manual"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        let page = r.stdout
        #expect(page.hasPrefix(".Dd ") && page.contains(".Dt KVSH 1") && page.contains(".Sh GLOBAL OPTIONS"))
        func commands(_ command: CommandTable.Command) -> [CommandTable.Command] {
            command.subcommands.filter(\.isShown).flatMap { $0.isGroup ? commands($0) : [$0] }
        }
        for command in commands(CommandTable.kvsh.root) {
            #expect(page.contains(".Ss " + (command.path + [command.name]).joined(separator: " ")), "\(command.name)")
            for argument in command.arguments where argument.declaration.isShown && !argument.isBuiltIn {
                let item = argument.kind == .operand ? ".It Ar \(argument.valueName)"
                    : "Fl " + String(argument.spellings[0].dropFirst())
                #expect(page.contains(item), "\(command.name): \(item)")
            }
        }
        if let groff = shellPath("groff") {
            let dir = try makeTempDir(prefix: "kvsh-manual-")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try page.write(toFile: dir + "/kvsh.1", atomically: true, encoding: .utf8)
            let rendered = try runProcess(groff, ["-mandoc", "-ww", "-Tutf8", dir + "/kvsh.1"])
            #expect(rendered.status == 0 && rendered.stderr.isEmpty, "\(String(decoding: rendered.stderr, as: UTF8.self))")
            #expect(String(decoding: rendered.stdout, as: UTF8.self).contains("kv get"))
        }
    }
}
