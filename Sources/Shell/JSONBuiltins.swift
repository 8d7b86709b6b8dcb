/// `json OP …`: building and reading JSON documents. Every word is one value (a list variable is
/// one array), and strings always become JSON strings: text is never pasted into a document.
extension ShellSession {
    /// The operations, in the order `help json` lists them, with the number of words after OP
    /// each takes.
    static let jsonOperations: [BuiltinOperation] = [
        BuiltinOperation("encode", "json encode VALUE", 1...1),
        BuiltinOperation("object", "json object [KEY VALUE]…", 0...Int.max),
        BuiltinOperation("array", "json array [VALUE]…", 0...Int.max),
        BuiltinOperation("get", "json get DOC PATH [DEFAULT]", 2...3),
        BuiltinOperation("set", "json set DOC PATH VALUE", 3...3),
        BuiltinOperation("keys", "json keys DOC", 1...1),
    ]

    func json(_ call: BuiltinInvocation) throws -> Value {
        let (op, args) = try BuiltinOperation.select("json", call, from: Self.jsonOperations)
        let result: Value
        let printed: String
        switch op {
        case "encode":
            printed = try Self.encoded(args[0], "json encode")
            result = .string(printed)
        case "object":
            guard args.count % 2 == 0 else {
                throw BuiltinOperation.usageError("json", op, in: Self.jsonOperations,
                                                  "expected pairs of KEY VALUE, got \(args.count) words")
            }
            var fields: [(String, Value)] = []
            var seen = Set<String>()
            for i in stride(from: 0, to: args.count, by: 2) {
                let key = args[i].textForm
                guard seen.insert(key).inserted else {
                    throw CommandError("json object: the key \(Value.quoted(key)) is given twice")
                }
                fields.append((key, args[i + 1]))
            }
            printed = try Self.encoded(.record(Record(fields)), "json object")
            result = .string(printed)
        case "array":
            printed = try Self.encoded(.list(args), "json array")
            result = .string(printed)
        case "get":
            let document = try Self.document(args[0], "json get")
            let steps = try Self.path(args[1], "json get")
            switch JSONPath.value(in: document, at: steps) {
            case .success(let found): result = found
            case .failure(let problem):
                guard case .missing = problem.kind, args.count == 3 else {
                    throw CommandError("json get: \(problem.message)")
                }
                result = args[2]
            }
            switch result {
            case .record, .list, .entry, .null: printed = try Self.encoded(result, "json get")
            default: printed = result.textForm
            }
        case "set":
            let document = try Self.document(args[0], "json set")
            let steps = try Self.path(args[1], "json set")
            let value = try Self.normalized(args[2], "json set")
            let updated: Value
            do throws(JSONPath.Problem) {
                updated = try JSONPath.setting(value, in: document, at: steps[...], walked: [])
            } catch {
                throw CommandError("json set: \(error.message)")
            }
            printed = try Self.encoded(updated, "json set")
            result = .string(printed)
        case "keys":
            let document = try Self.document(args[0], "json keys")
            guard case .record(let record) = document else {
                throw CommandError("json keys: the document is \(JSONPath.kind(document)), not an object")
            }
            result = .list(record.fields.map { .string($0.name) })
            printed = record.fields.map(\.name).joined(separator: "\n")
        default:
            preconditionFailure("json: '\(op)' is in the table but has no case")
        }
        if !call.captured { output.write(printed.isEmpty && op == "keys" ? "" : printed + "\n") }
        return result
    }

    /// The JSON text of a value, or a message naming the command.
    private static func encoded(_ value: Value, _ command: String) throws -> String {
        do throws(JSONText.EncodingError) {
            return try JSONText.encode(value)
        } catch {
            throw CommandError("\(command): \(error)")
        }
    }

    /// A value as JSON sees it: entries become objects, so paths work the same on any input.
    private static func normalized(_ value: Value, _ command: String) throws -> Value {
        switch value {
        case .entry, .record, .list:
            let text = try encoded(value, command)
            do throws(JSONText.SyntaxError) {
                return try JSONText.parse(text)
            } catch {
                throw CommandError("\(command): \(error)")
            }
        default: return value
        }
    }

    /// DOC: the JSON text of a string or an entry's value, or a record or list as it is.
    private static func document(_ value: Value, _ command: String) throws -> Value {
        do throws(Value.NotJSON) {
            if let parsed = try value.parsedJSON() { return parsed }
        } catch {
            throw CommandError("\(command): \(error.message)")
        }
        return try normalized(value, command)
    }

    /// PATH: dot-separated steps, `a.b.0`; the empty path is the whole document.
    private static func path(_ value: Value, _ command: String) throws -> [String] {
        let text = value.textForm
        if text.isEmpty { return [] }
        let steps = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !steps.contains("") else {
            throw CommandError("\(command): the path \(Value.quoted(text)) has an empty step; write steps "
                               + "separated by single dots (a.b.0)", status: 64)
        }
        return steps
    }
}
