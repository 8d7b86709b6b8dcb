import Foundation
import KeyValue
import Testing
@testable import KvshCLI

extension LocalTimeOutput {
    @Suite("renderGet")
    struct GetTests {
        private func entry(_ value: [UInt8], revision: UInt64 = 3) -> Entry {
            Entry(bucket: "my-kv", key: "Key1", value: value, revision: revision, created: LocalTimeOutput.created)
        }

        @Test func shortText() {
            LocalTimeOutput.useTimeZone()
            #expect(renderGet(entry(Array("Value1".utf8))) == """
                my-kv > Key1 revision: 3 created @ 2026-11-25 05:26:38

                Value1


                """)
        }

        @Test func emptyValue() {
            LocalTimeOutput.useTimeZone()
            #expect(renderGet(entry([])) == "my-kv > Key1 revision: 3 created @ 2026-11-25 05:26:38\n\n\n\n")
        }

        @Test func multiLineTextShownAsIs() {
            LocalTimeOutput.useTimeZone()
            #expect(renderGet(entry(Array("a\n\tb".utf8))).hasSuffix("\n\na\n\tb\n\n"))
        }

        @Test func exactly120BytesIsNotTruncated() {
            LocalTimeOutput.useTimeZone()
            let value = String(repeating: "v", count: 120)
            #expect(renderGet(entry(Array(value.utf8))).hasSuffix("\n\n" + value + "\n\n"))
        }

        @Test func longTextShowsFirst120Bytes() {
            LocalTimeOutput.useTimeZone()
            let value = String(repeating: "0123456789", count: 20)
            #expect(renderGet(entry(Array(value.utf8), revision: 9)) == """
                my-kv > Key1 revision: 9 created @ 2026-11-25 05:26:38

                \(value.prefix(120))
                Showing first 120 bytes of 200, use --raw for full data


                """)
        }

        @Test func longTextIsCutAtACharacterBoundary() {
            LocalTimeOutput.useTimeZone()
            let value = String(repeating: "x", count: 119) + "é" + "tail"  // é is bytes 119 and 120
            let shown = renderGet(entry(Array(value.utf8)))
            #expect(shown.contains("\n\n" + String(repeating: "x", count: 119) + "\nShowing first 120 bytes of 125,"))
        }

        @Test func binaryIsBase64() {
            LocalTimeOutput.useTimeZone()
            #expect(renderGet(entry([0xDE, 0xAD, 0xBE, 0xEF])).hasSuffix("\n\n3q2+7w==\n\n"))
            #expect(renderGet(entry(Array("\u{1B}[2J".utf8))).hasSuffix("\n\nG1sySg==\n\n"))
        }

        @Test func longBinaryShowsFirst120BytesAsBase64() {
            LocalTimeOutput.useTimeZone()
            let value = [UInt8](repeating: 0xFF, count: 300)
            let expected = "\n\n" + String(repeating: "/", count: 160)
                + "\nShowing first 120 bytes of 300, use --raw for full data\n\n"
            #expect(renderGet(entry(value)).hasSuffix(expected))
        }
    }

    @Suite("renderWatchLine")
    struct WatchTests {
        private func entry(_ value: String, _ op: KeyValue.Operation = .put) -> Entry {
            Entry(bucket: "my-kv", key: "Key1", value: Array(value.utf8), revision: 4,
                  created: LocalTimeOutput.walkthrough, operation: op)
        }

        @Test func operations() {
            LocalTimeOutput.useTimeZone()
            #expect(renderWatchLine(entry("Value2")) == "[2021-10-12 13:15:03] PUT my-kv > Key1: Value2")
            #expect(renderWatchLine(entry("", .delete)) == "[2021-10-12 13:15:03] DELETE my-kv > Key1")
            #expect(renderWatchLine(entry("", .purge)) == "[2021-10-12 13:15:03] PURGE my-kv > Key1")
            #expect(renderWatchLine(entry("")) == "[2021-10-12 13:15:03] PUT my-kv > Key1: ")
        }

        @Test func cannotFakeLines() {
            LocalTimeOutput.useTimeZone()
            let fake = "x\n[2021-10-12 13:15:04] DELETE my-kv > Key2"
            #expect(renderWatchLine(entry(fake))
                == #"[2021-10-12 13:15:03] PUT my-kv > Key1: "x\n[2021-10-12 13:15:04] DELETE my-kv > Key2""#)
            #expect(renderWatchLine(entry("\u{1B}[1A\u{1B}[2Kgone\r"))
                == #"[2021-10-12 13:15:03] PUT my-kv > Key1: "\x1b[1A\x1b[2Kgone\r""#)
        }

        @Test func binaryIsBase64() {
            LocalTimeOutput.useTimeZone()
            var e = entry("")
            e.value = [0x00, 0xFF, 0x0A]
            #expect(renderWatchLine(e) == "[2021-10-12 13:15:03] PUT my-kv > Key1: AP8K")
        }

        @Test func controlCharactersInKeyAreEscaped() {
            LocalTimeOutput.useTimeZone()
            var e = entry("v")
            e.key = "k\n1"
            #expect(renderWatchLine(e) == #"[2021-10-12 13:15:03] PUT my-kv > k\n1: v"#)
        }
    }
}
