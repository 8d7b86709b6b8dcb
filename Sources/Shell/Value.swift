import KeyValue

/// What a variable holds and what a command returns for `let` to bind.
///
/// Values are data: turning one into text (`textForm`) never parses or runs anything.
public enum Value: Sendable, Equatable {
    case string(String)
    case int(Int)
    /// A number that is not an integer `Int` holds, as JSON text gives them (`1.5`, `1e300`).
    case double(Double)
    case bool(Bool)
    /// One revision of a key; fields `key value revision created op bucket delta`.
    case entry(Entry)
    /// Keys, history entries, `$@`… In a command argument an unquoted `$list` becomes one
    /// argument per element; `for` iterates it.
    case list([Value])
    /// Named fields in a fixed order, such as a bucket status or account information.
    case record(Record)
    /// No result (what `use` or `sleep` return).
    case null

    /// The text a value becomes inside a larger word, in double quotes, or as an argument
    /// to a store command:
    /// - string, int, bool: as written (`true`/`false`);
    /// - double: the shortest text that reads back as the same number (`1.5`, `1e+300`);
    /// - entry: its value, decoded as UTF-8 (invalid bytes become U+FFFD);
    /// - list: the elements' text forms joined by single spaces;
    /// - record: its compact JSON object, `{"name":"value","n":1}` (entries in it as objects of
    ///   their fields);
    /// - null: the empty string.
    public var textForm: String {
        switch self {
        case .string(let text): text
        case .int(let n): String(n)
        case .double(let d): Self.shortestText(d)
        case .bool(let b): b ? "true" : "false"
        case .entry(let entry): String(decoding: entry.value, as: UTF8.self)
        case .list(let items): items.map(\.textForm).joined(separator: " ")
        case .record:
            // Compact JSON, so that a part of a JSON document (`$e.json.limits`) passed on is JSON
            // again. Only a non-finite number has no JSON form, and no record is built with one.
            (try? JSONText.encode(self)) ?? "null"
        case .null: ""
        }
    }

    /// `string`, `int`, `number` (a double), `bool`, `entry`, `list`, `record` or `null`.
    public var typeName: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .double: "number"
        case .bool: "bool"
        case .entry: "entry"
        case .list: "list"
        case .record: "record"
        case .null: "null"
        }
    }

    /// The value of `field`, as `$value.field` reads it; nil when there is no such field.
    /// Entries have their fields, records their own, lists `count` and 0-based indexes.
    /// (`json` on a string or an entry parses, so it can fail: `Environment.lookup` reads it
    /// through `parsedJSON()`.)
    public func field(_ name: String) -> Value? {
        switch self {
        case .entry(let entry): Self.entryField(entry, name)
        case .record(let record): record[name]
        case .list(let items):
            if name == "count" { .int(items.count) } else if let i = Int(name), items.indices.contains(i) { items[i] } else { nil }
        default: nil
        }
    }

    /// Why `field` found nothing, in words: what exists instead.
    func missingFieldExplanation(_ name: String) -> String {
        switch self {
        case .entry:
            "an entry has no field '\(name)'; its fields are \(Self.entryFieldNames.joined(separator: ", ")), json"
        case .string:
            "a string has no fields ('.json' reads it as JSON)"
        case .record(let record):
            "the record has no field '\(name)'; its fields are "
                + (record.fields.isEmpty ? "none" : record.fields.map(\.name).joined(separator: ", "))
        case .list(let items):
            if let i = Int(name) {
                "index \(i) is out of range: the list has \(items.count) element\(items.count == 1 ? "" : "s") (indexes start at 0)"
            } else {
                "a list has no field '\(name)'; use .count or an index such as .0"
            }
        default:
            "\(typeName == "int" ? "an" : "a") \(typeName) has no fields"
        }
    }

    static let entryFieldNames = ["key", "value", "revision", "created", "op", "bucket", "delta"]

    /// An entry as a record of its fields, in the order `vars` and `help` list them.
    static func record(of entry: Entry) -> Record {
        Record(entryFieldNames.map { ($0, entryField(entry, $0)!) })
    }

    /// One field of an entry, computed alone: `$event.key` in a hook block need not decode
    /// the value or format the time.
    private static func entryField(_ entry: Entry, _ name: String) -> Value? {
        switch name {
        case "key": .string(entry.key)
        case "value": .string(String(decoding: entry.value, as: UTF8.self))
        case "revision": .int(Int(clamping: entry.revision))
        case "created": .string(Timestamp.rfc3339(entry.created))
        case "op": .string(entry.operation.rawValue)
        case "bucket": .string(entry.bucket)
        case "delta": .int(Int(clamping: entry.delta))
        default: nil
        }
    }

    /// A one-line rendering that shows the type, for `vars`: strings quoted, lists in brackets.
    var displayForm: String {
        switch self {
        case .string(let text): Self.quoted(text)
        case .int, .double, .bool: textForm
        case .entry(let entry):
            "entry \(entry.bucket) > \(entry.key) revision \(entry.revision) \(entry.operation.rawValue): "
                + Self.quoted(String(decoding: entry.value, as: UTF8.self))
        case .list(let items): "[" + items.map(\.displayForm).joined(separator: ", ") + "]"
        case .record(let record):
            "{" + record.fields.map { "\($0.name): \($0.value.displayForm)" }.joined(separator: ", ") + "}"
        case .null: "null"
        }
    }

    /// Swift's shortest round-trip form (`0.1`, `1e+300`, `2.0`), which is also valid JSON
    /// for a finite number.
    static func shortestText(_ d: Double) -> String { d.description }

    /// The text with its control characters written as `\u{1b}`, for messages: a file name
    /// or a field name from data must not move the cursor or clear the screen.
    static func escapingControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var out = ""
        for c in text.unicodeScalars {
            if c.value < 0x20 || c.value == 0x7F {
                out += "\\u{\(String(c.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Double-quoted with kvsh escapes, so control characters cannot reach the terminal raw.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for c in text.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "$": out += "\\$"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default:
                if c.value < 0x20 || c.value == 0x7F {
                    out += "\\u{\(String(c.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }
}

/// Named fields in the order the producer gave them.
public struct Record: Sendable, Equatable {
    /// One named value.
    public struct Field: Sendable, Equatable {
        /// What `$record.NAME` uses.
        public var name: String
        /// The field's value.
        public var value: Value
        /// A field.
        public init(name: String, value: Value) {
            self.name = name
            self.value = value
        }
    }

    /// The fields, in order.
    public private(set) var fields: [Field]

    /// A record of `(name, value)` pairs in the order given.
    public init(_ fields: [(String, Value)]) {
        self.fields = fields.map { Field(name: $0.0, value: $0.1) }
    }

    /// The first field with this name.
    public subscript(name: String) -> Value? {
        fields.first { $0.name == name }?.value
    }
}
