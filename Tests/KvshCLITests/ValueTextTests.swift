import Foundation
import JetStream
import KeyValue
import NATSClient
import NATSWire
import Testing
@testable import KvshCLI

@Suite("base64")
struct Base64Tests {
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"), ("Value1", "VmFsdWUx"),
    ])
    func rfc4648Vectors(_ text: String, _ expected: String) {
        #expect(base64Encoded(Array(text.utf8)) == expected)
    }

    @Test func matchesFoundationForAllByteValues() {
        let bytes = (0...255).map(UInt8.init) + [0xFF, 0x00]
        #expect(base64Encoded(bytes) == Data(bytes).base64EncodedString())
        #expect(base64Encoded(bytes[3..<100]) == Data(bytes[3..<100]).base64EncodedString())
    }
}

@Suite("ValueText")
struct ValueTextTests {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func printableText() {
        #expect(ValueText.isPrintableText(bytes("Value1")))
        #expect(ValueText.isPrintableText(bytes("")))
        #expect(ValueText.isPrintableText(bytes("two\nlines\tand tab")))
        #expect(ValueText.isPrintableText(bytes("héllo wörld ✓ 日本")))
        #expect(!ValueText.isPrintableText(bytes("carriage\rreturn")))
        #expect(!ValueText.isPrintableText(bytes("\u{1B}[31mred")))
        #expect(!ValueText.isPrintableText(bytes("nul\0")))
        #expect(!ValueText.isPrintableText(bytes("del\u{7F}")))
        #expect(!ValueText.isPrintableText(bytes("c1\u{9B}")))
        #expect(!ValueText.isPrintableText([0xFF, 0xFE]))
        #expect(!ValueText.isPrintableText([0x61, 0xC3]))  // truncated character
        #expect(!ValueText.isPrintableText([0xC0, 0x80]))  // overlong NUL
        #expect(!ValueText.isPrintableText([0xED, 0xA0, 0x80]))  // UTF-16 surrogate
        #expect(!ValueText.isPrintableText([0xF4, 0x90, 0x80, 0x80]))  // beyond U+10FFFF
    }

    @Test func utf8Validation() {
        #expect(ValueText.text(ifValidUTF8: bytes("ü 日本 🙂")) == "ü 日本 🙂")
        #expect(ValueText.text(ifValidUTF8: []) == "")
        #expect(ValueText.text(ifValidUTF8: [0xEF, 0xBF, 0xBD]) == "\u{FFFD}")  // a real U+FFFD is fine
        #expect(ValueText.text(ifValidUTF8: [0xFF]) == nil)
        #expect(ValueText.text(ifValidUTF8: [0x61, 0x80]) == nil)
    }

    @Test func blockForm() {
        #expect(ValueText.block(bytes("Value1")) == "Value1")
        #expect(ValueText.block(bytes("a\nb")) == "a\nb")
        #expect(ValueText.block(bytes("")) == "")
        #expect(ValueText.block([0xFF, 0x00, 0x01]) == "/wAB")
        #expect(ValueText.block(bytes("\u{1B}[2J")) == "G1sySg==")
    }

    @Test func inlineKeepsPlainText() {
        #expect(ValueText.inline(bytes("Value1")) == "Value1")
        #expect(ValueText.inline(bytes("")) == "")
        #expect(ValueText.inline(bytes("with \"quotes\" and \\ slash")) == "with \"quotes\" and \\ slash")
        #expect(ValueText.inline(bytes("tab\tok")) == "tab\tok")
        #expect(ValueText.inline(bytes("ünïcödé ✓")) == "ünïcödé ✓")
    }

    @Test func inlineQuotesAndEscapesControls() {
        #expect(ValueText.inline(bytes("one\ntwo")) == #""one\ntwo""#)
        #expect(ValueText.inline(bytes("a\r\nb\tc")) == #""a\r\nb\tc""#)
        #expect(ValueText.inline(bytes("\u{1B}[31mred\u{1B}[0m")) == #""\x1b[31mred\x1b[0m""#)
        #expect(ValueText.inline(bytes("bell\u{07}\0")) == #""bell\x07\x00""#)
        #expect(ValueText.inline(bytes("del\u{7F}")) == #""del\x7f""#)
        #expect(ValueText.inline(bytes("csi\u{9B}2J")) == #""csi\u009b2J""#)
        #expect(ValueText.inline(bytes("ls\u{2028}ps\u{2029}")) == #""ls\u2028ps\u2029""#)
        #expect(ValueText.inline(bytes("bidi\u{202E}txt")) == #""bidi\u202etxt""#)
        // Once quoted, quotes and backslashes are escaped so the form reads back unambiguously.
        #expect(ValueText.inline(bytes("say \"hi\"\\\n")) == #""say \"hi\"\\\n""#)
    }

    @Test func inlineNeverContainsALineBreakOrEscape() {
        let nasty = "x\n[2021-10-12 13:15:03] DELETE my-kv > Key1\r\u{1B}[2K\u{85}\u{2028}"
        let shown = ValueText.inline(bytes(nasty))
        #expect(!shown.unicodeScalars.contains { ValueText.isControl($0) || $0.value == 0x2028 })
    }

    @Test func inlineBase64ForInvalidUTF8() {
        #expect(ValueText.inline([0xFF, 0xFE, 0x0A]) == "//4K")
        #expect(ValueText.inline([0x61, 0xC3]) == "YcM=")
    }

    @Test func escapingControlsWithoutQuotes() {
        #expect(ValueText.escapingControls("plain \"text\"") == "plain \"text\"")
        #expect(ValueText.escapingControls("a\nb\u{1B}") == #"a\nb\x1b"#)
        #expect(ValueText.escapingControls("tab\talone") == "tab\talone")
    }

    @Test func abbreviation() {
        let forty = String(repeating: "x", count: 40)
        #expect(abbreviatedValue(forty) == forty)
        #expect(abbreviatedValue("") == "")
        let long = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"  // 46 characters
        #expect(abbreviatedValue(long) == "0123456789abcde...vwxyzABCDEFGHIJ")
        let accents = String(repeating: "é", count: 41)
        #expect(abbreviatedValue(accents) == String(repeating: "é", count: 15) + "..." + String(repeating: "é", count: 15))
    }
}

@Suite("Server text in error messages")
struct ServerTextInErrors {
    @Test("controls in server text (a -ERR, an API error's description) are escaped in the message")
    func escaped() {
        #expect(ErrorMessage.line(for: NATSError.server(ServerError("Authorization\u{1B}[2J\nViolation")))
            == "nats: server error: Authorization\\x1b[2J\\nViolation")
        let api = JetStreamError.api(APIError(code: 500, errCode: .other(1), description: "boom\r\u{9B}31m"))
        #expect(!ErrorMessage.line(for: api).unicodeScalars.contains { DisplayText.isControl($0) })
    }
}
