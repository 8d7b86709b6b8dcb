/// Turns words into values. Substituted values are data: they are joined as text or passed
/// whole, never lexed, split or expanded again, so a value holding `; echo pwned` or `$x`
/// stays exactly that text.
struct Expander {
    let environment: Environment

    /// One value per word. A word that is exactly one unquoted variable reference keeps the
    /// variable's value (an entry stays an entry, a list a list); every other word is a string.
    func values(of words: [Word]) throws(ShellError) -> [Value] {
        var result: [Value] = []
        result.reserveCapacity(words.count)
        for word in words { result.append(try value(of: word)) }
        return result
    }

    func value(of word: Word) throws(ShellError) -> Value {
        if word.parts.count == 1, case .variable(let reference) = word.parts[0] {
            return try environment.lookup(reference)
        }
        var text = ""
        for part in word.parts { try append(part, to: &text) }
        return .string(text)
    }

    private func append(_ part: WordPart, to text: inout String) throws(ShellError) {
        switch part {
        case .literal(let literal), .quoted(let literal):
            text += literal
        case .doubleQuoted(let parts):
            for inner in parts { try append(inner, to: &text) }
        case .variable(let reference):
            text += try environment.lookup(reference).textForm
        }
    }

    /// Command arguments: a list (only an unquoted `$list` word yields one) becomes one
    /// argument per element; everything else stays one argument.
    static func spread(_ values: [Value]) -> [Value] {
        var result: [Value] = []
        for value in values {
            if case .list(let items) = value { result.append(contentsOf: items) } else { result.append(value) }
        }
        return result
    }
}
