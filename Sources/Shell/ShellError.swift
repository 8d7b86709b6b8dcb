/// A syntax or runtime error of the command language, with the place it happened.
///
/// The message says what went wrong or what was expected, e.g.
/// `expected '}' to close the block opened at 3:10, found end of input`.
/// `description` is the `file:line:column: message` form scripts print.
public struct ShellError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the problem is: the offending token, or the end of input for an unclosed construct.
    public var position: SourcePosition
    /// What was expected or what went wrong, without the position.
    public var message: String
    /// True when the error is only that the input ended too early (an open brace or quote,
    /// a trailing `&&`): more lines could complete it.
    public var isIncomplete: Bool

    /// An error at `position`.
    public init(_ message: String, at position: SourcePosition, isIncomplete: Bool = false) {
        self.message = message
        self.position = position
        self.isIncomplete = isIncomplete
    }

    /// `file:line:column: message`
    public var description: String { "\(position): \(message)" }
}
