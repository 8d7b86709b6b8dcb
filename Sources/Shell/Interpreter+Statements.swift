/// The statements for scripts that reuse code and clean up after themselves: redirections,
/// functions and `try`.
extension ShellSession {
    /// How deep function calls may nest: a runaway recursion stops with a message.
    static let maximumCallDepth = 100

    // MARK: - Redirections

    /// The files of one statement's redirections, opened before it runs.
    struct Redirection {
        var output: (any ShellOutput)?
        var input: [UInt8]?
        var files: [RedirectFile] = []

        func close() { files.forEach { $0.close() } }

        /// A failed write to a file stops the script, as one to the terminal does.
        func checkWrites(at position: SourcePosition) throws(Interruption) {
            for file in files {
                if let failure = file.writeFailure { throw .outputFailed(failure, position) }
            }
        }
    }

    /// How a file that cannot be opened fails: as the command's own failure (`$error` its
    /// message, as for a store command's), or as the compound statement's.
    enum OpenFailure { case command, statement }

    /// Expands the file names (as data: a name is never parsed again) and opens the files. A
    /// name that is not one non-empty text is a mistake; a file that cannot be opened or read is
    /// a failure, so `kv get b k > /nope/x || …` tests it.
    func openRedirections(_ redirects: [Redirect], failingAs kind: OpenFailure) throws -> Redirection {
        var redirection = Redirection()
        guard !redirects.isEmpty else { return redirection }
        var standardOutput: RedirectFile?
        var standardError: RedirectFile?
        var errorsToOutput = false
        do {
            for redirect in redirects {
                guard let target = redirect.target else {
                    errorsToOutput = true
                    continue
                }
                let path = try fileName(target, after: redirect)
                switch redirect.op {
                case .output, .append:
                    standardOutput = try RedirectFile(path: path, append: redirect.op == .append)
                    redirection.files.append(standardOutput!)
                case .errorOutput, .errorAppend:
                    standardError = try RedirectFile(path: path, append: redirect.op == .errorAppend)
                    redirection.files.append(standardError!)
                case .input:
                    redirection.input = try readRedirectInput(path)
                case .errorToOutput:
                    break
                }
            }
        } catch let error as RedirectError {
            redirection.close()
            if kind == .command { throw CommandError(error.description) }
            throw Interruption.failure(ShellError(error.description, at: redirects[0].position), status: 1)
        } catch {
            redirection.close()
            throw error
        }
        redirection.output = RedirectedOutput(base: output, standardOutput: standardOutput,
                                              standardError: standardError, errorsToOutput: errorsToOutput)
        return redirection
    }

    private func fileName(_ word: Word, after redirect: Redirect) throws(Interruption) -> String {
        let values = try expand([word])
        let text: String
        switch values[0] {
        case .list(let items):
            guard items.count == 1 else {
                throw .mistake(ShellError("'\(redirect.op.rawValue)' needs one file name, but \(word.sourceText) is a list "
                                          + "of \(items.count)", at: word.position), status: 1)
            }
            text = items[0].textForm
        case let value:
            text = value.textForm
        }
        guard !text.isEmpty else {
            throw .mistake(ShellError("the file name after '\(redirect.op.rawValue)' is empty (\(word.sourceText))",
                                      at: word.position), status: 1)
        }
        // The system would cut the name at the NUL and open another file.
        guard !text.unicodeScalars.contains("\0") else {
            throw .mistake(ShellError("the file name after '\(redirect.op.rawValue)' holds a NUL character "
                                      + "(\(word.sourceText)): no file can have that name", at: word.position), status: 1)
        }
        return text
    }

    /// Runs a compound statement with its redirections in force.
    func redirecting(_ redirects: [Redirect], tested: Bool,
                     _ body: () async throws(Interruption) -> Int32) async throws(Interruption) -> Int32 {
        let redirection: Redirection
        do {
            redirection = try openRedirections(redirects, failingAs: .statement)
        } catch Interruption.failure(let error, let status) where tested {
            environment.variables["error"] = .string(error.message)
            return status
        } catch let interruption as Interruption {
            throw interruption
        } catch {
            throw .failure(ShellError("\(error)", at: redirects[0].position), status: 1)
        }
        defer { redirection.close() }
        let saved = output
        output = redirection.output ?? output
        defer { output = saved }
        let status = try await body()
        try redirection.checkWrites(at: redirects[0].position)
        return status
    }

    /// Only store commands that take a value read `< FILE`.
    func refuseInput(_ redirection: Redirection, name: String) throws {
        guard redirection.input != nil else { return }
        throw CommandError.inputRefused(by: name)
    }

    // MARK: - Functions

    func define(_ definition: FunctionDefinition) throws(Interruption) {
        if host.commandNames.contains(definition.name) {
            throw .mistake(ShellError("'\(definition.name)' is a store command: choose another name for the function",
                                      at: definition.position), status: 1)
        }
        environment.functions[definition.name] = definition
    }

    /// Calls a function: its body runs on a copy of the caller's variables with the parameters
    /// bound (each word one value, as `set` takes them), `$1…$N` and `$@` its arguments. What it
    /// sets is forgotten at the end; `return VALUE` is what `let` binds (null without one).
    func call(_ function: FunctionDefinition, _ arguments: [Value], position: SourcePosition) async throws -> Value {
        let fixed = function.parameters.count - (function.collectsRest ? 1 : 0)
        guard function.collectsRest ? arguments.count >= fixed : arguments.count == fixed else {
            let names = function.parameters.enumerated().map { $0.offset == fixed ? "@\($0.element)" : $0.element }
            let expected = function.collectsRest ? "at least \(fixed)" : "\(fixed)"
            throw CommandError("\(function.name): expected \(expected) argument\(fixed == 1 ? "" : "s")"
                               + " (\(names.isEmpty ? "none" : names.joined(separator: " "))), got \(arguments.count)",
                               status: 64)
        }
        guard callDepth < Self.maximumCallDepth else {
            throw Interruption.mistake(ShellError("\(function.name): function calls nested more than "
                                                  + "\(Self.maximumCallDepth) deep (a recursion that does not end?)",
                                                  at: position), status: 1)
        }
        var local = environment
        for (index, name) in function.parameters.prefix(fixed).enumerated() { local.variables[name] = arguments[index] }
        if function.collectsRest { local.variables[function.parameters[fixed]] = .list(Array(arguments.dropFirst(fixed))) }
        local.arguments = arguments.map(\.textForm)
        local.scriptName = function.name
        let saved = environment
        environment = local
        callDepth += 1
        defer {
            environment = saved
            callDepth -= 1
        }
        let outcome: Result<Int32, Interruption>
        do {
            outcome = .success(try await execute(function.body.statements, tested: false))
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success: return .null
        case .failure(.returned(let value)): return value
        case .failure(let interruption): throw interruption
        }
    }

    // MARK: - try

    /// `try`: the body runs as a script does (its first untested failure ends it); `catch`
    /// takes that failure; `finally` runs however the body and the handler ended — a failure,
    /// a mistake, `exit`, `return`, an interruption (then in a task of its own, which only a
    /// second interruption stops). The status is the body's or the handler's; a failure of the
    /// finally block replaces the outcome.
    func run(_ attempt: Attempt, tested: Bool) async throws(Interruption) -> Int32 {
        var outcome: Result<Int32, Interruption>
        do {
            outcome = .success(try await execute(attempt.body.statements, tested: false))
        } catch {
            outcome = .failure(error)
        }
        if case .failure(.failure(let error, let status)) = outcome, let handler = attempt.handler {
            environment.variables["error"] = .string(error.description)
            if let name = attempt.failureName {
                environment.variables[name] = .record(Record([
                    ("message", .string(error.message)), ("status", .int(Int(status))),
                    ("file", .string(error.position.file)), ("line", .int(error.position.line)),
                    ("column", .int(error.position.column)),
                ]))
            }
            do {
                outcome = .success(try await execute(handler.statements, tested: false))
            } catch {
                outcome = .failure(error)
            }
        }
        if let cleanup = attempt.cleanup {
            _ = try await runCleanup(cleanup)
        }
        switch outcome {
        case .success(let status):
            return status
        case .failure(.failure(let error, let status)) where tested:
            environment.variables["error"] = .string(error.description)
            return status
        case .failure(let interruption):
            throw interruption
        }
    }

    /// A cleanup runs in the calling task, unless that task was interrupted: then in a task of
    /// its own, so that its commands run, registered with `cleanups` for a second interruption.
    private func runCleanup(_ block: Block) async throws(Interruption) -> Int32 {
        guard Task.isCancelled else { return try await execute(block.statements, tested: false) }
        let task = Task { () async -> Result<Int32, Interruption> in
            do throws(Interruption) {
                return .success(try await self.execute(block.statements, tested: false))
            } catch {
                return .failure(error)
            }
        }
        let ticket = cleanups.register { task.cancel() }
        defer { cleanups.remove(ticket) }
        return try await task.value.get()
    }
}
