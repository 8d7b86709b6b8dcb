import ArgumentParser
import KeyValue
import NATSClient
import NIOCore
import NIOPosix
import Shell

/// A store command that runs the same way from the command line (`kvsh kv put …`) and from a
/// shell line or script (`kv put …`): `execute` does the work, prints through the execution's
/// output unless the result is captured by `let`, and returns the value `let` binds.
protocol KvshCommand: AsyncParsableCommand {
    /// The connection options parsed with the command. One-shot runs connect with them; the
    /// shell connects once with its own (see `ShellHost`) and rejects them per command.
    var global: GlobalOptions { get }

    /// Runs the command. Validates its arguments before it asks for the session, so a bad key
    /// is reported as such even when no server is reachable.
    func execute(_ ctx: CommandExecution) async throws -> Value
}

extension KvshCommand {
    /// `kvsh kv put …`: open a session on first use, execute with the terminal as output, close.
    ///
    /// A command that does its work and ends on a server runs on the connection's event loop
    /// (`NATSConnection.executor`: replies resume it without a thread hop); one that streams
    /// to the terminal (`streamsOutput`) runs on the cooperative pool, so a stalled terminal
    /// never holds up the connection.
    func runOneShot(streamsOutput: Bool = false) async throws {
        // Only a server connection has an event loop to share; the embedded store starts none.
        // The loop is there before the session, because the task runs on it from the start
        // (the connection is made on the same loop): the main thread's (`runProcess`), or a
        // thread started here.
        let onServer = if case .server? = try? Session.target(global) { true } else { false }
        let lent = OneShotProcess.takeLoop()
        let group = onServer && lent == nil ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        let loop = onServer ? lent ?? group?.next() : nil
        let sessions = OneShotSessions(options: global, loop: loop)
        let ctx = CommandExecution(sessions: sessions, output: TerminalOutput(), json: global.json,
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
               await sessions.isDoneSending() {
                OneShotProcess.exit(KvshCommandLine.withOutputChecked(ExitStatus.success))
            }
            await sessions.close()
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
protocol SessionSource: Sendable {
    func session() async throws -> Session
}

/// Everything a command needs to run once: where its session comes from, where its text goes,
/// and how it was invoked.
///
/// The session is reached through `session()` rather than held open, so that a command checks
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

    let sessions: any SessionSource
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

    /// The open session (connecting on first use).
    func session() async throws -> Session { try await sessions.session() }

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
    /// terminal, shell commands never read stdin (it may be the script itself).
    func valueBytes(_ argument: String?) throws -> [UInt8] {
        if let argument { return Array(argument.utf8) }
        guard mode == .oneShot else {
            throw ArgumentError("missing value: give it as an argument (the shell does not read values from stdin)")
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

    var writeFailure: OutputFailed? {
        Terminal.outputFailure.map {
            OutputFailed(message: $0.isClosedPipe ? nil : $0.description, status: $0.exitStatus)
        }
    }
}

/// The session of one one-shot command: opened on first use, closed by `runOneShot`.
actor OneShotSessions: SessionSource {
    private let options: GlobalOptions
    /// The event loop the connection is to run on, lent by `runOneShot` (which runs the
    /// command's task on it).
    private let loop: (any EventLoop)?
    private var opened: Session?

    init(options: GlobalOptions, loop: (any EventLoop)?) {
        self.options = options
        self.loop = loop
    }

    func session() async throws -> Session {
        if let opened { return opened }
        let session = try await Session.open(options, group: loop)
        opened = session
        return session
    }

    /// True when the session is on a server and everything written has gone to the socket
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
