/// Everything a script can read through `$`: variables, positional arguments, the last
/// status, the process environment, and the bucket `use` chose.
struct Environment: Sendable {
    /// `set` and `let` variables, the `for` variable, and `error` (the last tested failure).
    var variables: [String: Value] = [:]
    /// `$0`: the running script's name (`kvsh` at the prompt).
    var scriptName = "kvsh"
    /// `$1…$N`
    var arguments: [String] = []
    /// `$?`
    var lastStatus: Int32 = 0
    /// `$env.NAME`
    var processEnvironment: [String: String]
    /// The bucket `put`, `get`, `del`… work on after `use BUCKET`.
    var currentBucket: String?
    /// The functions `fn` defined, by name.
    var functions: [String: FunctionDefinition] = [:]
    /// The file being run, against whose directory `source` resolves relative paths;
    /// nil at the prompt (the working directory).
    var scriptPath: String?

    init(processEnvironment: [String: String]) {
        self.processEnvironment = processEnvironment
    }

    /// The value a reference names, following its fields.
    func lookup(_ reference: VariableReference) throws(ShellError) -> Value {
        var value: Value
        var fields = reference.fields[...]
        switch reference.base {
        case .named("env"):
            guard let name = fields.popFirst() else {
                value = .record(Record(processEnvironment.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
                break
            }
            guard let text = processEnvironment[name] else {
                throw ShellError("environment variable '\(name)' is not set", at: reference.position)
            }
            value = .string(text)
        case .named(let name):
            guard let bound = variables[name] else {
                throw ShellError("variable '\(name)' is not set: set it with 'set \(name) VALUE' or "
                                 + "'let \(name) = COMMAND'", at: reference.position)
            }
            value = bound
        case .positional(0):
            value = .string(scriptName)
        case .positional(let n):
            guard n <= arguments.count else {
                throw ShellError("$\(n) is not set: there \(arguments.count == 1 ? "is" : "are") "
                                 + "\(arguments.count) argument\(arguments.count == 1 ? "" : "s") ($# tells how many)",
                                 at: reference.position)
            }
            value = .string(arguments[n - 1])
        case .argumentCount:
            value = .int(arguments.count)
        case .lastStatus:
            value = .int(Int(lastStatus))
        case .allArguments:
            value = .list(arguments.map { .string($0) })
        }
        for index in fields.indices {
            let field = fields[index]
            if field == "json" {
                do throws(Value.NotJSON) {
                    if let document = try value.parsedJSON() {
                        value = document
                        continue
                    }
                } catch {
                    throw ShellError("\(reference.display(fieldCount: index + 1)): \(error.message)", at: reference.position)
                }
            }
            guard let next = value.field(field) else {
                throw ShellError("\(reference.display): \(value.missingFieldExplanation(field))",
                                 at: reference.position)
            }
            value = next
        }
        return value
    }
}
