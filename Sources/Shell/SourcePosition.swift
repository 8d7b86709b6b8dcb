/// A place in a script: the file it came from, and a 1-based line and column.
///
/// Columns count Unicode scalars, so a tab or an emoji is one column.
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    /// The script's name as the user gave it (a path, or a label such as `<stdin>`);
    /// empty for a line typed at the prompt.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column, in Unicode scalars.
    public var column: Int

    /// A position in `file`.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, or `line:column` when there is no file name.
    public var description: String {
        file.isEmpty ? "\(line):\(column)" : "\(file):\(line):\(column)"
    }

    /// `line:column`, the form messages use to point at another place in the same file.
    var lineAndColumn: String { "\(line):\(column)" }
}
