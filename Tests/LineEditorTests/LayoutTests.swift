@testable import LineEditor
import Testing

@Suite("Prompt text and edit-area arithmetic")
struct LayoutTests {
    private let esc = "\u{1B}"
    private let mark = "\u{1}"

    @Test("a plain prompt is passed as is")
    func plainPrompt() {
        let prompt = PromptText("demo> ")
        #expect(prompt.libeditText == "demo> ")
        #expect(prompt.visible.count == 6)
    }

    @Test("escape sequences are bracketed, merged when adjacent, and take no columns")
    func escapes() {
        let coloured = PromptText("\(esc)[1;32mdemo\(esc)[0m> ")
        #expect(coloured.libeditText == "\(mark)\(esc)[1;32m\(mark)demo\(mark)\(esc)[0m\(mark)> ")
        #expect(String(String.UnicodeScalarView(coloured.visible)) == "demo> ")

        let adjacent = PromptText("\(esc)[1m\(esc)[32mx> ")
        #expect(adjacent.libeditText == "\(mark)\(esc)[1m\(esc)[32m\(mark)x> ")

        let title = PromptText("\(esc)]0;my title\u{7}kv> ")
        #expect(title.libeditText == "\(mark)\(esc)]0;my title\u{7}\(mark)kv> ")
        #expect(title.visible.count == 4)
    }

    @Test("sequences after the last visible character move before it (libedit would drop them)")
    func trailingEscape() {
        #expect(PromptText("kv>\(esc)[0m").libeditText == "kv\(mark)\(esc)[0m\(mark)>")
        #expect(PromptText("\(esc)[0m").libeditText == "")
        #expect(PromptText("").visible.isEmpty)
    }

    @Test("control characters other than escapes are dropped: a prompt is one row")
    func controlCharacters() {
        #expect(PromptText("a\nb\tc\u{1}> ").libeditText == "abc> ")
    }

    @Test("a line on one row")
    func oneRow() {
        let position = EditAreaPosition(prompt: scalars("demo> "), line: scalars("abc"), cursor: 1, columns: 80)
        #expect(position == EditAreaPosition(cursorRow: 0, lastRow: 0))
        #expect(position.eraseSequence == "\r\(esc)[J")
        #expect(position.leaveSequence == "\r\n")
    }

    @Test("a wrapped line: the rows above the cursor are counted from the prompt's row")
    func wrapped() {
        let line = scalars(String(repeating: "x", count: 46))  // 6 + 46 = 52 cells at 30 columns
        let atStart = EditAreaPosition(prompt: scalars("demo> "), line: line, cursor: 0, columns: 30)
        #expect(atStart == EditAreaPosition(cursorRow: 0, lastRow: 1))
        #expect(atStart.eraseSequence == "\r\(esc)[J")
        #expect(atStart.leaveSequence == "\(esc)[1B\r\n")

        let atEnd = EditAreaPosition(prompt: scalars("demo> "), line: line, cursor: 46, columns: 30)
        #expect(atEnd == EditAreaPosition(cursorRow: 1, lastRow: 1))
        #expect(atEnd.eraseSequence == "\r\(esc)[1A\(esc)[J")
        #expect(atEnd.leaveSequence == "\r\n")

        let threeRows = EditAreaPosition(prompt: scalars("demo> "), line: scalars(String(repeating: "y", count: 70)),
                                         cursor: 30, columns: 30)
        #expect(threeRows == EditAreaPosition(cursorRow: 1, lastRow: 2))
        #expect(threeRows.eraseSequence == "\r\(esc)[1A\(esc)[J")
        #expect(threeRows.leaveSequence == "\(esc)[1B\r\n")
    }

    @Test("text that exactly fills its row puts the cursor alone on the next row")
    func exactFill() {
        let position = EditAreaPosition(prompt: scalars("demo> "), line: scalars(String(repeating: "z", count: 24)),
                                        cursor: 24, columns: 30)
        #expect(position.cursorRow == 1)
        #expect(position.lastRow == 0)
        #expect(position.cursorBelowText)
        #expect(position.eraseSequence == "\r\(esc)[1A\(esc)[J")
        #expect(position.leaveSequence == "\r")
    }

    @Test("control characters take two cells, tabs go to the next stop, newlines start a row")
    func characterClasses() {
        let controls = EditAreaPosition(prompt: [], line: scalars(String(repeating: "\u{1}", count: 5)), cursor: 5,
                                        columns: 10, classify: Self.ascii)
        #expect(controls.cursorRow == 1 && controls.cursorBelowText)

        var layout = ScreenLayout(columns: 20, classify: Self.ascii)
        for scalar in scalars("ab\tc") { layout.addLineCharacter(scalar) }
        #expect(layout.row == 0 && layout.column == 9)

        let newline = EditAreaPosition(prompt: scalars("> "), line: scalars("ab\ncd"), cursor: 5, columns: 80,
                                       classify: Self.ascii)
        #expect(newline == EditAreaPosition(cursorRow: 1, lastRow: 1))
    }

    @Test("a wide character that does not fit the row moves to the next one")
    func wideCharacter() {
        let classify: (Unicode.Scalar) -> ScreenLayout.CharacterClass = { $0 == "W" ? .printable(width: 2) : Self.ascii($0) }
        var layout = ScreenLayout(columns: 10, classify: classify)
        for scalar in scalars("123456789W") { layout.addLineCharacter(scalar) }
        #expect(layout.row == 1 && layout.column == 2)
    }

    @Test("text for a raw-mode terminal returns the carriage at each newline, once")
    func rawModeLines() {
        #expect(EditorTerminal.rawModeLines("a\nb\r\nc\n") == "a\r\nb\r\nc\r\n")
    }

    private func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }

    /// libedit's classes for ASCII, independent of the test process's locale.
    private static func ascii(_ scalar: Unicode.Scalar) -> ScreenLayout.CharacterClass {
        switch scalar {
        case "\t": return .tab
        case "\n": return .newline
        case _ where scalar.value < 0x20 || scalar.value == 0x7F: return .control
        default: return .printable(width: 1)
        }
    }
}

extension EditAreaPosition {
    init(cursorRow: Int, lastRow: Int) {
        self.init(prompt: [], line: [], cursor: 0, columns: 80)
        self.cursorRow = cursorRow
        self.lastRow = lastRow
        cursorBelowText = cursorRow > lastRow
    }
}
