import ArgumentParser
import KeyValue
import NATSClient
import NIOCore
import NIOPosix
import Shell

/// A store command that runs the same way from the command line (`kvsh kv put …`) and from a
/// shell line or script (`kv put …`): `execute` does the work, prints through the execution's
/// output unless the result is captured by `let`, and returns the value `let` binds.
protocol KvshCommand: AsyncParsableCommand, DeclaredArguments {
    /// The connection options parsed with the command. One-shot runs connect with them; the
    /// shell connects once with its own (see `ShellHost`) and rejects them per command.
    var global: GlobalOptions { get }

    /// Runs the command. Validates its arguments before it asks for the store backend, so a bad key
    /// is reported as such even when no server is reachable.
    func execute(_ ctx: CommandExecution) async throws -> Value
}

extension KvshCommand {
    /// `kvsh kv put …`: open the store backend on first use, execute with the terminal as output, close.
    ///
    /// A command that does its work and ends on a server runs on the connection's event loop
    /// (`NATSConnection.executor`: replies resume it without a thread hop); one that streams
    /// to the terminal (`streamsOutput`) runs on the cooperative pool, so a stalled terminal
    /// never holds up the connection.
    func runOneShot(streamsOutput: Bool = false) async throws {
        // Only a server connection has an event loop to share; the embedded store starts none.
        // The loop is there before the backend, because the task runs on it from the start
        // (the connection is made on the same loop): the main thread's (`runProcess`), or a
        // thread started here.
        let onServer = if case .server? = try? StoreBackend.target(global) { true } else { false }
        let lent = OneShotProcess.takeLoop()
        let group = onServer && lent == nil ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        let loop = onServer ? lent ?? group?.next() : nil
        let backends = OneShotBackend(options: global, loop: loop)
        let ctx = CommandExecution(backends: backends, output: TerminalOutput(), json: global.json,
                                   captured: false, mode: .oneShot,
                                   canAsk: Terminal.stdinIsTerminal && Terminal.stderrIsTerminal)
        let executor: (any TaskExecutor)? = if streamsOutput {
            globalConcurrentExecutor
        } else {
            loop.map { EventLoopTaskExecutor($0) }
        }
        let outcome: Result<Void, any Error> = await withTaskExecutorPreference(executor) {
            let outcome: Result<Void, any Error>
            do {
                _ = try await execute(ctx)
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            // The process ends now when nothing is left to send: the kernel closes the socket.
            if case .success = outcome, OneShotProcess.exitsWhenDone.load(ordering: .relaxed),
               await backends.isDoneSending() {
                OneShotProcess.exit(KvshCommandLine.withOutputChecked(ExitStatus.success))
            }
            await backends.close()
            return outcome
        }
        // The thread started here ends here (from the pool: a loop cannot wait for its end).
        if let group {
            await withTaskExecutorPreference(globalConcurrentExecutor) { try? await group.shutdownGracefully() }
        }
        try outcome.get()
    }
}

/// Gives a command its connected `Session` when it first needs one.
protocol BackendSource: Sendable {
    func backend() async throws -> StoreBackend
}

/// Everything a command needs to run once: where its store backend comes from, where its text goes,
/// and how it was invoked.
///
/// The backend is reached through `backend()` rather than held open, so that a command checks
/// its arguments before connecting (a one-shot `kv put bad.name k v` reports the name, not an
/// unreachable server) and so that a shell connects only when a store command first runs
/// (`echo hi` works without a server).
struct CommandExecution: Sendable {
    /// How the command was started.
    enum Mode: Sendable, Equatable {
        /// From argv: may read a missing value from stdin; `kv watch` ends on SIGINT/SIGTERM.
        case oneShot
        /// From a shell line or script: values must be arguments (stdin may be the script, or
        /// the terminal); `kv watch` ends when its task is cancelled (Ctrl-C at the prompt).
        case shell
    }

    let backends: any BackendSource
    /// Where human (or `--json`) output goes; diagnostics go to its `writeError`.
    let output: any ShellOutput
    /// Print JSON instead of the human form.
    let json: Bool
    /// `let NAME = COMMAND`: print nothing, the returned value is bound.
    let captured: Bool
    let mode: Mode
    /// A person typed this command at a terminal and can answer a question (see `confirm`):
    /// a one-shot command with stdin and stderr on a terminal, or a line typed at the prompt.
    /// Never in a script, `-c`, a sourced file or a hook.
    let canAsk: Bool
    /// The bytes of a `< FILE` redirection (shell only): the value of put, create and update.
    var input: [UInt8]? = nil

    /// The open store backend (connecting on first use).
    func backend() async throws -> StoreBackend { try await backends.backend() }

    /// The command's output text; nothing when captured.
    func write(_ text: String) {
        if !captured { output.write(text) }
    }

    /// A remark for a person, not data (`No keys found in bucket`): on stderr, so that stdout
    /// holds only data and `$(kvsh kv keys b)` never iterates over the words of a message.
    func note(_ text: String) {
        if !captured { output.writeError(text) }
    }

    /// Raw bytes (`kv get --raw`), unchanged when the output can take bytes; nothing when captured.
    func writeBytes(_ bytes: [UInt8]) {
        if !captured { output.writeBytes(bytes) }
    }

    /// The value argument; one-shot commands read a missing one from stdin when it is not a
    /// terminal, shell commands take it from `input` (`< FILE`) and never read stdin (it may be
    /// the script itself).
    ///
    /// - Throws: `ValidationError` when both an argument and `input` are given;
    ///   `ArgumentError` when there is no value at all.
    func valueBytes(_ argument: String?) throws -> [UInt8] {
        if let argument {
            if input != nil { throw ValidationError("give the value either as an argument or with '< FILE', not both") }
            return Array(argument.utf8)
        }
        if let input { return input }
        guard mode == .oneShot else {
            throw ArgumentError("missing value: give it as an argument or with '< FILE' "
                                + "(the shell does not read values from stdin)")
        }
        if Terminal.stdinIsTerminal {
            throw ArgumentError("missing value: give it as an argument or pipe it on stdin")
        }
        return try Terminal.readAllStdin()
    }
}

/// stdout and stderr, unbuffered and binary-safe.
struct TerminalOutput: ShellOutput {
    func write(_ text: String) { Terminal.out(text) }
    func writeError(_ text: String) { Terminal.err(text) }
    func writeBytes(_ bytes: [UInt8]) { Terminal.outBytes(bytes) }

    var writeFailure: OutputFailed? { Terminal.outputFailure }
}

/// The store backend of one one-shot command: opened on first use, closed by `runOneShot`.
actor OneShotBackend: BackendSource {
    private let options: GlobalOptions
    /// The event loop the connection is to run on, lent by `runOneShot` (which runs the
    /// command's task on it).
    private let loop: (any EventLoop)?
    private var opened: StoreBackend?

    init(options: GlobalOptions, loop: (any EventLoop)?) {
        self.options = options
        self.loop = loop
    }

    func backend() async throws -> StoreBackend {
        if let opened { return opened }
        let backend = try await StoreBackend.open(options, group: loop)
        opened = backend
        return backend
    }

    /// True when the backend is on a server and everything written has gone to the socket
    /// (every request of a finished command was answered), or when none was opened: the
    /// process may then end without closing it.
    func isDoneSending() -> Bool {
        guard let opened else { return true }
        guard let connection = opened.connection else { return false }
        return !connection.hasUnsentWrites
    }

    func close() async {
        await opened?.close()
        opened = nil
    }
}
