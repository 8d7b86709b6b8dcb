/// Reading ArgumentParser's generated help: an option row starts two spaces in with `-`
/// (`  -s, --server <server>   NATS server URLs…`); its wrapped description continues on lines
/// indented further.
enum HelpText {
    struct OptionRow {
        /// `-s`, `--server`; both names of an inversion (`--deletes/--no-deletes`).
        var names: [String]
        var takesValue: Bool
        /// The row's lines, continuations included.
        var lines: [Substring]
    }

    static func optionRows(_ text: String) -> [OptionRow] {
        var rows: [OptionRow] = []
        var current: OptionRow?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let row = optionRow(line) {
                if let current { rows.append(current) }
                current = row
            } else if current != nil, line.hasPrefix("   ") {
                current?.lines.append(line)
            } else if let row = current {
                rows.append(row)
                current = nil
            }
        }
        if let current { rows.append(current) }
        return rows
    }

    /// `text` without the option rows that have any of `names`.
    static func removingOptions(_ names: Set<String>, from text: String) -> String {
        var kept: [Substring] = []
        var dropping = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let row = optionRow(line) {
                dropping = row.names.contains(where: names.contains)
            } else if !line.hasPrefix("   ") {
                dropping = false
            }
            if !dropping { kept.append(line) }
        }
        return kept.joined(separator: "\n")
    }

    /// The row `line` starts, or nil when it starts none.
    private static func optionRow(_ line: Substring) -> OptionRow? {
        guard line.hasPrefix("  -"), !line.hasPrefix("  - ") else { return nil }
        // The first column ends at the first run of two spaces.
        var column = line.dropFirst(2)
        if let end = column.indices.first(where: { column[$0] == " " && column[column.index(after: $0)...].first == " " }) {
            column = column[..<end]
        }
        var names: [String] = []
        for part in column.split(separator: ",") {
            let spelling = part.drop { $0 == " " }.prefix { $0 != " " }
            names += spelling.split(separator: "/").map(String.init)
        }
        return OptionRow(names: names, takesValue: column.contains("<"), lines: [line])
    }
}
