import KeyValue

/// How many bytes of a value `kv get` shows before pointing at `--raw`.
let getPreviewLimit = 120

/// Renders an entry as `kv get` prints it without `--raw`:
///
/// ```
/// my-kv > Key1 revision: 3 created @ 2026-11-25 05:26:38
///
/// Value1
///
/// ```
///
/// The value uses the block form of ``ValueText`` (printable text as is, otherwise base64).
/// A value longer than 120 bytes shows its first 120 bytes — cut back to a whole character
/// for text, 120 raw bytes base64-encoded otherwise — then the line
/// `Showing first 120 bytes of <n>, use --raw for full data`. Ends with the blank line.
func renderGet(_ e: Entry) -> String {
    var out = "\(ValueText.escapingControls(e.bucket)) > \(ValueText.escapingControls(e.key))"
        + " revision: \(e.revision) created @ \(formatLocalTime(e.created))\n\n"
    if e.value.count > getPreviewLimit {
        if ValueText.isPrintableText(e.value) {
            var end = getPreviewLimit
            while end > 0, e.value[end] & 0xC0 == 0x80 { end -= 1 }  // not inside a character
            out += String(decoding: e.value[..<end], as: UTF8.self)
        } else {
            out += base64Encoded(e.value[..<getPreviewLimit])
        }
        out += "\nShowing first \(getPreviewLimit) bytes of \(e.value.count), use --raw for full data\n"
    } else {
        out += ValueText.block(e.value) + "\n"
    }
    return out + "\n"
}
