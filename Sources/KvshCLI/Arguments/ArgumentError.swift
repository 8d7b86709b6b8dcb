import KeyValue

/// A command-line or shell argument that could not be understood. The description says
/// what was wrong with the input and what a valid one looks like.
struct ArgumentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The full message, e.g. `invalid duration "abc": use a number with a unit such as 30s, 5m, 1h, 2d`.
    var message: String

    init(_ message: String) { self.message = message }

    var description: String { message }

    /// `text` in double quotes, with `"`, `\` and control characters escaped, for quoting
    /// user input inside a message without letting it break the message's line.
    static func quoted(_ text: String) -> String { DisplayText.quoted(text) }
}
