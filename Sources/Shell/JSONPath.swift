/// Dot-separated paths into JSON documents (`a.b.0`) for `json get` and `json set`: object
/// members by name, array elements by 0-based index.
enum JSONPath {
    /// Why a path does not lead anywhere.
    struct Problem: Error, Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            /// A member or index that does not exist (`json get` falls back to its DEFAULT).
            case missing
            /// A step into something that has no members or elements, or a bad index.
            case wrongType
        }

        var kind: Kind
        var message: String
    }

    /// The value at `steps`, or what stopped the walk.
    static func value(in document: Value, at steps: [String]) -> Result<Value, Problem> {
        var current = document
        for (i, step) in steps.enumerated() {
            let walked = steps[...i].joined(separator: ".")
            switch current {
            case .record(let record):
                guard let next = record[step] else {
                    let names = record.fields.map { Value.quoted($0.name) }
                    return .failure(Problem(kind: .missing, message: "no member \(Value.quoted(step)) at "
                        + "\(Value.quoted(walked)); the object's members are \(names.isEmpty ? "none" : names.joined(separator: ", "))"))
                }
                current = next
            case .list(let items):
                guard let index = Int(step), index >= 0 else {
                    return .failure(Problem(kind: .wrongType, message: "\(Value.quoted(step)) at "
                        + "\(Value.quoted(walked)) is not an index: the array is indexed 0…\(max(items.count - 1, 0))"))
                }
                guard index < items.count else {
                    return .failure(Problem(kind: .missing, message: "no index \(index) at \(Value.quoted(walked)); "
                        + "the array has \(items.count) element\(items.count == 1 ? "" : "s") (indexes start at 0)"))
                }
                current = items[index]
            default:
                return .failure(Problem(kind: .wrongType, message: "\(Value.quoted(walked)) steps into \(kind(current)), "
                    + "which has no members"))
            }
        }
        return .success(current)
    }

    /// `document` with the value at `steps` replaced by `value`: missing object members are
    /// created (as objects on the way), an array index must exist or equal the count (append).
    /// - Throws: `Problem` for a step into a scalar, a bad index, or an index past the end.
    static func setting(_ value: Value, in document: Value, at steps: ArraySlice<String>,
                        walked: [String]) throws(Problem) -> Value {
        guard let step = steps.first else { return value }
        let here = walked + [step]
        let rest = steps.dropFirst()
        switch document {
        case .record(let record):
            var fields = record.fields.map { ($0.name, $0.value) }
            if let i = fields.firstIndex(where: { $0.0 == step }) {
                fields[i].1 = try setting(value, in: fields[i].1, at: rest, walked: here)
            } else {
                fields.append((step, try setting(value, in: .record(Record([])), at: rest, walked: here)))
            }
            return .record(Record(fields))
        case .list(var items):
            let path = Value.quoted(here.joined(separator: "."))
            guard let index = Int(step), index >= 0 else {
                throw Problem(kind: .wrongType, message: "\(Value.quoted(step)) at \(path) is not an index of the array")
            }
            if index < items.count {
                items[index] = try setting(value, in: items[index], at: rest, walked: here)
            } else if index == items.count {
                items.append(try setting(value, in: .record(Record([])), at: rest, walked: here))
            } else {
                throw Problem(kind: .missing, message: "index \(index) at \(path) is past the end: the array has "
                    + "\(items.count) element\(items.count == 1 ? "" : "s"); use \(items.count) to append")
            }
            return .list(items)
        default:
            let path = walked.isEmpty ? "the document" : Value.quoted(walked.joined(separator: "."))
            throw Problem(kind: .wrongType, message: "\(path) is \(kind(document)), not an object or array, "
                + "so it has no member \(Value.quoted(step))")
        }
    }

    /// `an object`, `a string`, … for messages.
    static func kind(_ value: Value) -> String {
        switch value {
        case .record: "an object"
        case .list: "an array"
        case .string: "a string"
        case .int, .double: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .entry: "an entry"
        }
    }
}
