#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ArgumentParser
import Hooks
import KeyValue
import NATSClient
import Shell
import Synchronization

/// The store commands of a kvsh shell (a script, `kvsh -c`, or the prompt): every word list the
/// language does not handle itself (`kv …`, `account info`) is parsed with the same
/// ArgumentParser command tree as a one-shot command line and executed by the same
/// `KvshCommand.execute`, so output and errors are identical.
///
/// One store backend serves the whole shell run. It is opened when a store command (or a completion)
/// first needs it, so `echo hi` runs without a server; a failed connect is retried by the next
/// command. `close()` ends it.
///
/// Connection options (`-s/--server`, `--user`, `--password`, `--token`, `--tls*`,
/// `--timeout`, `--trace`) belong to the shell, not to one command: inside the shell they are rejected
/// with a usage error. `--json` is accepted per command (`kv get b k --json`).
actor ShellHost: CommandHost, BackendSource {
    /// The options the shell connects with (kvsh's global options).
    nonisolated let options: GlobalOptions
    private var opened: StoreBackend?
    /// The connect under way, shared by its callers; `close()` cancels and awaits it.
    private var opening: Task<StoreBackend, any Error>?
    private var isClosed = false
    var completionCache = CompletionCache()
    /// What works for the shell's callers in the background: Tab lookups past their deadline,
    /// the waits of callers of a connect under way. `close()` cancels and awaits them.
    nonisolated let lookups = TaskSet()
    /// The shell's watch hooks (`on`, `hooks`, `off`, `wait`), on the same store backend.
    nonisolated let hooks: HookRegistry

    /// Checks what can be checked without a server (the timeout, the server URLs), so that a
    /// typo fails before a script runs; connects later. Hooks print to `hookOutput`.
    init(options: GlobalOptions, hookOutput: any ShellOutput = TerminalOutput(), reporter: HookReporter? = nil) throws {
        _ = try StoreBackend.target(options)
        self.options = options
        let source = WeakBackendSource()
        hooks = HookRegistry(store: { try await source.store() }, output: hookOutput,
                             errorMessage: { ErrorMessage.line(for: $0) }, reporter: reporter)
        source.host = self
    }

    // MARK: StoreBackend

    /// The shell's store backend, connecting on first use. Concurrent callers share one connect.
    /// A cancelled caller (Ctrl-C) stops waiting at once; the connect goes on (it ends within
    /// `--timeout`) and the next command uses its result. After `close()` it throws
    /// `CancellationError`.
    func backend() async throws -> StoreBackend {
        if isClosed { throw CancellationError() }
        if let opened { return opened }
        let task: Task<StoreBackend, any Error>
        if let opening {
            task = opening
        } else {
            let options = self.options
            task = Task { try await StoreBackend.open(options) }
            opening = task
        }
        switch await cancellableResult(of: task, in: lookups) {
        case .success(let backend):
            // `close()` ran while this caller waited; it closes what the connect made.
            if isClosed { throw CancellationError() }
            if opened == nil {
                opened = backend
                if let connectionObserver { backend.connection?.addEventObserver(connectionObserver) }
            }
            if opening == task { opening = nil }
            return opened ?? backend
        case .failure(let error):
            // A caller that gave up leaves the connect to finish for the next one.
            if !(error is CancellationError), opening == task { opening = nil }
            throw error
        }
    }

    private var connectionObserver: (@Sendable (ConnectionEvent) -> Void)?

    /// Calls `observer` for disconnects and reconnects of the store backend's connection (the prompt
    /// prints them above the line being edited).
    func observeConnection(_ observer: @escaping @Sendable (ConnectionEvent) -> Void) {
        connectionObserver = observer
        opened?.connection?.addEventObserver(observer)
    }

    /// True once a store command has connected (and `close` has not run).
    var isConnected: Bool { opened != nil }

    /// Closes the store backend. Hooks stop first; a connect still under way is cancelled,
    /// the background lookups end, and the connect is awaited (and its backend closed, had it
    /// just succeeded).
    func close() async {
        isClosed = true
        await hooks.shutdown()
        // Cancelled before `lookups` closes: the waits for it there end only when it does.
        let connect = opening
        opening = nil
        connect?.cancel()
        await lookups.close()
        // Never handed out: a caller that took it would have cleared `opening`.
        if let backend = try? await connect?.value { await backend.close() }
        await opened?.close()
        opened = nil
        completionCache = CompletionCache()
    }

    // MARK: CommandHost

    nonisolated func run(_ words: [String], context: CommandContext) async throws -> CommandResult {
        if let empty = context.emptyLists.first { throw Self.emptyListError(words, empty) }
        if context.input != nil, let word = words.first, word == "lock" || HookCommands.names.contains(word) {
            throw CommandError.inputRefused(by: word)
        }
        if words.first == "lock" { return try await runLock(words, context: context) }
        do {
            if let result = try await HookCommands(registry: hooks).run(words, context: context) { return result }
        } catch {
            throw Self.shellError(error)
        }
        let command: any KvshCommand
        switch try Self.parse(words, data: context.dataArguments) {
        case .help(let text):
            let text = text.hasSuffix("\n") ? text : text + "\n"
            if !context.isCaptured { context.output.write(text) }
            return CommandResult(.string(text))
        case .command(let parsed):
            command = parsed
        }
        if context.input != nil, !Self.takesInput(command) { throw CommandError.inputRefused(by: Self.commandName(of: command)) }
        let ctx = CommandExecution(backends: self, output: context.output, json: options.json || command.global.json,
                                   captured: context.isCaptured, mode: .shell,
                                   canAsk: context.isTypedAtPrompt && Terminal.stdinIsTerminal, input: context.input)
        do {
            return CommandResult(try await command.execute(ctx))
        } catch {
            throw Self.shellError(error)
        }
    }

    /// The store command groups, the hook commands and `lock`: names a function may not take.
    nonisolated var commandNames: Set<String> {
        Set(KvshRoot.storeGroups.map { $0.commandWord } + HookCommands.names + ["lock", "nats"])
    }

    /// The commands whose value `< FILE` may give.
    private static func takesInput(_ command: any KvshCommand) -> Bool {
        command is KVPut || command is KVCreate || command is KVUpdate
    }

    /// `kv get`, `account info`: the group's word and the command's own name.
    private static func commandName(of command: any KvshCommand) -> String {
        let type = ObjectIdentifier(Swift.type(of: command))
        for group in KvshRoot.configuration.subcommands
        where group.configuration.subcommands.contains(where: { ObjectIdentifier($0) == type }) {
            return "\(group.configuration.commandName ?? "") \(Swift.type(of: command).configuration.commandName ?? "")"
        }
        return Swift.type(of: command).configuration.commandName ?? "this command"
    }

    /// The command line's wording (`ErrorMessage`), for failures of the language's built-ins.
    nonisolated func message(for error: any Error) -> String { ErrorMessage.line(for: error) }

    nonisolated func help(for topic: [String]) -> String? {
        if topic.isEmpty { return Self.overview }
        if let text = HookCommands.help(for: topic) { return text }
        guard let type = Self.commandType(for: topic) else { return nil }
        return Self.shellHelp(KvshRoot.helpMessage(for: type))
    }

    // MARK: Parsing

    /// What a word list turned out to be.
    enum Parsed {
        case command(any KvshCommand)
        /// A request for help (`kv`, `kv put --help`, `kv help put`): the text to print.
        case help(String)
    }

    /// Parses a store command's words as the one-shot command line would (after the same
    /// normalization), turning every problem into a one-line `CommandError`: an unknown command
    /// with a suggestion (status 1), or ArgumentParser's message without the usage (status 64,
    /// as one-shot usage errors exit).
    static func parse(_ words: [String], data: Set<Int> = []) throws -> Parsed {
        let words = shieldingData(words, data: data)
        for word in words.prefix(while: { $0 != "--" }) {
            let name = String(word.prefix { $0 != "=" })
            if connectionOptionNames.contains(name) {
                throw CommandError("\(name) cannot be given to one command in the shell: the shell keeps one "
                                   + "connection, made with the options kvsh starts with (kvsh \(name) … SCRIPT)",
                                   status: ExitCode.validationFailure.rawValue)
            }
        }
        let args: [String]
        do {
            args = try KvshCommandLine.normalize(words, commandWords: shellCommandWords)
        } catch {
            throw CommandError(ErrorMessage.line(for: error), status: ExitStatus.usage)
        }
        if let quick = QuickParse.command(args) { return .command(quick) }
        let parsed: any ParsableCommand
        do {
            parsed = try KvshRoot.parseAsRoot(args)
        } catch {
            let code = KvshRoot.exitCode(for: error)
            if code == .success { return .help(shellHelp(KvshRoot.helpText(for: error))) }
            throw CommandError(KvshRoot.message(for: error), status: code.rawValue)
        }
        if let command = parsed as? any KvshCommand { return .command(command) }
        if let form = KvshRoot.commandLineForm(type(of: parsed)) {
            throw CommandError("\(form.commandWord) runs from the command line: \(form.configuration.usage ?? "")",
                               status: ExitCode.validationFailure.rawValue)
        }
        // A group without a subcommand (`kv`, `account`) or ArgumentParser's `help`: running
        // them asks for help, exactly as on the command line.
        do {
            var command = parsed
            try command.run()
        } catch {
            if KvshRoot.exitCode(for: error) == .success { return .help(shellHelp(KvshRoot.helpText(for: error))) }
            throw CommandError(KvshRoot.message(for: error), status: KvshRoot.exitCode(for: error).rawValue)
        }
        return .help(shellHelp(KvshRoot.helpMessage(for: type(of: parsed))))
    }

    /// `words` rearranged so that no data argument (one that begins with a substituted value,
    /// see `CommandContext.dataArguments`) can be taken for an option: when a data argument
    /// starts with `-`, the options written in the line (with the values of those that take
    /// one) go first, then `--`, then the operands in their order. Unchanged otherwise.
    static func shieldingData(_ words: [String], data: Set<Int>) -> [String] {
        guard data.contains(where: { $0 >= 2 && $0 < words.count && words[$0].hasPrefix("-") }),
              let command = CommandTable.kvsh.command(Array(words.prefix(2))), !command.path.isEmpty else {
            return words
        }
        let valued = command.arguments(.option).flatMap(\.spellings)
        var options: [String] = []
        var operands: [String] = []
        var index = 2
        while index < words.count {
            let word = words[index]
            if data.contains(index) || !word.hasPrefix("-") {
                operands.append(word)
            } else if word == "--" {
                operands += words[(index + 1)...]
                break
            } else {
                options.append(word)
                if valued.contains(word), index + 1 < words.count {
                    index += 1
                    options.append(words[index])
                }
            }
            index += 1
        }
        return Array(words[..<2]) + options + ["--"] + operands
    }

    /// A store or hook command given an empty `$list` where its operands go: never run as if
    /// they had been left out (`kv del b $ks` would delete the bucket, `on put b $patterns`
    /// would watch every key).
    static func emptyListError(_ words: [String], _ empty: EmptyList) -> CommandError {
        CommandError("no \(operandRole(words, at: empty.index)) given: \(empty.sourceText) is an empty list "
                     + "(nothing was run)")
    }

    /// What the operand at `index` of a store command stands for, for messages: from what its
    /// declaration completes (a bucket, a key, a key filter), else a value.
    private static func operandRole(_ words: [String], at index: Int) -> String {
        guard let command = CommandTable.kvsh.command(Array(words.prefix(2))), !command.path.isEmpty else {
            return "argument"
        }
        let valued = command.arguments(.option).flatMap(\.spellings)
        var ordinal = 0
        var i = 2
        while i < min(index, words.count) {
            if words[i].hasPrefix("-") {
                if valued.contains(words[i]) { i += 1 }
            } else {
                ordinal += 1
            }
            i += 1
        }
        let operands = command.arguments(.operand)
        guard let operand = ordinal < operands.count ? operands[ordinal] : operands.last(where: \.declaration.isRepeating)
        else { return "argument" }
        switch operand.declaration.completion {
        case .bucket?: return "bucket"
        case .key?: return "key"
        case .keyFilter?: return "filter"
        default: return "value"
        }
    }

    /// Words a shell line may start with, for "did you mean": the store command groups and the
    /// built-ins.
    static let shellCommandWords = KvshRoot.storeGroups.map { $0.commandWord } + ShellSession.builtinNames
        + HookCommands.names

    /// A command's failure as the shell reports it: the one-shot message (what follows
    /// `nats: error: `), status 64 for usage errors as one-shot commands exit, 1 otherwise.
    static func shellError(_ error: any Error) -> any Error {
        switch error {
        case is CancellationError, is CommandError, is OutputFailed: error
        case let e as ValidationError: CommandError(e.message, status: ExitCode.validationFailure.rawValue)
        default: CommandError(ErrorMessage.line(for: error))
        }
    }

    // MARK: Help

    /// A command's generated help as the shell shows it: without the connection options, which
    /// a shell line may not give (`--json` stays).
    static func shellHelp(_ text: String) -> String {
        HelpText.removingOptions(connectionOptionNames, from: text)
    }

    /// The options a shell line may not give: every one `GlobalOptions` declares (read from the
    /// declaration) but `--json`, since they set up the shell's one connection.
    static let connectionOptionNames: Set<String> = Set(GlobalOptions.valued + GlobalOptions.flags)
        .subtracting([GlobalOptions.perLineFlag, GlobalOptions.noStartupFile])

    /// The command type `topic` names (`["kv", "put"]`, aliases included), nil when none.
    static func commandType(for topic: [String]) -> (any ParsableCommand.Type)? {
        var type: any ParsableCommand.Type = KvshRoot.self
        for word in topic {
            guard let sub = type.configuration.subcommands.first(where: {
                $0.configuration.commandName == word || $0.configuration.aliases.contains(word)
            }) else { return nil }
            type = sub
        }
        return type
    }

    /// `help` alone: one line per store command, from the commands' own abstracts.
    static let overview: String = {
        var rows: [(String, String)] = []
        for group in KvshRoot.configuration.subcommands {
            let groupName = group.configuration.commandName ?? ""
            for command in group.configuration.subcommands {
                rows.append(("\(groupName) \(command.configuration.commandName ?? "")", command.configuration.abstract))
            }
        }
        let width = rows.map(\.0.count).max() ?? 0
        return "Store commands ('help kv put' shows one):\n"
            + rows.map { "  " + $0.0 + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 + "\n" }.joined()
            + "Watch hooks ('help on'): on, hooks, off ID, wait\n"
    }()
}

/// The hook registry's way to the host's store backend without keeping the host alive.
private final class WeakBackendSource: Sendable {
    private let box = Mutex<WeakHost>(WeakHost())
    private struct WeakHost { weak var host: ShellHost? }

    var host: ShellHost? {
        get { box.withLock { $0.host } }
        set { box.withLock { $0.host = newValue } }
    }

    func store() async throws -> any KeyValueStore {
        guard let host else { throw CancellationError() }
        return try await host.backend().store
    }
}
