/// The one escaping of text for human output that came from outside (keys, bucket and
/// server names, server error text): every character that could break a line or drive the
/// terminal becomes a backslash escape, so a stored name cannot move the cursor, change
/// colours or fake output lines. `KvshCLI`'s `ValueText` builds its value forms on it.
public enum DisplayText {
    /// `text` with controls (except tab), line separators and direction overrides escaped
    /// (`\n`, `\r`, `\x1b`, `\u2028`), without quoting: for names, which are normally plain.
    public static func escapingControls(_ text: String) -> String {
        if !text.unicodeScalars.contains(where: needsEscape) { return text }
        var out = ""
        for scalar in text.unicodeScalars { appendEscaped(scalar, to: &out) }
        return out
    }

    /// `text` in double quotes with `"`, `\` and controls escaped: for quoting input in a message.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { out += "\\" }
            appendEscaped(scalar, to: &out)
        }
        return out + "\""
    }

    /// C0 controls, DEL and C1 controls (U+0080–U+009F, which some terminals obey too).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// What gets escaped: controls except tab, the Unicode line and paragraph separators,
    /// and the bidirectional overrides that can reorder what a line shows.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" { return false }
        switch scalar.value {
        case 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return isControl(scalar)
        }
    }

    /// Appends `scalar`, escaped when `needsEscape` says so; a tab as `\t` (text that is
    /// escaped at all shows its tabs visibly too).
    public static func appendEscaped(_ scalar: Unicode.Scalar, to out: inout String) {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                return
            }
            let hex = String(scalar.value, radix: 16)
            if scalar.value < 0x80 {
                out += "\\x" + (hex.utf8.count < 2 ? "0" : "") + hex
            } else {
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.utf8.count)) + hex
            }
        }
    }
}
