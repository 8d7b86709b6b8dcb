// One declaration per option: a flag declared only in a command's declaration is parsed on the
// fast path, completed at the prompt, listed in help and the manual, and known to the completion
// scripts. The command is declared here, in the test target, so kvsh ships no test flag: the
// machinery is generic over the command type and the command tree.

import ArgumentParser
import Foundation
import Shell
import Testing
import TestSupport
@testable import KvshCLI

/// `kv get` declared again, with one flag more.
struct ProbeGet: KvshCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a key's value")
    @KvshCLI.OptionGroup var global: GlobalOptions
    @KvshCLI.Argument(help: "Bucket name", completion: .bucket) var bucket: String
    @KvshCLI.Argument(help: "Key", completion: .key) var key: String
    @KvshCLI.Flag(help: "Only this declaration has it") var probeOnly = false

    func run() async throws {}
    func execute(_ ctx: CommandExecution) async throws -> Value { .null }
}

struct ProbeKV: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kv", abstract: "Key-Value store commands",
                                                    subcommands: [ProbeGet.self])
}

struct ProbeRoot: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kvsh", subcommands: [ProbeKV.self])
}

@Suite("a flag declared only in its command's declaration", .offCooperativePool)
struct DeclarationProbeTests {
    static let table = CommandTable(root: ProbeRoot.self)
    static let line = ["kv", "get", "b", "k", "--probe-only", "-s", "nats://127.0.0.1:1"]

    @Test("is parsed on the fast path, into the value ArgumentParser makes")
    func fastPath() throws {
        let quick = try #require(QuickParse.command(Self.line, group: "kv", commands: [QuickParse.Entry(ProbeGet.self)])
            as? ProbeGet)
        #expect(quick.probeOnly && quick.bucket == "b" && quick.key == "k" && quick.global.server == "nats://127.0.0.1:1")
        var quickFields = "", fullFields = ""
        dump(quick, to: &quickFields)
        dump(try ProbeRoot.parseAsRoot(Self.line), to: &fullFields)
        #expect(quickFields == fullFields)
        let without = try #require(QuickParse.command(["kv", "get", "b", "k"], group: "kv",
                                                      commands: [QuickParse.Entry(ProbeGet.self)]) as? ProbeGet)
        #expect(!without.probeOnly)
    }

    @Test("is completed at the prompt")
    func prompt() async throws {
        let host = try ShellHost(options: GlobalOptions.parse(["-s", "nats://127.0.0.1:1"]))
        #expect(await completions(line: "kv get --pr", cursor: 11, host: host, table: Self.table) == ["--probe-only "])
        #expect(await completions(line: "kv get b k --", cursor: 13, host: host, table: Self.table).contains("--probe-only "))
        await host.close()
    }

    @Test("is listed in help and in the manual")
    func helpAndManual() {
        let help = ProbeRoot.helpMessage(for: ProbeGet.self)
        #expect(help.contains("--probe-only") && help.contains("Only this declaration has it"), "\(help)")
        let page = ManualPage(Self.table).text
        #expect(page.contains(".It Fl -probe-only\nOnly this declaration has it"), "\(page)")
    }

    @Test("is offered by the bash completion script", .enabled(if: shellPath("bash") != nil))
    func bashScript() throws {
        let script = CompletionScript(Self.table).text(for: .bash)
        let offered = try bashCompletions(script: script, line: "kvsh kv get b k --pro")
        #expect(offered == ["--probe-only"], "\(offered)")
    }
}

/// The absolute path of `name` on PATH, or nil.
func shellPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// What bash's completion function of `script` (`_kvsh`) puts in COMPREPLY for `line`, the
/// cursor at its end, with COMP_LINE, COMP_POINT, COMP_WORDS and COMP_CWORD set as bash sets
/// them (COMP_WORDS split at bash's COMP_WORDBREAKS too).
func bashCompletions(script: String, line: String, env: [String: String] = [:]) throws -> [String] {
    let dir = try makeTempDir(prefix: "kvsh-bash-completion-")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try script.write(toFile: dir + "/kvsh.bash", atomically: true, encoding: .utf8)
    let driver = """
        source "$1"
        COMP_LINE="$2"
        COMP_POINT=${#COMP_LINE}
        COMP_WORDS=()
        word=
        # Words as bash splits a line for completion: at blanks, and around ':' and '='.
        for (( i = 0; i < ${#COMP_LINE}; i++ )); do
            c="${COMP_LINE:i:1}"
            case "$c" in
                ' ') [ -n "$word" ] && COMP_WORDS+=("$word"); word= ;;
                ':'|'=') [ -n "$word" ] && COMP_WORDS+=("$word"); COMP_WORDS+=("$c"); word= ;;
                *) word+="$c" ;;
            esac
        done
        COMP_WORDS+=("$word")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        _kvsh
        printf '%s\\n' "${COMPREPLY[@]}"
        """
    let bash = try #require(shellPath("bash"))
    let result = try runProcess(bash, ["--norc", "--noprofile", "-c", driver, "bash", dir + "/kvsh.bash", line],
                                env: inheritedEnvironment(env), timeout: 20)
    #expect(result.status == 0 && result.stderr.isEmpty, "\(String(decoding: result.stderr, as: UTF8.self))")
    return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
}
