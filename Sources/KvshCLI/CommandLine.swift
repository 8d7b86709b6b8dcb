import ArgumentParser
import Shell

/// Entry point of the `kvsh` executable.
public enum KvshCommandLine {
    /// Runs one command line (without the program name) and returns the exit status (see
    /// `ExitStatus`).
    ///
    /// Besides one-shot commands (`kvsh kv put my-kv Key1 Value1`), runs scripts:
    /// `kvsh [OPTIONS] FILE [ARG…]` (and `#!/usr/bin/env kvsh` files), `kvsh [OPTIONS] -c TEXT [ARG…]`,
    /// and, with no command, the script on stdin when stdin is not a terminal (empty stdin does
    /// nothing) or the interactive shell when it is.
    public static func run(_ arguments: [String]) async -> Int32 {
        withOutputChecked(await dispatch(arguments))
    }


    private static func dispatch(_ arguments: [String]) async -> Int32 {
        do {
            switch try shellInvocation(arguments, stdinIsTerminal: Terminal.stdinIsTerminal, isFile: isRegularFile) {
            case nil:
                break
            case .standardInput(let options)?:
                let text: String
                do {
                    text = try ScriptFile.text(of: try Terminal.readAllStdin(),
                                               name: ShellInvocation.standardInputFileName)
                } catch let failure as InputFailure {
                    Terminal.err("kvsh: cannot read the script from standard input: \(failure.reason)\n")
                    return ExitStatus.failure
                } catch {
                    Terminal.err("kvsh: \(error)\n")
                    return ExitStatus.failure
                }
                return await runShell(.standardInput(options: options), standardInput: text)
            case let invocation?:
                return await runShell(invocation)
            }
        } catch {
            Terminal.err("nats: error: \(error)\n")
            return ExitStatus.usage
        }
        let args: [String]
        do {
            args = try normalize(arguments)
        } catch {
            Terminal.err("nats: error: \(error)\n")
            return ExitStatus.usage
        }
        var quick = QuickParse.command(args)
        let command: any ParsableCommand
        do {
            command = try quick ?? KvshRoot.parseAsRoot(args)
        } catch {
            let code = KvshRoot.exitCode(for: error)
            let message = KvshRoot.helpText(for: error)
            if code == .success {
                Terminal.out(message + "\n")
                return ExitStatus.success
            }
            Terminal.err(usageError(message) + "\n")
            return ExitStatus.usage
        }
        do {
            if quick != nil {
                try await quick?.run()
            } else if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var command = command
                try command.run()
            }
            return ExitStatus.success
        } catch {
            return report(error)
        }
    }

    /// A command's failure on stderr; returns its exit status.
    private static func report(_ error: any Error) -> Int32 {
        switch error {
        case let exit as ExitCode:
            return exit.rawValue
        case is OutputFailed:
            return ExitStatus.success  // `withOutputChecked` reports it
        case let validation as ValidationError:
            // Thrown by a command's run(): ArgumentParser's usage text here would be the root's
            // (`Usage: kvsh <subcommand>`), not the command's, so print the message alone.
            Terminal.err("nats: error: \(validation.message)\n")
            return ExitStatus.usage
        default:
            // `kvsh`, `kvsh kv` (a group without a command), `--help` and `help` end in an
            // error ArgumentParser knows as a clean exit: print the help it has for it.
            if KvshRoot.exitCode(for: error) == .success {
                Terminal.out(KvshRoot.helpText(for: error) + "\n")
                return ExitStatus.success
            }
            Terminal.err("nats: error: \(ErrorMessage.line(for: error))\n")
            return ExitStatus.failure
        }
    }

    /// `status`, unless writing the output failed: then one message (none for a closed pipe)
    /// and the failure's status. A status that already says failure is kept.
    static func withOutputChecked(_ status: Int32) -> Int32 {
        guard let failure = Terminal.outputFailure, status == ExitStatus.success else { return status }
        if let message = failure.message, failure.stream == .standardOutput {
            Terminal.err("nats: error: \(message)\n")
        }
        return failure.status
    }

    private static func usageError(_ message: String) -> String {
        var lines = message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let first = lines.first, first.hasPrefix("Error: ") {
            lines[0] = "nats: error: " + first.dropFirst(7)
        }
        return lines.joined(separator: "\n")
    }

    /// Drops a leading `nats`, moves global options given before the command (before or after
    /// that `nats`, as in `nats -s URL kv ls`) to its end, turns a leading `-V` into `--version`
    /// and `kv help [CMD]` into
    /// `help kv [CMD]`, and rejects unknown command words with a suggestion.
    ///
    /// `commandWords` are the words a line may start with, for the suggestion (`topCommands`
    /// when nil): the shell adds its built-ins.
    static func normalize(_ input: [String], commandWords: [String]? = nil) throws -> [String] {
        var leading: [String] = []
        var rest = input[...]
        var droppedNats = false
        while true {
            takeGlobalOptions(from: &rest, into: &leading)
            guard !droppedNats, rest.first == "nats" else { break }
            rest.removeFirst()
            droppedNats = true
        }
        var out = Array(rest)
        // ArgumentParser knows only `--version`; natscli and other tools' users type `-V` too.
        if out.first == "-V" { out[0] = "--version" }
        if out.count >= 2, out[1] == "help", KvshRoot.storeGroups.contains(where: { $0.isNamed(out[0]) }) {
            out = ["help", out[0]] + out[2...]
        }
        try checkCommandWords(out, commandWords: commandWords)
        // Before a `--` (`kvsh lock … -- COMMAND`): after it they would be the command's words.
        if let terminator = out.firstIndex(of: "--") {
            out.insert(contentsOf: leading, at: terminator)
        } else {
            out += leading
        }
        return out
    }

    /// Moves global options at the front of `rest` (with their values) to `leading`.
    static func takeGlobalOptions(from rest: inout ArraySlice<String>, into leading: inout [String]) {
        guard rest.first?.hasPrefix("-") == true else { return }
        let valued = GlobalOptions.valued
        let flags = GlobalOptions.flags
        while let first = rest.first, first.hasPrefix("-"), first != "-h", first != "--help" {
            let name = first.split(separator: "=", maxSplits: 1).first.map(String.init) ?? first
            if valued.contains(name) {
                leading.append(rest.removeFirst())
                if !first.contains("="), let value = rest.first {
                    leading.append(value)
                    rest.removeFirst()
                }
            } else if flags.contains(name) {
                leading.append(rest.removeFirst())
            } else {
                break
            }
        }
    }

    /// The words ArgumentParser takes first (`serve` is run by `shellInvocation`, which leaves
    /// only its `--help` here), from the commands' configurations.
    static var topCommands: [String] { words(of: KvshRoot.storeGroups + KvshRoot.commandLineForms) + ["help"] }

    /// The names and aliases of `commands`, in order.
    private static func words(of commands: [any ParsableCommand.Type]) -> [String] {
        commands.flatMap { [$0.commandWord] + $0.configuration.aliases }
    }

    /// Only a word that names no command reads `commandWords` (`topCommands` when nil): each
    /// command's configuration is made on first use, and the cold path needs few of them.
    private static func checkCommandWords(_ args: [String], commandWords: [String]?) throws {
        guard let top = args.first, !top.hasPrefix("-") else { return }
        guard top == "help" || KvshRoot.subcommandNamed(top) != nil else {
            throw unknown(top, commandWords ?? topCommands)
        }
        // A group's command (`kv gte`): ArgumentParser would print the group's help.
        guard let group = KvshRoot.subcommandNamed(top), args.count > 1, !args[1].hasPrefix("-") else { return }
        let commands = group.configuration.subcommands
        guard !commands.isEmpty, args[1] != "help", !commands.contains(where: { $0.isNamed(args[1]) }) else { return }
        throw unknown(args[1], words(of: commands), prefix: "\(top) ")
    }

    private static func unknown(_ word: String, _ known: [String], prefix: String = "") -> ArgumentError {
        let best = known.min { editDistance(word, $0) < editDistance(word, $1) }
        var message = "unknown command \(ArgumentError.quoted(prefix + word))"
        if let best, editDistance(word, best) <= max(2, word.count / 2) {
            message += ", did you mean \"\(prefix + best)\"?"
        } else {
            message += "; commands: " + known.filter { $0 != "help" }.map { prefix + $0 }.joined(separator: ", ")
        }
        return ArgumentError(message)
    }

    /// Levenshtein distance, for "did you mean".
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1,
                                 previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
