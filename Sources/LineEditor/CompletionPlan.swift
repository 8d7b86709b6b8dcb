/// What one press of Tab does, decided from the completion callback's candidates (pure, so it
/// is unit-tested apart from the terminal).
enum CompletionPlan: Equatable {
    /// No candidate: beep.
    case none
    /// Replace the word before the cursor with this text (a single candidate, or the common
    /// prefix of several when it is longer than the word).
    case replace(String)
    /// Several candidates and nothing more to insert: show them.
    case list([String])

    /// At most this many candidates are listed; the rest are counted.
    static let listLimit = 100

    init(word: Substring, candidates: [String]) {
        var seen = Set<String>()
        let unique = candidates.filter { seen.insert($0).inserted }
        switch unique.count {
        case 0:
            self = .none
        case 1:
            self = .replace(unique[0])
        default:
            let prefix = Self.commonPrefix(unique)
            self = prefix.count > word.count ? .replace(prefix) : .list(unique)
        }
    }

    /// The word being completed: the characters between the last whitespace before the cursor
    /// and the cursor.
    static func word(before textBeforeCursor: String) -> Substring {
        guard let space = textBeforeCursor.lastIndex(where: \.isWhitespace) else { return textBeforeCursor[...] }
        return textBeforeCursor[textBeforeCursor.index(after: space)...]
    }

    static func commonPrefix(_ strings: [String]) -> String {
        guard let first = strings.first else { return "" }
        var prefix = first[...]
        for string in strings.dropFirst() {
            var end = prefix.startIndex
            var other = string.startIndex
            while end < prefix.endIndex, other < string.endIndex, prefix[end] == string[other] {
                end = prefix.index(after: end)
                other = string.index(after: other)
            }
            prefix = prefix[..<end]
        }
        return String(prefix)
    }

    /// Candidates laid out in columns, row by row (like `ls`), for a terminal `columns` wide.
    /// Trailing whitespace of a candidate (the usual "word is complete" marker) is not shown.
    static func listing(_ candidates: [String], columns: Int) -> [String] {
        let shown = candidates.prefix(listLimit).map { String($0.reversed().drop(while: \.isWhitespace).reversed()) }
        let width = (shown.map(\.count).max() ?? 0) + 2
        let perRow = max(1, columns / max(1, width))
        let rowCount = (shown.count + perRow - 1) / perRow
        var rows: [String] = []
        for row in 0..<rowCount {
            var text = ""
            for column in 0..<perRow {
                let index = column * rowCount + row
                guard index < shown.count else { break }
                let item = shown[index]
                let isLast = (column + 1) * rowCount + row >= shown.count
                text += isLast ? item : item + String(repeating: " ", count: width - item.count)
            }
            rows.append(text)
        }
        if candidates.count > shown.count {
            rows.append("… and \(candidates.count - shown.count) more")
        }
        return rows
    }
}
