/// The `json` field of strings and entries: their text read as a JSON document.
extension Value {
    /// Why a value's text is not a JSON document, in words (`the value of cfg > app is not
    /// JSON: expected ',' or '}', found 'x' at byte 14`).
    struct NotJSON: Error, Sendable, Equatable {
        var message: String
    }

    /// The document `.json` reads from a string or an entry's value; nil for other types,
    /// which have no `json` field (records and lists keep their own fields).
    /// - Throws: `NotJSON` when the text is not one JSON document (an entry's value must also be UTF-8).
    func parsedJSON() throws(NotJSON) -> Value? {
        do throws(JSONText.SyntaxError) {
            switch self {
            case .string(let text): return try JSONText.parse(text)
            case .entry(let entry): return try JSONText.parse(bytes: entry.value)
            default: return nil
            }
        } catch {
            throw NotJSON(message: "\(jsonSourceName) is not JSON: \(error)")
        }
    }

    /// What messages call the text a document came from.
    var jsonSourceName: String {
        switch self {
        case .entry(let entry): "the value of \(entry.bucket) > \(entry.key)"
        case .string: "the string"
        default: "the \(typeName)"
        }
    }
}
