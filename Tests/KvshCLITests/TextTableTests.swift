import Testing
@testable import KvshCLI

@Suite("TextTable")
struct TextTableTests {
    @Test func titledWithRightAlignedColumn() {
        let table = TextTable(
            title: "Things", headers: ["Name", "Count"],
            rows: [["apple", "3"], ["kiwi", "1,024"]], rightAligned: [1])
        #expect(table.render() == """
            ╭───────────────╮
            │    Things     │
            ├───────┬───────┤
            │ Name  │ Count │
            ├───────┼───────┤
            │ apple │     3 │
            │ kiwi  │ 1,024 │
            ╰───────┴───────╯

            """)
    }

    @Test func untitled() {
        let table = TextTable(headers: ["A", "B"], rows: [["1", "22"]])
        #expect(table.render() == """
            ╭───┬────╮
            │ A │ B  │
            ├───┼────┤
            │ 1 │ 22 │
            ╰───┴────╯

            """)
    }

    @Test func noRows() {
        #expect(TextTable(headers: ["Key"]).render() == """
            ╭─────╮
            │ Key │
            ╰─────╯

            """)
    }

    @Test func longTitleWidensLastColumn() {
        let table = TextTable(title: "A rather long title", headers: ["A", "B"], rows: [["1", "2"]])
        #expect(table.render() == """
            ╭─────────────────────╮
            │ A rather long title │
            ├───┬─────────────────┤
            │ A │ B               │
            ├───┼─────────────────┤
            │ 1 │ 2               │
            ╰───┴─────────────────╯

            """)
    }

    @Test func unicodeCellsShortRowsAndControlCharacters() {
        var table = TextTable(headers: ["K", "V"])
        table.append(["ключ"])
        table.append(["a\nb", "x", "dropped"])
        #expect(table.render() == """
            ╭──────┬───╮
            │ K    │ V │
            ├──────┼───┤
            │ ключ │   │
            │ a\\nb │ x │
            ╰──────┴───╯

            """)
    }

    @Test func noColumns() {
        #expect(TextTable(headers: []).render() == "")
    }
}
