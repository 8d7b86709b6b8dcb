/// One operation of a built-in that groups several (`str length`, `json get`): its name, its
/// usage for messages and `help`, and how many words it takes after its name. The table of a
/// built-in is the one list that dispatch, the checks and `help` read.
struct BuiltinOperation: Sendable {
    let name: String
    let usage: String
    let arity: ClosedRange<Int>

    init(_ name: String, _ usage: String, _ arity: ClosedRange<Int>) {
        self.name = name
        self.usage = usage
        self.arity = arity
    }

    /// The operation a call names and the words after it, checked against `table`.
    /// - Throws: a usage error (status 64) for a missing or unknown operation, or a wrong
    ///   number of words.
    static func select(_ command: String, _ call: BuiltinInvocation,
                       from table: [BuiltinOperation]) throws -> (op: String, words: [Value]) {
        guard let op = call.words.first?.textForm else {
            throw listing(command, "expected an operation", table)
        }
        guard let operation = table.first(where: { $0.name == op }) else {
            throw listing(command, "unknown operation '\(op)'", table)
        }
        let words = Array(call.words.dropFirst())
        guard operation.arity.contains(words.count) else { throw usageError(command, op, in: table) }
        return (op, words)
    }

    /// A usage error for one operation, with its usage (status 64).
    static func usageError(_ command: String, _ op: String, in table: [BuiltinOperation],
                           _ problem: String = "wrong number of arguments") -> CommandError {
        let usage = table.first { $0.name == op }?.usage ?? command
        return CommandError("\(command) \(op): \(problem) (usage: \(usage))", status: 64)
    }

    /// A usage error listing the operations of `command` (status 64).
    private static func listing(_ command: String, _ problem: String, _ table: [BuiltinOperation]) -> CommandError {
        CommandError("\(command): \(problem); the operations are " + table.map(\.name).joined(separator: " ")
                     + " (run 'help \(command)')", status: 64)
    }
}
