#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A kvsh session: variables, the current bucket and `$?` that live across scripts and
/// prompt lines, and the entry points that run them.
///
/// Calls must not overlap: the prompt awaits one line before sending the next. Cancelling
/// the calling task (Ctrl-C) interrupts the running command, `sleep` or loop.
public actor ShellSession {
    /// How a line typed at the prompt ended.
    public enum LineOutcome: Sendable, Equatable {
        /// The line ran (or failed, and its error was printed); `$?` is `status`.
        case finished(status: Int32)
        /// `exit` ran: the session should end with this status.
        case exit(status: Int32)
    }

    let host: any CommandHost
    /// Where the running statement prints: the session's output, or a file while a redirection
    /// is in force, or nowhere under `quiet`.
    var output: any ShellOutput
    var environment: Environment
    var sourceDepth = 0
    /// How many function calls are running.
    var callDepth = 0
    /// The `finally` blocks running after an interruption.
    nonisolated let cleanups = CleanupTasks()
    /// A line typed at the prompt is running (`runInteractive`); never in a block's session.
    var isAtPrompt = false

    /// Exit status for a script with a syntax error (nothing ran), as in POSIX shells.
    public static let syntaxErrorStatus: Int32 = 2
    /// Exit status after an interruption (Ctrl-C, task cancellation).
    public static let interruptedStatus: Int32 = 130

    /// - Parameters:
    ///   - host: runs `kv …`, `account info` and the bucket commands.
    ///   - output: receives everything the session prints.
    ///   - environment: what `$env.NAME` reads; the process environment unless given.
    public init(host: any CommandHost, output: any ShellOutput,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.host = host
        self.output = output
        self.environment = Environment(processEnvironment: environment)
    }

    /// A session that starts from a copy of another's state (a `CommandBlock` run).
    init(host: any CommandHost, output: any ShellOutput, state: Environment) {
        self.host = host
        self.output = output
        self.environment = state
    }

    /// Runs a kept block as a script runs: an untested failure stops it and is reported with
    /// its position.
    func runBlock(_ statements: [Statement], quietWhenInterrupted: Bool) async -> Int32 {
        do {
            return try await execute(statements, tested: false)
        } catch {
            if case .cancelled = error, quietWhenInterrupted { return Self.interruptedStatus }
            return report(error, interactive: false)
        }
    }

    /// Stops the `finally` blocks that run because an earlier interruption cancelled the
    /// calling task (a second Ctrl-C or SIGTERM). Call it from the signal handler before
    /// cancelling the task: the cleanups that interruption starts are not stopped by it.
    public nonisolated func interruptCleanups() { cleanups.interrupt() }

    /// The bucket chosen with `use`, for the prompt to show.
    public var currentBucket: String? { environment.currentBucket }

    /// `$?`: the status of the last command.
    public var lastStatus: Int32 { environment.lastStatus }

    /// Runs a script. The whole script is parsed first: a syntax error runs nothing and returns
    /// `syntaxErrorStatus`. A command that fails where its failure is not tested (by `if`,
    /// `while`, `&&`, `||` or `!`) stops the script, `file:line:column: message` goes to
    /// `writeError`, and the failure's status (1 unless the command chose another) is returned.
    /// Otherwise returns the `exit` status or the last command's status.
    ///
    /// - Parameters:
    ///   - source: the script text.
    ///   - file: its name for messages and `$0`; relative `source` paths resolve against its directory.
    ///   - arguments: `$1…$N`.
    public func run(source: String, file: String, arguments: [String] = []) async -> Int32 {
        let script: Script
        do {
            script = try Parser.parse(source, file: file)
        } catch {
            output.writeError("\(error)\n")
            environment.lastStatus = Self.syntaxErrorStatus
            return Self.syntaxErrorStatus
        }
        let saved = (environment.scriptName, environment.arguments, environment.scriptPath)
        environment.scriptName = file
        environment.arguments = arguments
        environment.scriptPath = file
        defer { (environment.scriptName, environment.arguments, environment.scriptPath) = saved }
        do {
            return try await execute(script.statements, tested: false)
        } catch {
            return report(error, interactive: false)
        }
    }

    /// Reads and runs the script at `path`, as `run(source:file:arguments:)` does.
    public func runFile(atPath path: String, arguments: [String] = []) async -> Int32 {
        do {
            let source = try ScriptFile.read(path)
            return await run(source: source, file: path, arguments: arguments)
        } catch {
            output.writeError("kvsh: \(error)\n")
            environment.lastStatus = 1
            return 1
        }
    }

    /// Runs input typed at the prompt (one line, or several when `Parser.isIncomplete` asked for
    /// more). An error is printed as `nats: error: message` (a syntax error with its
    /// `line:column`), the rest of the input is skipped, `$error` holds the message, and the
    /// session goes on.
    @discardableResult
    public func runInteractive(line: String) async -> LineOutcome {
        let script: Script
        do {
            script = try Parser.parse(line, file: "")
        } catch {
            output.writeError("nats: error: \(error)\n")
            environment.variables["error"] = .string(error.description)
            environment.lastStatus = Self.syntaxErrorStatus
            return .finished(status: Self.syntaxErrorStatus)
        }
        // An empty line (or only a comment) changes nothing, `$?` included.
        guard !script.statements.isEmpty else { return .finished(status: environment.lastStatus) }
        isAtPrompt = true
        defer { isAtPrompt = false }
        do {
            return .finished(status: try await execute(script.statements, tested: false))
        } catch {
            if case .exit(let status) = error { return .exit(status: status) }
            return .finished(status: report(error, interactive: true))
        }
    }

    /// Prints why execution stopped; returns the status it leaves.
    private func report(_ interruption: Interruption, interactive: Bool) -> Int32 {
        let status: Int32
        switch interruption {
        case .exit(let code):
            status = code
        case .failure(let error, let code), .mistake(let error, let code):
            // At the prompt the line is on screen; a position only helps inside a sourced file.
            let text = interactive && error.position.file.isEmpty ? error.message : "\(error)"
            output.writeError(interactive ? "nats: error: \(text)\n" : "\(text)\n")
            environment.variables["error"] = .string(text)
            status = code
        case .cancelled(let position):
            output.writeError(interactive ? "interrupted\n" : "\(position): interrupted\n")
            status = Self.interruptedStatus
        case .returned:
            // `return` checks that a function runs; a value that escapes one ends nothing else.
            status = 0
        case .outputFailed(let failure, let position):
            if let message = failure.message {
                output.writeError(interactive ? "nats: error: \(message)\n" : "\(position): \(message)\n")
            }
            status = failure.status
        }
        environment.lastStatus = status
        return status
    }
}
