import ArgumentParser
import Hooks
import NATSClient
import ServeMetrics
import Shell
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A shell and the host it runs store commands on, configured by kvsh's global options.
/// Throws (without touching the network) for a bad `--timeout` or server URL. The host
/// connects on the first store command; call `host.close()` when the shell ends.
func makeShell(options: GlobalOptions, output: any ShellOutput = TerminalOutput(), hookOutput: any ShellOutput = TerminalOutput(),
               reporter: HookReporter? = nil) throws -> (session: ShellSession, host: ShellHost) {
    let host = try ShellHost(options: options, hookOutput: hookOutput, reporter: reporter)
    return (ShellSession(host: host, output: output), host)
}

/// How kvsh was asked to run the command language rather than one command.
enum ShellInvocation: Equatable {
    /// `kvsh [OPTIONS] FILE [ARG…]`, also a `#!/usr/bin/env kvsh` script.
    case script(path: String, arguments: [String], options: [String])
    /// `kvsh [OPTIONS] serve [SERVE OPTIONS] FILE [ARG…]`: the script, then its hooks until
    /// SIGINT/SIGTERM; `serveOptions` are the words of `ServeOptions`.
    case serve(path: String, arguments: [String], options: [String], serveOptions: [String] = [])
    /// `kvsh [OPTIONS] -c TEXT [ARG…]`
    case command(text: String, arguments: [String], options: [String])
    /// `kvsh [OPTIONS]` with stdin not a terminal: the script is stdin.
    case standardInput(options: [String])
    /// `kvsh [OPTIONS]` at a terminal.
    case interactive(options: [String])

    /// The file name scripts given with `-c` report in `file:line:column` messages.
    static let commandFileName = "-" + String(KvshRoot.scriptTextOption)
    /// The file name of a script read from stdin.
    static let standardInputFileName = "<stdin>"
}

extension KvshCommandLine {
    /// Which shell mode `arguments` ask for, or nil for a one-shot command.
    ///
    /// Global options come first. Then `-c TEXT` runs TEXT; `serve FILE` runs FILE and serves its
    /// hooks (`serve --help` is a one-shot command: help); a first word that is not a command
    /// word (`kv`, `account`, `help`, `nats`) and names an existing file, or looks like a script
    /// path (contains `/` or ends in `.kvsh`), runs that script; nothing at all starts the
    /// shell on stdin. Everything after the script or `-c TEXT` is the script's `$1…`.
    static func shellInvocation(_ arguments: [String], stdinIsTerminal: Bool,
                                isFile: (String) -> Bool) throws -> ShellInvocation? {
        var rest = arguments[...]
        var options: [String] = []
        takeGlobalOptions(from: &rest, into: &options)
        guard let first = rest.first else {
            return stdinIsTerminal ? .interactive(options: options) : .standardInput(options: options)
        }
        if first == "-" + String(KvshRoot.scriptTextOption) {
            rest.removeFirst()
            guard let text = rest.popFirst() else {
                throw ArgumentError("-c needs the commands to run: kvsh -c 'kv ls; kv get my-kv Key1'")
            }
            return .command(text: text, arguments: Array(rest), options: options)
        }
        if first == "serve" {
            rest.removeFirst()
            // `kvsh serve --help`: the help of `Serve`, from ArgumentParser.
            if rest.first == "-h" || rest.first == "--help" { return nil }
            let valued = ServeOptions.valued
            var serveOptions: [String] = []
            while let word = rest.first, let name = word.split(separator: "=", maxSplits: 1).first,
                  valued.contains(String(name)) {
                serveOptions.append(rest.removeFirst())
                if !word.contains("=") {
                    guard let value = rest.popFirst() else { throw ArgumentError("\(name) needs a value") }
                    serveOptions.append(value)
                }
            }
            guard let path = rest.popFirst() else {
                throw ArgumentError("serve needs a script: kvsh serve hooks.kvsh [ARG…]")
            }
            return .serve(path: path, arguments: Array(rest), options: options, serveOptions: serveOptions)
        }
        guard !first.hasPrefix("-"), first != "help", KvshRoot.subcommandNamed(first) == nil, first != "nats" else {
            return nil
        }
        guard isFile(first) || first.contains("/") || first.hasSuffix(".kvsh") else { return nil }
        return .script(path: first, arguments: Array(rest.dropFirst()), options: options)
    }

    /// Runs a script, `-c` text or stdin with a shell built from `optionWords`; SIGINT and
    /// SIGTERM interrupt it (status 130). Returns the script's exit status.
    static func runShell(_ invocation: ShellInvocation, standardInput: String = "") async -> Int32 {
        var optionWords: [String]
        switch invocation {
        case .script(_, _, let o), .serve(_, _, let o, _), .command(_, _, let o), .standardInput(let o),
             .interactive(let o): optionWords = o
        }
        let skipStartupFile = optionWords.contains(GlobalOptions.noStartupFile)
        optionWords.removeAll { $0 == GlobalOptions.noStartupFile }
        let options: GlobalOptions
        do {
            options = try GlobalOptions.parse(optionWords)
        } catch {
            Terminal.err("nats: error: \(GlobalOptions.message(for: error))\n")
            return GlobalOptions.exitCode(for: error).rawValue
        }
        if case .interactive = invocation {
            return await runInteractiveShell(options: options, skipStartupFile: skipStartupFile)
        }
        var observability: ServeObservability?
        var metricsServer: MetricsServer?
        if case .serve(_, _, _, let words) = invocation {
            do {
                (observability, metricsServer) = try await startObservability(words)
            } catch {
                Terminal.err("kvsh: serve: \(ErrorMessage.line(for: error))\n")
                return ExitStatus.usage
            }
        }
        let shell: (session: ShellSession, host: ShellHost)
        do {
            var reporter: HookReporter?
            var hookOutput: any ShellOutput = TerminalOutput()
            if let observability {
                reporter = { observability.report($0) }
                if observability.json { hookOutput = JSONErrorOutput(observability: observability) }
            }
            shell = try makeShell(options: options, hookOutput: hookOutput, reporter: reporter)
        } catch {
            Terminal.err("nats: error: \(ErrorMessage.line(for: error))\n")
            return 1
        }
        let session = shell.session
        // Listening before the script starts, so an early Ctrl-C interrupts it too.
        let signals = await InterruptSignals()
        // Not a child task: the signal handler must reach it. Awaited below, before the host closes.
        let run: Task<Int32, Never>
        switch invocation {
        case .script(let path, let arguments, _):
            run = Task { await session.runFile(atPath: path, arguments: arguments) }
        case .serve(let path, let arguments, _, _):
            if let observability {
                observability.collectPending(from: shell.host.hooks)
                await shell.host.observeConnection { event in
                    switch event {
                    case .reconnected: observability.connectionRestored()
                    case .disconnected: observability.connectionLost()
                    default: break
                    }
                }
            }
            run = Task {
                let status = await session.runFile(atPath: path, arguments: arguments)
                guard status == 0 else { return status }
                return await serve(shell.host.hooks, script: path)
            }
        case .command(let text, let arguments, _):
            run = Task { await session.run(source: text, file: ShellInvocation.commandFileName, arguments: arguments) }
        case .standardInput, .interactive:
            run = Task { await session.run(source: standardInput, file: ShellInvocation.standardInputFileName) }
        }
        // A signal while `wait` (or `serve`) serves hooks stops them cleanly; otherwise it
        // interrupts the script.
        let hooks = shell.host.hooks
        signals.onSignal {
            guard !hooks.requestStop() else { return }
            session.interruptCleanups()
            run.cancel()
        }
        let status = await run.value
        signals.stop()
        let live = HookCount(hooks.count)
        if live.count > 0, status == ExitStatus.success {
            Terminal.err("kvsh: \(live.phrase) registered, but the script ends: "
                         + "add 'wait' to serve \(live.pronoun), or run it with 'kvsh serve'\n")
        }
        await metricsServer?.close()
        await shell.host.close()
        return status
    }
}

/// `kvsh serve`: after the script, serve its hooks until a signal stops them (status 0).
private func serve(_ hooks: HookRegistry, script: String) async -> Int32 {
    guard !hooks.isEmpty else {
        Terminal.err("kvsh: serve: \(script) registered no hooks (on …), so there is nothing to serve\n")
        return ExitStatus.failure
    }
    do {
        try await hooks.serve()
    } catch {
        return ExitStatus.interrupted
    }
    if let failure = HookCommands.failureAfterServing(hooks) {
        Terminal.err("kvsh: serve: \(failure.message)\n")
        return failure.status
    }
    return ExitStatus.success
}

/// How many hooks are left when a shell ends, in words that agree with the number: "1 hook
/// is … it", "2 hooks are … them" (the script's and the prompt's warnings).
struct HookCount {
    let count: Int

    init(_ count: Int) { self.count = count }

    var phrase: String { count == 1 ? "1 hook" : "\(count) hooks" }
    var verb: String { count == 1 ? "is" : "are" }
    var pronoun: String { count == 1 ? "it" : "them" }
}

/// True when `path` names a regular file (following symbolic links).
func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
}
