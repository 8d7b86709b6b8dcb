/// Quoted field names in the braced form, `${e.json."odd key"}`, kept apart from the lexer's
/// core so that file stays small.
extension Lexer {
    /// `"…"` after a `.` in `${…}`: any text, `\"` and `\\` its only escapes, so a JSON
    /// member such as `a.b` or `odd key` can be named.
    mutating func quotedFieldName(_ reference: SourcePosition) throws(ShellError) -> String {
        let start = position
        advance()
        var name = ""
        while true {
            guard let c = peek() else {
                throw ShellError("unterminated field name starting at \(start.lineAndColumn) in the '${' opened at "
                                 + "\(reference.lineAndColumn)", at: position, isIncomplete: true)
            }
            let escapePosition = position
            advance()
            if c == "\"" { return name }
            if c == "\\" {
                guard let escaped = peek() else {
                    throw ShellError("unterminated field name starting at \(start.lineAndColumn)",
                                     at: position, isIncomplete: true)
                }
                guard escaped == "\"" || escaped == "\\" else {
                    throw ShellError("unknown escape '\\\(escaped)' in a quoted field name: "
                                     + "only \\\" and \\\\ are escapes there", at: escapePosition)
                }
                advance()
                name.unicodeScalars.append(escaped)
            } else {
                name.unicodeScalars.append(c)
            }
        }
    }

    /// A field name as `quotedFieldName` reads it back, without the quotes.
    static func escapedFieldName(_ name: String) -> String {
        var text = ""
        for c in name.unicodeScalars {
            if c == "\"" || c == "\\" { text += "\\" }
            text.unicodeScalars.append(c)
        }
        return text
    }
}
