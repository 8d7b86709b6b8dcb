/// `str OP …`: string operations. Lengths and positions count characters (Swift `Character`s,
/// grapheme clusters), so `é` or a flag emoji is one, whatever its bytes.
extension ShellSession {
    /// The operations, in the order `help str` lists them, with the number of words after OP
    /// each takes (`join`: at least one).
    static let stringOperations: [BuiltinOperation] = [
        BuiltinOperation("length", "str length S", 1...1),
        BuiltinOperation("upper", "str upper S", 1...1),
        BuiltinOperation("lower", "str lower S", 1...1),
        BuiltinOperation("trim", "str trim S", 1...1),
        BuiltinOperation("sub", "str sub S START [LENGTH]", 2...3),
        BuiltinOperation("split", "str split S SEP", 2...2),
        BuiltinOperation("join", "str join SEP VALUE…", 1...Int.max),
        BuiltinOperation("replace", "str replace S OLD NEW", 3...3),
        BuiltinOperation("contains", "str contains S T", 2...2),
        BuiltinOperation("starts", "str starts S PREFIX", 2...2),
        BuiltinOperation("ends", "str ends S SUFFIX", 2...2),
    ]

    func str(_ call: BuiltinInvocation) throws -> Value {
        let (op, words) = try BuiltinOperation.select("str", call, from: Self.stringOperations)
        let args = words.map(\.textForm)
        let result: Value
        switch op {
        case "length": result = .int(args[0].count)
        case "upper": result = .string(args[0].uppercased())
        case "lower": result = .string(args[0].lowercased())
        case "trim": result = .string(Self.trimmed(args[0]))
        case "sub": result = .string(try Self.substring(args))
        case "split":
            guard !args[1].isEmpty else { throw CommandError("str split: SEP must not be empty", status: 64) }
            result = .list(args[0].split(separator: args[1], omittingEmptySubsequences: false).map { .string(String($0)) })
        case "join":
            let items = Expander.spread(Array(words.dropFirst())).map(\.textForm)
            result = .string(items.joined(separator: args[0]))
        case "replace":
            guard !args[1].isEmpty else { throw CommandError("str replace: OLD must not be empty", status: 64) }
            result = .string(args[0].replacing(args[1], with: args[2]))
        default:
            return try stringPredicate(op, args[0], args[1])
        }
        if !call.captured {
            if case .list(let items) = result {
                output.write(items.map { $0.textForm + "\n" }.joined())
            } else {
                output.write(result.textForm + "\n")
            }
        }
        return result
    }

    /// contains, starts, ends: nothing printed; a failure says what did not hold.
    private func stringPredicate(_ op: String, _ s: String, _ t: String) throws -> Value {
        let holds: Bool
        let verb: String
        switch op {
        case "contains":
            holds = t.isEmpty || s.contains(t)
            verb = "contain"
        case "starts":
            holds = s.starts(with: t)
            verb = "start with"
        default:
            holds = s.reversed().starts(with: t.reversed())
            verb = "end with"
        }
        guard holds else { throw CommandError("str \(op): \(Value.quoted(s)) does not \(verb) \(Value.quoted(t))") }
        return .bool(true)
    }

    /// Whitespace and newlines removed from both ends.
    private static func trimmed(_ s: String) -> String {
        guard let first = s.firstIndex(where: { !$0.isWhitespace }),
              let last = s.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(s[first...last])
    }

    /// `sub S START [LENGTH]`: a negative START counts from the end (-1 is the last character);
    /// START and LENGTH are clamped to the string, so out-of-range parts give less, not an error.
    private static func substring(_ args: [String]) throws -> String {
        guard let start = Int(args[1]) else {
            throw CommandError("str sub: START must be an integer, got \(Value.quoted(args[1]))", status: 64)
        }
        let characters = Array(args[0])
        let count = characters.count
        let from = start < 0 ? max(0, count + max(start, -count)) : min(start, count)
        var to = count
        if args.count == 3 {
            guard let length = Int(args[2]), length >= 0 else {
                throw CommandError("str sub: LENGTH must be an integer 0 or more, got \(Value.quoted(args[2]))", status: 64)
            }
            to = from + min(length, count - from)
        }
        return String(characters[from..<to])
    }
}
