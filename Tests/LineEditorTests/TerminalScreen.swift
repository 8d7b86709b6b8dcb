/// A small terminal emulator (the xterm subset libedit and LineEditor use with TERM=xterm), so
/// tests assert what a person would see rather than the exact escape sequences that drew it.
struct TerminalScreen {
    let rows: Int
    let columns: Int
    private(set) var cells: [[Unicode.Scalar]]
    private(set) var cursorRow = 0
    private(set) var cursorColumn = 0
    /// xterm's "last column flag": a character written in the last column leaves the cursor
    /// there, and the next printable character wraps first.
    private var pendingWrap = false
    private var savedCursor = (row: 0, column: 0)
    private var undecoded: [UInt8] = []
    private var escape: [Unicode.Scalar]?

    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        cells = Array(repeating: Array(repeating: " ", count: columns), count: rows)
    }

    /// The rows as text, trailing blanks removed.
    var lines: [String] {
        cells.map { row in
            var text = String(String.UnicodeScalarView(row))
            while text.last == " " { text.removeLast() }
            return text
        }
    }

    /// The rows up to the last non-blank one (or the cursor's row, whichever is lower).
    var usedLines: [String] {
        let all = lines
        let lastText = all.lastIndex(where: { !$0.isEmpty }) ?? 0
        return Array(all[...max(lastText, cursorRow)])
    }

    var text: String { usedLines.joined(separator: "\n") }

    mutating func feed(_ bytes: some Sequence<UInt8>) {
        undecoded.append(contentsOf: bytes)
        var index = 0
        while index < undecoded.count {
            let lead = undecoded[index]
            let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            guard index + length <= undecoded.count else { break }
            let scalar = String(decoding: undecoded[index..<(index + length)], as: UTF8.self).unicodeScalars.first ?? "?"
            handle(scalar)
            index += length
        }
        undecoded.removeFirst(index)
    }

    private mutating func handle(_ scalar: Unicode.Scalar) {
        if var sequence = escape {
            sequence.append(scalar)
            escape = sequence
            if isComplete(sequence) {
                escape = nil
                perform(sequence)
            }
            return
        }
        switch scalar {
        case "\u{1B}": escape = []
        case "\r": cursorColumn = 0; pendingWrap = false
        case "\n": lineFeed()
        case "\u{8}": cursorColumn = max(0, cursorColumn - 1); pendingWrap = false
        case "\t": cursorColumn = min(columns - 1, (cursorColumn / 8 + 1) * 8); pendingWrap = false
        case "\u{7}", "\u{0}": break
        default:
            guard scalar.value >= 0x20 else { return }
            if pendingWrap {
                cursorColumn = 0
                lineFeed()
            }
            cells[cursorRow][cursorColumn] = scalar
            if cursorColumn == columns - 1 {
                pendingWrap = true
            } else {
                cursorColumn += 1
            }
        }
    }

    private func isComplete(_ sequence: [Unicode.Scalar]) -> Bool {
        guard let first = sequence.first else { return false }
        switch first {
        case "[":
            guard sequence.count > 1, let last = sequence.last else { return false }
            return (0x40...0x7E).contains(last.value)
        case "]":
            return sequence.last == "\u{7}" || (sequence.count > 2 && sequence.suffix(2) == ["\u{1B}", "\\"])
        case "(", ")", "#":
            return sequence.count == 2
        default:
            return true
        }
    }

    private mutating func lineFeed() {
        pendingWrap = false
        if cursorRow == rows - 1 {
            cells.removeFirst()
            cells.append(Array(repeating: " ", count: columns))
        } else {
            cursorRow += 1
        }
    }

    private mutating func perform(_ sequence: [Unicode.Scalar]) {
        switch sequence.first {
        case "7": savedCursor = (cursorRow, cursorColumn)
        case "8": (cursorRow, cursorColumn) = savedCursor; pendingWrap = false
        case "M": if cursorRow > 0 { cursorRow -= 1 }
        case "[": performCSI(sequence)
        default: break  // ESC =, ESC >, charset selection, OSC: no effect on the text
        }
    }

    private mutating func performCSI(_ sequence: [Unicode.Scalar]) {
        let final = sequence.last!
        let body = String(String.UnicodeScalarView(sequence.dropFirst().dropLast()))
        if body.hasPrefix("?") || body.hasPrefix(">") { return }  // modes
        let parameters = body.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) }
        func parameter(_ index: Int, default value: Int = 1) -> Int {
            guard index < parameters.count, let given = parameters[index], given != 0 else { return value }
            return given
        }
        pendingWrap = false
        switch final {
        case "A": cursorRow = max(0, cursorRow - parameter(0))
        case "B": cursorRow = min(rows - 1, cursorRow + parameter(0))
        case "C": cursorColumn = min(columns - 1, cursorColumn + parameter(0))
        case "D": cursorColumn = max(0, cursorColumn - parameter(0))
        case "G": cursorColumn = min(columns - 1, parameter(0) - 1)
        case "d": cursorRow = min(rows - 1, parameter(0) - 1)
        case "H", "f":
            cursorRow = min(rows - 1, parameter(0) - 1)
            cursorColumn = min(columns - 1, parameter(1) - 1)
        case "J":
            switch parameter(0, default: 0) {
            case 0:
                clear(row: cursorRow, from: cursorColumn, to: columns)
                for row in (cursorRow + 1)..<rows { clear(row: row, from: 0, to: columns) }
            case 1:
                for row in 0..<cursorRow { clear(row: row, from: 0, to: columns) }
                clear(row: cursorRow, from: 0, to: cursorColumn + 1)
            default:
                for row in 0..<rows { clear(row: row, from: 0, to: columns) }
            }
        case "K":
            switch parameter(0, default: 0) {
            case 0: clear(row: cursorRow, from: cursorColumn, to: columns)
            case 1: clear(row: cursorRow, from: 0, to: cursorColumn + 1)
            default: clear(row: cursorRow, from: 0, to: columns)
            }
        case "P":
            let count = min(parameter(0), columns - cursorColumn)
            cells[cursorRow].removeSubrange(cursorColumn..<(cursorColumn + count))
            cells[cursorRow].append(contentsOf: Array(repeating: " ", count: count))
        case "@":
            let count = min(parameter(0), columns - cursorColumn)
            cells[cursorRow].insert(contentsOf: Array(repeating: " ", count: count), at: cursorColumn)
            cells[cursorRow].removeLast(count)
        case "X":
            clear(row: cursorRow, from: cursorColumn, to: min(columns, cursorColumn + parameter(0)))
        default:
            break  // m (colours), r, and the rest: no effect on the text
        }
    }

    private mutating func clear(row: Int, from start: Int, to end: Int) {
        guard start < end else { return }
        for column in start..<end { cells[row][column] = " " }
    }
}
