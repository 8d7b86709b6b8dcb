import KeyValue

/// Renders one watch event as natscli prints it, without a trailing newline:
///
/// ```
/// [2026-11-25 05:26:38] PUT my-kv > Key1: Value1
/// [2026-11-25 05:26:39] DELETE my-kv > Key1
/// [2026-11-25 05:26:40] PURGE my-kv > Key1
/// ```
///
/// The line can never turn into more than one line or drive the terminal: the value uses the
/// inline form of ``ValueText`` — printable one-line text as is, text with newlines or control
/// characters double-quoted with escapes (`"a\nb"`, `"\x1b[2J"`), invalid UTF-8 as base64 —
/// and control characters in the bucket or key are escaped too.
func renderWatchLine(_ e: Entry) -> String {
    let head = "[\(formatLocalTime(e.created))] \(e.operation.displayName) "
        + "\(ValueText.escapingControls(e.bucket)) > \(ValueText.escapingControls(e.key))"
    guard e.operation == .put else { return head }
    return head + ": " + ValueText.inline(e.value)
}
