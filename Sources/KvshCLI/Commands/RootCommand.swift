import ArgumentParser

/// kvsh's version, printed by `kvsh --version` (or `-V`). Set by hand here, and only here,
/// when a release is cut.
enum KvshVersion {
    static let current = "0.9.0"
}

struct KvshRoot: AsyncParsableCommand, DeclaredArguments {
    static let configuration = CommandConfiguration(
        commandName: "kvsh",
        abstract: "A shell for the NATS JetStream Key-Value store",
        usage: usage,
        discussion: discussion,
        version: KvshVersion.current,
        subcommands: storeGroups + commandLineForms)

    /// The groups of store commands, which the shell runs too.
    static let storeGroups: [any ParsableCommand.Type] = [KVCommand.self, AccountCommand.self]
    /// Commands of the command line only: the shell refuses them.
    static let commandLineForms: [any ParsableCommand.Type] = [Serve.self, LockCommand.self, CompletionCommand.self, ContextCommand.self]

    /// The root's command that `word` names.
    static func subcommandNamed(_ word: String) -> (any ParsableCommand.Type)? {
        (storeGroups + commandLineForms).first { $0.isNamed(word) }
    }

    /// The one of `commandLineForms` that `type` is, or is a command of.
    static func commandLineForm(_ type: any ParsableCommand.Type) -> (any ParsableCommand.Type)? {
        let id = ObjectIdentifier(type)
        return commandLineForms.first { form in
            ObjectIdentifier(form) == id || form.configuration.subcommands.contains { ObjectIdentifier($0) == id }
        }
    }

    /// The ways to run kvsh, one a line (ArgumentParser indents the lines under `USAGE: `).
    private static let usage = [
        ("kvsh [<options>]", "the prompt, at a terminal"),
        ("kvsh [<options>] < <file>", "the script on stdin"),
        ("kvsh [<options>] <file> [<arg> ...]", "a script; $1… are its args"),
        ("kvsh [<options>] -c <text> [<arg> ...]", "the script in <text>"),
        (Serve.usageLine, "a script, then its hooks"),
        ("kvsh [<options>] <subcommand>", "one command (see below)"),
    ].map { form, what in form.padding(to: 44) + what }.joined(separator: "\n")

    private static let discussion = """
        Commands follow the nats CLI; a leading 'nats' word is accepted. The command language of \
        scripts and the prompt (run 'help' there) is described in docs/language.md, watch hooks \
        in docs/hooks.md; 'kvsh completion bash|zsh|fish' prints a shell completion script.

        This is kvsh \(KvshVersion.current) ('kvsh --version' or '-V' prints it).

        \(globalOptionsHeading)
        """

    // The forms `shellInvocation` runs before ArgumentParser sees the words, declared here for
    // help, the manual and the completion scripts (a script file's operands are `ScriptOperands`'s:
    // operands here would stop ArgumentParser from finding the subcommands). A one-shot command
    // line never sets them.

    @Option(name: .customShort(scriptTextOption), help: ArgumentHelp("Run <text> as a script; the words after it are its $1…",
                                                                    valueName: "text"))
    var scriptText: String?

    @Flag(name: .customLong(noStartupFileName), help: "At the prompt: skip $XDG_CONFIG_HOME/kvsh/kvshrc")
    var noStartupFile = false

    @Flag(help: "Print kvsh's manual page (mdoc, for man -l -), made from these declarations")
    var generateManual = false

    /// `-c`, and `--norc`: the spellings `shellInvocation` and `runShell` look for.
    static let scriptTextOption: Character = "c"
    static let noStartupFileName = "norc"

    /// `kvsh --generate-manual` prints the manual; anything else that reaches here asks for
    /// help, as ArgumentParser's default does.
    func run() async throws {
        guard generateManual else { throw CleanExit.helpRequest(self) }
        Terminal.out(ManualPage(CommandTable.kvsh).text)
    }

    /// Ends the root's discussion; `helpText(for:)` puts the global options' rows under it.
    private static let globalOptionsHeading = "Global options, before or after the command:"

    /// The help ArgumentParser has for `error` (a request for help), with the global options
    /// under the root's heading. They are generated here, not in `configuration`, which every
    /// parse reads: a one-shot command would pay for their help at start-up.
    static func helpText(for error: any Error) -> String {
        let text = fullMessage(for: error)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let heading = lines.firstIndex(where: { $0 == globalOptionsHeading }) else { return text }
        lines.insert(Substring(GlobalOptions.optionsHelp), at: heading + 1)
        return lines.joined(separator: "\n")
    }
}

/// `kvsh FILE [ARG…]` (`shellInvocation` runs it): declared for the command table, which gives
/// the root these operands, not for ArgumentParser.
struct ScriptOperands: DeclaredArguments {
    @Argument(help: "A script to run (also a #!/usr/bin/env kvsh file)", completion: .file(extensions: []))
    var script: String?

    @Argument(parsing: .captureForPassthrough, help: "The script's arguments ($1…)")
    var arguments: [String] = []
}

struct KVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv", abstract: "Key-Value store commands",
        subcommands: [KVAdd.self, KVStatus.self, KVList.self, KVPut.self, KVGet.self,
                      KVCreate.self, KVUpdate.self, KVDelete.self, KVPurge.self, KVHistory.self,
                      KVKeys.self, KVWatch.self])
}

/// `kvsh serve FILE [ARG…]`. `shellInvocation` runs it before ArgumentParser sees the words;
/// this type is its declaration for help (`kvsh serve --help`, `kvsh help serve`).
struct Serve: ParsableCommand, DeclaredArguments {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a script, then serve the watch hooks it registered until SIGINT or SIGTERM",
        usage: usageLine,
        discussion: """
            The script's 'on' commands register hooks (docs/hooks.md); once it ends, kvsh serves \
            them as 'wait' does. Exits 0 when stopped, 3 when some event failed for good while it \
            served, 1 when the script fails or registers no hook. A command-line form (e.g. under \
            systemd), not a command of the prompt.
            """)

    static let usageLine = "kvsh [<options>] serve <file> [<arg> ...]"

    @OptionGroup var serveOptions: ServeOptions
    @Argument(help: "The script", completion: .file(extensions: [])) var file: String
    @Argument(parsing: .captureForPassthrough, help: "The script's arguments ($1…)") var arguments: [String] = []
    @OptionGroup var global: GlobalOptions

    /// Only reached from a shell line: on the command line `shellInvocation` takes `serve`.
    func run() throws {
        throw ValidationError("serve runs from the command line: \(Self.usageLine)")
    }
}

extension String {
    fileprivate var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }

    fileprivate func padding(to width: Int) -> String {
        count >= width ? self + "  " : self + String(repeating: " ", count: width - count)
    }
}
