/// A table drawn with rounded box characters, in the style natscli's tables use:
///
/// ```
/// ╭──────────────────────╮
/// │   History for b > k  │
/// ├─────┬──────────┬─────┤
/// │ Key │ Revision │ Op  │
/// ├─────┼──────────┼─────┤
/// │ k   │        1 │ PUT │
/// ╰─────┴──────────┴─────╯
/// ```
///
/// Widths count Unicode scalars, which is right for the ASCII and most Latin text tables
/// hold; East Asian wide characters and emoji will push their row's right edge out.
/// Cells are kept to one line: control characters are escaped as ``ValueText`` does.
struct TextTable: Sendable {
    /// Centred in a row of its own above the headers; nil leaves it out.
    var title: String?
    var headers: [String]
    /// Each row should have `headers.count` cells; missing cells are blank, extra cells dropped.
    var rows: [[String]]
    /// Indexes of columns whose cells are right-aligned (numbers). Headers stay left-aligned.
    var rightAligned: Set<Int>

    init(title: String? = nil, headers: [String], rows: [[String]] = [], rightAligned: Set<Int> = []) {
        self.title = title
        self.headers = headers
        self.rows = rows
        self.rightAligned = rightAligned
    }

    /// Adds a row at the bottom.
    mutating func append(_ row: [String]) { rows.append(row) }

    /// The drawn table, each line ending with a newline.
    func render() -> String {
        let columns = headers.count
        guard columns > 0 else { return "" }
        let header = headers.map(ValueText.escapingControls)
        let body = rows.map { row in
            (0..<columns).map { i in i < row.count ? ValueText.escapingControls(row[i]) : "" }
        }
        var widths = header.map(\.unicodeScalars.count)
        for row in body {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.unicodeScalars.count) }
        }
        let titleText = title.map(ValueText.escapingControls)
        if let titleText {
            // The title row spans all columns; widen the last column when the title is longer.
            let inner = widths.reduce(0, +) + 3 * (columns - 1)
            let needed = titleText.unicodeScalars.count
            if needed > inner { widths[columns - 1] += needed - inner }
        }

        var out = ""
        func rule(_ left: String, _ middle: String, _ right: String) {
            out += left + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: middle) + right + "\n"
        }
        func line(_ cells: [String], alignRight: Set<Int>) {
            out += "│"
            for (i, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.unicodeScalars.count)
                out += " " + (alignRight.contains(i) ? pad + cell : cell + pad) + " │"
            }
            out += "\n"
        }

        if let titleText {
            let inner = widths.reduce(0, +) + 3 * (columns - 1)
            let space = inner - titleText.unicodeScalars.count
            let left = space / 2
            rule("╭", "─", "╮")
            out += "│ " + String(repeating: " ", count: left) + titleText
                + String(repeating: " ", count: space - left) + " │\n"
            rule("├", "┬", "┤")
        } else {
            rule("╭", "┬", "╮")
        }
        line(header, alignRight: [])
        if !body.isEmpty {
            rule("├", "┼", "┤")
            for row in body { line(row, alignRight: rightAligned) }
        }
        rule("╰", "┴", "╯")
        return out
    }
}
