/// Why execution stops before the end of the statements: carried up the tree by `throw`.
enum Interruption: Error {
    /// A failure nobody tested.
    case failure(ShellError, status: Int32)
    /// A mistake in the script (an unset variable, a missing field, an empty command, a syntax
    /// error in a sourced file): it stops the script even where a failure would be tested,
    /// including from inside a `source`d file run as a condition.
    case mistake(ShellError, status: Int32)
    /// `exit N`
    case exit(Int32)
    /// The task was cancelled (Ctrl-C).
    case cancelled(SourcePosition)
    /// Output could not be written: nothing after it may run as if it had been.
    case outputFailed(OutputFailed, SourcePosition)
    /// `return VALUE` in a function: unwinds to the call.
    case returned(Value)
}

/// The evaluator: walks the syntax tree, keeps `$?`, decides which failures stop the script.
///
/// A failure is *tested* when its status is what a construct looks at: an `if`/`elif`/`while`
/// condition, the operand of `!`, every command of an `&&`/`||` chain but the last (and
/// everything inside a block used as one of these). A tested failure sets `$?` and `$error` and execution goes on; any
/// other failure stops the script. Expansion errors (an unset variable, a missing field) are
/// mistakes in the script, not outcomes to test, so they always stop it.
extension ShellSession {
    /// Commands that work on the current bucket after `use`: `put k v` runs `kv put BUCKET k v`.
    static let bucketCommands: Set<String> = [
        "put", "get", "del", "create", "update", "purge", "history", "keys", "watch", "status",
    ]

    func execute(_ statements: [Statement], tested: Bool) async throws(Interruption) -> Int32 {
        var status: Int32 = 0
        for statement in statements {
            try checkCancellation(statement.position)
            status = try await execute(statement, tested: tested)
        }
        return status
    }

    func execute(_ statement: Statement, tested: Bool) async throws(Interruption) -> Int32 {
        let status = try await evaluate(statement, tested: tested)
        environment.lastStatus = status
        if let failure = output.writeFailure { throw .outputFailed(failure, statement.position) }
        return status
    }

    private func evaluate(_ statement: Statement, tested: Bool) async throws(Interruption) -> Int32 {
        switch statement {
        case .command(let command):
            return try await run(command, captured: false, tested: tested).status

        case .binding(let name, let command, _):
            let (status, value) = try await run(command, captured: true, tested: tested)
            if status == 0 { environment.variables[name] = value }
            return status

        case .chain(let first, let links):
            var status = try await execute(first, tested: true)
            for (index, link) in links.enumerated() {
                let runs = link.op == .and ? status == 0 : status != 0
                guard runs else { continue }
                // Only the last command's failure is the chain's own; the others are tested.
                status = try await execute(link.statement, tested: index == links.count - 1 ? tested : true)
            }
            return status

        case .not(let operand, _):
            return try await execute(operand, tested: true) == 0 ? 1 : 0

        case .conditional(let branches, let otherwise, _):
            for branch in branches {
                if try await execute(branch.condition, tested: true) == 0 {
                    return try await execute(branch.body.statements, tested: false)
                }
            }
            if let otherwise { return try await execute(otherwise.statements, tested: false) }
            return 0

        case .loop(let variable, let items, let body, let position):
            let values = try expand(items)
            var status: Int32 = 0
            for value in Expander.spread(values) {
                try checkCancellation(position)
                environment.variables[variable] = value
                status = try await execute(body.statements, tested: false)
            }
            return status

        case .repeatWhile(let condition, let body, let position):
            var status: Int32 = 0
            while true {
                try checkCancellation(position)
                guard try await execute(condition, tested: true) == 0 else { break }
                status = try await execute(body.statements, tested: false)
                // A loop of built-ins never suspends; yielding lets other work on the pool run.
                await Task.yield()
            }
            return status

        case .block(let block):
            return try await execute(block.statements, tested: tested)

        case .redirected(let inner, let redirects):
            return try await redirecting(redirects, tested: tested) { () async throws(Interruption) -> Int32 in
                try await execute(inner, tested: tested)
            }

        case .quiet(let inner, _):
            let saved = output
            output = QuietOutput()
            defer { output = saved }
            return try await execute(inner, tested: tested)

        case .function(let definition):
            try define(definition)
            return 0

        case .attempt(let attempt):
            return try await run(attempt, tested: tested)
        }
    }

    /// Expands and runs one command. Returns its status and the value `let` would bind.
    private func run(_ command: Command, captured: Bool, tested: Bool)
        async throws(Interruption) -> (status: Int32, value: Value)
    {
        let position = command.position
        var values = try expand(command.words)
        var words = command.words
        // Lines pasted from the NATS docs start with `nats`.
        if values.count > 1, values[0] == .string("nats") {
            values.removeFirst()
            words.removeFirst()
        }
        let arguments = Expander.spread(values)
        // Arguments that begin with a substituted value are data: the host must never take
        // `$v` holding `--help` for an option.
        var data = Set<Int>()
        var emptyLists: [EmptyList] = []
        var index = 0
        for (value, word) in zip(values, words) {
            let count = if case .list(let items) = value { items.count } else { 1 }
            if word.startsWithSubstitution { data.formUnion(index..<index + count) }
            if count == 0 { emptyLists.append(EmptyList(index: index, sourceText: word.sourceText)) }
            index += count
        }
        guard let first = arguments.first else {
            throw .mistake(ShellError("the command is empty: '\(command.words[0].sourceText)' is an empty list",
                                      at: position), status: 1)
        }
        let name = first.textForm
        do {
            let redirection = try openRedirections(command.redirects, failingAs: .command)
            defer { redirection.close() }
            let saved = output
            if let redirected = redirection.output { output = redirected }
            defer { output = saved }
            let value: Value
            if let builtin = Builtin(rawValue: name) {
                try refuseInput(redirection, name: name)
                let invocation = BuiltinInvocation(
                    name: name, arguments: Array(arguments.dropFirst()), words: Array(values.dropFirst()),
                    captured: captured, position: position)
                value = try await run(builtin, invocation)
            } else if let function = environment.functions[name] {
                try refuseInput(redirection, name: name)
                value = try await call(function, Array(values.dropFirst()), position: position)
            } else {
                let block = command.block.map {
                    CommandBlock(statements: $0.statements, environment: environment, host: host, position: $0.position)
                }
                value = try await runExternal(arguments.map(\.textForm), data: data, emptyLists: emptyLists,
                                              captured: captured, position: position, block: block,
                                              input: redirection.input)
            }
            try redirection.checkWrites(at: position)
            return (0, value)
        } catch let interruption as Interruption {
            guard case .failure(let error, let status) = interruption, tested else { throw interruption }
            environment.variables["error"] = .string(error.description)
            return (status, .null)
        } catch {
            if error is CancellationError || Task.isCancelled { throw .cancelled(position) }
            if let failed = error as? OutputFailed { throw .outputFailed(failed, position) }
            let message = (error as? CommandError)?.message ?? host.message(for: error)
            let status = max(1, (error as? CommandError)?.status ?? 1)
            guard tested else { throw .failure(ShellError(message, at: position), status: status) }
            environment.variables["error"] = .string(message)
            return (status, .null)
        }
    }

    private func runExternal(_ words: [String], data: Set<Int>, emptyLists: [EmptyList], captured: Bool,
                             position: SourcePosition, block: CommandBlock?, input: [UInt8]?) async throws -> Value
    {
        var words = words
        var data = data
        var emptyLists = emptyLists
        if Self.bucketCommands.contains(words[0]) {
            guard let bucket = environment.currentBucket else {
                throw CommandError("'\(words[0])' works on the current bucket: choose one with 'use BUCKET', "
                                   + "or write 'kv \(words[0]) BUCKET …'")
            }
            // `put k v` → `kv put BUCKET k v`: the name moves to 1, the arguments two further.
            words.insert(contentsOf: ["kv", words[0], bucket], at: 0)
            words.remove(at: 3)
            data = Set(data.map { $0 == 0 ? 1 : $0 + 2 })
            for i in emptyLists.indices { emptyLists[i].index += 2 }
        }
        let context = CommandContext(output: output, isCaptured: captured, position: position, dataArguments: data,
                                     block: block, emptyLists: emptyLists,
                                     isTypedAtPrompt: isAtPrompt && position.file.isEmpty, input: input)
        return try await host.run(words, context: context).value
    }

    func expand(_ words: [Word]) throws(Interruption) -> [Value] {
        do {
            return try Expander(environment: environment).values(of: words)
        } catch {
            throw .mistake(error, status: 1)
        }
    }

    func checkCancellation(_ position: SourcePosition) throws(Interruption) {
        if Task.isCancelled { throw .cancelled(position) }
    }
}
