extension ShellSession {
    /// How deep `source` may nest: deep enough for any real layout, shallow enough to stop a
    /// file that sources itself before it exhausts anything.
    static let maximumSourceDepth = 32

    func source(_ call: BuiltinInvocation) async throws -> Value {
        guard let path = call.texts.first, !path.isEmpty else {
            throw call.usageError(.source, "expected a file name")
        }
        guard sourceDepth < Self.maximumSourceDepth else {
            throw CommandError("source: files nested more than \(Self.maximumSourceDepth) deep "
                               + "(does '\(path)' source itself?)")
        }
        let resolved = ScriptFile.resolve(path, relativeTo: environment.scriptPath)
        let text: String
        do {
            text = try ScriptFile.read(resolved)
        } catch {
            throw CommandError("source: \(error)")
        }
        let script: Script
        do {
            script = try Parser.parse(text, file: resolved)
        } catch {
            throw Interruption.mistake(error, status: Self.syntaxErrorStatus)
        }

        let saved = (environment.scriptName, environment.arguments, environment.scriptPath)
        environment.scriptName = resolved
        environment.scriptPath = resolved
        if call.texts.count > 1 { environment.arguments = Array(call.texts.dropFirst()) }
        sourceDepth += 1
        defer {
            sourceDepth -= 1
            (environment.scriptName, environment.arguments, environment.scriptPath) = saved
        }
        _ = try await execute(script.statements, tested: false)
        return .null
    }
}
