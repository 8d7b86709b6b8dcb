import KeyValue

/// One call of a built-in.
struct BuiltinInvocation: Sendable {
    var name: String
    /// The arguments after the name, lists spread into their elements.
    var arguments: [Value]
    /// The same, one value per word (lists not spread); `set` binds these.
    var words: [Value]
    /// True under `let`: print nothing, return the value.
    var captured: Bool
    var position: SourcePosition

    /// The text of the arguments, for built-ins that take words.
    var texts: [String] { arguments.map(\.textForm) }

    func usageError(_ builtin: Builtin, _ problem: String) -> CommandError {
        CommandError("\(name): \(problem) (usage: \(builtin.usage))")
    }
}

extension ShellSession {
    func run(_ builtin: Builtin, _ call: BuiltinInvocation) async throws -> Value {
        switch builtin {
        case .echo: return echo(call)
        case .set: return try set(call)
        case .use: return try await use(call)
        case .vars: return vars(call)
        case .test: return try test(call)
        case .calc: return try calc(call)
        case .str: return try str(call)
        case .json: return try json(call)
        case .printf: return try printf(call)
        case .sleep: return try await sleep(call)
        case .source: return try await source(call)
        case .help: return try help(call)
        case .exit: return try exit(call)
        case .return: return try returnValue(call)
        case .fail:
            guard !call.texts.isEmpty else { throw call.usageError(.fail, "expected a message") }
            throw CommandError(call.texts.joined(separator: " "))
        case .true:
            guard call.arguments.isEmpty else { throw call.usageError(.true, "takes no arguments") }
            return .bool(true)
        case .false:
            guard call.arguments.isEmpty else { throw call.usageError(.false, "takes no arguments") }
            throw CommandError("false: failed, as it always does")
        }
    }

    private func echo(_ call: BuiltinInvocation) -> Value {
        let text = call.texts.joined(separator: " ")
        if !call.captured { output.write(text + "\n") }
        return .string(text)
    }

    private func set(_ call: BuiltinInvocation) throws -> Value {
        guard let nameValue = call.words.first else { throw call.usageError(.set, "expected a variable name") }
        let name = nameValue.textForm
        guard Lexer.isName(name) else {
            throw CommandError("set: '\(name)' is not a valid variable name: use letters, digits and '_', "
                               + "not starting with a digit")
        }
        guard name != "env" else {
            throw CommandError("set: 'env' is reserved for environment variables ($env.NAME); choose another name")
        }
        let values = call.words.dropFirst()
        switch values.count {
        case 0: throw call.usageError(.set, "expected a value after '\(name)' (write \"\" for the empty string)")
        case 1: environment.variables[name] = values[values.startIndex]
        default: environment.variables[name] = .list(Expander.spread(Array(values)))
        }
        return .null
    }

    private func use(_ call: BuiltinInvocation) async throws -> Value {
        switch call.texts.count {
        case 0:
            guard let bucket = environment.currentBucket else {
                if !call.captured { output.write("no bucket selected; choose one with 'use BUCKET'\n") }
                return .null
            }
            if !call.captured { output.write(bucket + "\n") }
            return .string(bucket)
        case 1:
            let bucket = call.texts[0]
            try KeyNames.validateBucket(bucket)
            // Asking for the status checks that the bucket exists before anything relies on it.
            let context = CommandContext(output: output, isCaptured: true, position: call.position,
                                         dataArguments: [2])
            _ = try await host.run(["kv", "status", bucket], context: context)
            environment.currentBucket = bucket
            return .null
        default:
            throw call.usageError(.use, "expected one bucket name")
        }
    }

    private func vars(_ call: BuiltinInvocation) -> Value {
        let sorted = environment.variables.sorted { $0.key < $1.key }
        if !call.captured {
            var text = ""
            for (name, value) in sorted { text += "\(name) = \(value.displayForm)\n" }
            text += "$# = \(environment.arguments.count)\n$? = \(environment.lastStatus)\n"
            text += "bucket = \(environment.currentBucket ?? "(none: choose one with 'use BUCKET')")\n"
            output.write(text)
        }
        return .record(Record(sorted.map { ($0.key, $0.value) }))
    }

    private func exit(_ call: BuiltinInvocation) throws -> Value {
        switch call.texts.count {
        case 0:
            throw Interruption.exit(environment.lastStatus)
        case 1:
            guard let status = Int32(call.texts[0]), (0...255).contains(status) else {
                throw CommandError("exit: expected a status from 0 to 255, got '\(call.texts[0])'")
            }
            throw Interruption.exit(status)
        default:
            throw call.usageError(.exit, "expected at most one status")
        }
    }

    private func returnValue(_ call: BuiltinInvocation) throws -> Value {
        guard callDepth > 0 else {
            throw Interruption.mistake(ShellError("return outside a function: end a script with 'exit'",
                                                  at: call.position), status: 1)
        }
        guard call.words.count <= 1 else { throw call.usageError(.return, "expected at most one value") }
        throw Interruption.returned(call.words.first ?? .null)
    }

    private func help(_ call: BuiltinInvocation) throws -> Value {
        let topic = call.texts
        let text: String
        if topic.isEmpty {
            text = overview()
        } else if topic.count == 1, let builtin = Builtin(rawValue: topic[0]) {
            let usage = builtin.operations.isEmpty
                ? "usage: \(builtin.usage)\n" : "usage:\n" + builtin.operations.map { "  \($0.usage)\n" }.joined()
            text = "\(usage)\n\(Self.wrap(builtin.summary + ". " + builtin.details))"
        } else if topic.count == 1, let keyword = KeywordHelp.entries.first(where: { $0.name == topic[0] }) {
            text = "usage: \(keyword.usage)\n\n\(Self.wrap(keyword.text))"
        } else if topic.count == 1, Self.bucketCommands.contains(topic[0]) {
            let hostText = host.help(for: ["kv", topic[0]]) ?? ""
            text = "'\(topic[0]) …' runs 'kv \(topic[0]) BUCKET …' on the bucket chosen with 'use BUCKET'.\n"
                + (hostText.isEmpty ? "" : "\n" + hostText + (hostText.hasSuffix("\n") ? "" : "\n"))
        } else if let hostText = host.help(for: topic.first == "nats" ? Array(topic.dropFirst()) : topic) {
            text = hostText.hasSuffix("\n") ? hostText : hostText + "\n"
        } else {
            throw CommandError("help: no command named '\(topic.joined(separator: " "))'; run 'help' for the list")
        }
        if !call.captured { output.write(text) }
        return .string(text)
    }

    private func overview() -> String {
        func table(_ rows: [(String, String)]) -> String {
            let width = rows.map(\.0.count).max() ?? 0
            return rows.map { "  " + $0.0 + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 + "\n" }
                .joined()
        }
        var text = "Built-in commands:\n"
        text += table(Builtin.allCases.map { ($0.usage, $0.summary) })
        text += "\nStatements:\n"
        text += KeywordHelp.entries.map { "  \($0.usage)\n" }.joined()
        text += "\nVariables: $name $name.field ${name.field} ${name.\"odd key\"} $e.json.field $1…$N $# $? $@ $0 "
            + "$env.NAME $error\n"
        text += "After 'use BUCKET': " + Self.bucketCommands.sorted().joined(separator: " ") + "\n"
        if let hostText = host.help(for: []), !hostText.isEmpty {
            text += "\n" + hostText + (hostText.hasSuffix("\n") ? "" : "\n")
        }
        text += "\nRun 'help NAME' for more about a command or keyword.\n"
        return text
    }

    /// Breaks prose at spaces into lines of at most `width` characters (a longer word stays
    /// whole), each ending in a newline. Shared with the help of the hook commands.
    package static func wrap(_ text: String, width: Int = 78) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.map { $0 + "\n" }.joined()
    }
}
