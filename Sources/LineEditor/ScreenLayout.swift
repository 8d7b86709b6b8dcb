import CEditLine

/// Where libedit puts things on the screen: the same cell arithmetic as its refresh code
/// (`re_putc`/`re_addc` in refresh.c), so LineEditor knows how many rows above the cursor the
/// prompt starts — the one thing it must know to print a line above a partly typed, wrapped
/// input without leaving fragments behind.
///
/// Rows and columns count from the prompt's first cell (row 0, column 0).
struct ScreenLayout {
    /// How libedit draws one character of the edit buffer.
    enum CharacterClass: Equatable {
        case tab
        case newline
        /// Shown as `^X` (two cells).
        case control
        /// Drawn as itself, `width` cells wide (0 for combining marks).
        case printable(width: Int)
        /// Shown as `\U+XXXX` (7 or 8 cells).
        case unprintable(width: Int)
    }

    let columns: Int
    private let classify: (Unicode.Scalar) -> CharacterClass
    private(set) var row = 0
    private(set) var column = 0

    init(columns: Int, classify: @escaping (Unicode.Scalar) -> CharacterClass = ScreenLayout.libeditClass) {
        self.columns = max(2, columns)
        self.classify = classify
    }

    /// A prompt character: libedit puts each one as is (`re_putc`), whatever its class.
    mutating func addPromptCharacter(_ scalar: Unicode.Scalar) {
        switch classify(scalar) {
        case .printable(let width): put(width: width)
        case .tab, .newline, .control, .unprintable: break  // width -1 → 0 in libedit
        }
    }

    /// A character of the edit buffer (`re_addc`).
    mutating func addLineCharacter(_ scalar: Unicode.Scalar) {
        switch classify(scalar) {
        case .tab:
            repeat { put(width: 1) } while column % 8 != 0
        case .newline:
            row += 1
            column = 0
        case .control:
            put(width: 1)
            put(width: 1)
        case .printable(let width):
            put(width: width)
        case .unprintable(let width):
            for _ in 0..<width { put(width: 1) }
        }
    }

    /// One glyph: a wide glyph that does not fit moves to the next row (padding with blanks);
    /// filling the last column moves the cursor to the start of the next row.
    private mutating func put(width: Int) {
        while column > 0, column + width > columns { put(width: 1) }
        column += width
        if column >= columns {
            row += 1
            column = 0
        }
    }

    /// libedit's classification (`ct_chr_class`, `ct_visual_width`), in the current locale.
    static func libeditClass(_ scalar: Unicode.Scalar) -> CharacterClass {
        let c = wchar_t(bitPattern: scalar.value)
        if scalar == "\t" { return .tab }
        if scalar == "\n" { return .newline }
        if scalar.value < 0x100, kv_iswcntrl(c) != 0 { return .control }
        if kv_iswprint(c) != 0 { return .printable(width: max(0, Int(kv_wcwidth(c)))) }
        return .unprintable(width: scalar.value > 0xFFFF ? 8 : 7)
    }
}

/// Where the cursor and the end of the line are, relative to the prompt's first row.
struct EditAreaPosition: Equatable {
    /// Rows between the prompt's first row and the cursor's row.
    var cursorRow: Int
    /// The last row holding a cell of the prompt or the line.
    var lastRow: Int
    /// True when the cursor sits alone on a row below the text (the text exactly fills its
    /// last row and the cursor is at its end).
    var cursorBelowText: Bool

    init(prompt: [Unicode.Scalar], line: [Unicode.Scalar], cursor: Int, columns: Int,
         classify: @escaping (Unicode.Scalar) -> ScreenLayout.CharacterClass = ScreenLayout.libeditClass) {
        var layout = ScreenLayout(columns: columns, classify: classify)
        for scalar in prompt { layout.addPromptCharacter(scalar) }
        let cursor = min(max(0, cursor), line.count)
        for scalar in line[..<cursor] { layout.addLineCharacter(scalar) }
        cursorRow = layout.row
        for scalar in line[cursor...] { layout.addLineCharacter(scalar) }
        let textEndsRow = layout.column == 0 && layout.row > 0 && line.last != "\n"
        lastRow = textEndsRow ? layout.row - 1 : layout.row
        cursorBelowText = cursorRow > lastRow
    }

    /// Moves from the cursor to the start of the prompt's first row and erases everything from
    /// there down: the edit area is gone and libedit can redraw it from scratch.
    var eraseSequence: String {
        "\r" + (cursorRow > 0 ? "\u{1B}[\(cursorRow)A" : "") + "\u{1B}[J"
    }

    /// Moves from the cursor to the start of the row below the edit area, leaving the edit area
    /// on screen as it is.
    var leaveSequence: String {
        if cursorBelowText { return "\r" }
        let down = lastRow - cursorRow
        return (down > 0 ? "\u{1B}[\(down)B" : "") + "\r\n"
    }
}
