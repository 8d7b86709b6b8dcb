import KeyValue

/// How stored bytes are shown to a person.
///
/// Values are arbitrary bytes and may come from anyone who can write to a bucket, so what
/// reaches the terminal must never be able to move the cursor, change colours or fake
/// extra output lines. Two display forms exist:
///
/// - **Block** (used by `get`, which prints the value on lines of its own): printable text
///   is shown as it is, newlines and tabs included; anything else — invalid UTF-8, or text
///   with other control characters such as `\r` or ESC — is shown as base64, as natscli does.
/// - **Inline** (used by watch lines and table cells, which must stay one line): printable
///   single-line text is shown as it is. Text that holds a newline, a control character or
///   an invisible line/direction control is shown double-quoted with backslash escapes
///   (`"one\ntwo"`, `"\x1b[31mred"`), so it is visibly not raw text. Invalid UTF-8 is
///   shown as base64 (the `--json` output carries an unambiguous `value_b64`).
enum ValueText {
    /// True when `bytes` are valid UTF-8 without control characters other than `\n` and `\t`.
    static func isPrintableText(_ bytes: some Collection<UInt8>) -> Bool {
        guard let decoded = text(ifValidUTF8: bytes) else { return false }
        return isPrintable(decoded)
    }

    /// The block form of `bytes`: the text itself when printable, else base64.
    static func block(_ bytes: some Collection<UInt8>) -> String {
        if let decoded = text(ifValidUTF8: bytes), isPrintable(decoded) { return decoded }
        return base64Encoded(bytes)
    }

    /// The inline (single-line) form of `bytes`: raw text, a quoted escaped string, or base64.
    static func inline(_ bytes: some Collection<UInt8>) -> String {
        guard let decoded = text(ifValidUTF8: bytes) else { return base64Encoded(bytes) }
        if !decoded.unicodeScalars.contains(where: needsInlineEscape) { return decoded }
        var out = "\""
        for scalar in decoded.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: appendEscaped(scalar, to: &out)
            }
        }
        return out + "\""
    }

    /// `text` with controls escaped, unquoted: `DisplayText.escapingControls`, the one
    /// escaping of every human output.
    static func escapingControls(_ text: String) -> String { DisplayText.escapingControls(text) }

    /// `bytes` as a String when they are valid UTF-8 (no overlong forms, surrogates or
    /// truncated characters), else nil. (`String(validating:as:)` would do, but needs macOS 15.)
    static func text(ifValidUTF8 bytes: some Collection<UInt8>) -> String? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return String(decoding: bytes, as: UTF8.self)
            case .error: return nil
            }
        }
    }

    private static func isPrintable(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0 == "\n" || $0 == "\t" || !DisplayText.isControl($0) }
    }

    /// C0, DEL and C1 controls (`DisplayText.isControl`).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool { DisplayText.isControl(scalar) }

    private static func needsInlineEscape(_ scalar: Unicode.Scalar) -> Bool { DisplayText.needsEscape(scalar) }

    private static func appendEscaped(_ scalar: Unicode.Scalar, to out: inout String) {
        DisplayText.appendEscaped(scalar, to: &out)
    }
}
