/// A `{ … }` block a command received to run later: the body of `on put my-kv { … }`.
///
/// Each run gets a session of its own, so a block never interleaves with the script or the
/// prompt that registered it (nor with another run). That session starts from a copy of the
/// registering session as it was when the command ran: its variables, `$1…$N` and current
/// bucket; what a run sets is forgotten when it ends.
public struct CommandBlock: Sendable {
    let statements: [Statement]
    let environment: Environment
    let host: any CommandHost
    /// Where the block opens (`{`), for messages.
    public let position: SourcePosition

    /// Runs the block with `bindings` added to its variables (a hook binds `event`), printing
    /// through `output`. Returns its status as a script's: a failure nobody tested stops the
    /// block, `file:line:column: message` goes to `output.writeError`, and its status is returned.
    ///
    /// With `quietWhenInterrupted`, a cancelled run returns 130 without printing `interrupted`:
    /// for a caller whose own statement reports the interruption (a `lock` block's).
    public func run(binding bindings: [String: Value], output: any ShellOutput,
                    quietWhenInterrupted: Bool = false) async -> Int32 {
        var environment = self.environment
        environment.variables.merge(bindings) { _, new in new }
        environment.lastStatus = 0
        let session = ShellSession(host: host, output: output, state: environment)
        return await session.runBlock(statements, quietWhenInterrupted: quietWhenInterrupted)
    }
}
