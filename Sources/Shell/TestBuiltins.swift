/// `test` and `calc`: just enough comparison and arithmetic for conditions and counters.
extension ShellSession {
    func test(_ call: BuiltinInvocation) throws -> Value {
        let args = call.texts
        let holds: Bool
        let statement: String
        switch args.count {
        case 2 where args[0] == "-z" || args[0] == "-n":
            holds = (args[0] == "-z") == args[1].isEmpty
            statement = "\(args[0]) \(Value.quoted(args[1]))"
        case 3:
            guard let comparison = Self.compare(args[0], args[1], args[2]) else {
                throw call.usageError(.test, "unknown operator '\(args[1])'; use == != < <= > >=")
            }
            holds = comparison
            statement = "\(Value.quoted(args[0])) \(args[1]) \(Value.quoted(args[2]))"
        default:
            throw call.usageError(.test, "expected A OP B, -z S or -n S")
        }
        guard holds else { throw CommandError("test: \(statement) does not hold") }
        return .bool(true)
    }

    /// Integers compare as numbers, and so do other numbers (`0.5`, `1e3`: JSON's); anything
    /// else as text. Nil for an unknown operator.
    private static func compare(_ a: String, _ op: String, _ b: String) -> Bool? {
        let order: Int
        if let x = Int(a), let y = Int(b) {
            order = x < y ? -1 : (x == y ? 0 : 1)
        } else if let x = number(a), let y = number(b) {
            order = x < y ? -1 : (x == y ? 0 : 1)
        } else {
            order = a < b ? -1 : (a == b ? 0 : 1)
        }
        switch op {
        case "==": return order == 0
        case "!=": return order != 0
        case "<": return order < 0
        case "<=": return order <= 0
        case ">": return order > 0
        case ">=": return order >= 0
        default: return nil
        }
    }

    /// A finite decimal number as JSON writes one; not `inf`, `nan` or hexadecimal forms.
    private static func number(_ text: String) -> Double? {
        guard let first = text.unicodeScalars.first, first == "-" || Lexer.isDigit(first),
              text.unicodeScalars.allSatisfy({ Lexer.isDigit($0) || ".eE+-".unicodeScalars.contains($0) }),
              let value = Double(text), value.isFinite else { return nil }
        return value
    }

    func calc(_ call: BuiltinInvocation) throws -> Value {
        let args = call.texts
        guard args.count == 3 else { throw call.usageError(.calc, "expected A OP B") }
        guard let a = Int(args[0]) else { throw CommandError("calc: '\(args[0])' is not an integer") }
        guard let b = Int(args[2]) else { throw CommandError("calc: '\(args[2])' is not an integer") }
        let result: (partialValue: Int, overflow: Bool)
        switch args[1] {
        case "+": result = a.addingReportingOverflow(b)
        case "-": result = a.subtractingReportingOverflow(b)
        case "*": result = a.multipliedReportingOverflow(by: b)
        case "/", "%":
            guard b != 0 else { throw CommandError("calc: division by zero in \(a) \(args[1]) 0") }
            result = args[1] == "/" ? a.dividedReportingOverflow(by: b) : a.remainderReportingOverflow(dividingBy: b)
        default:
            throw call.usageError(.calc, "unknown operator '\(args[1])'; use + - * / %")
        }
        guard !result.overflow else { throw CommandError("calc: \(a) \(args[1]) \(b) overflows") }
        if !call.captured { output.write("\(result.partialValue)\n") }
        return .int(result.partialValue)
    }
}
