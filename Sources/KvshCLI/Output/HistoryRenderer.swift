import KeyValue

/// Renders `kv history` as a ``TextTable`` titled `History for <bucket> > <key>` with the
/// columns `Key | Revision | Op | Created | Length | Value`, one row per entry in the order
/// given (oldest first from the store).
///
/// `Op` is `PUT`, `DELETE` or `PURGE`; `Length` is the value's size in bytes; `Value` is the
/// inline form of ``ValueText``, shortened by ``abbreviatedValue(_:)`` past 40 characters.
func renderHistory(bucket: String, key: String, entries: [Entry]) -> String {
    var table = TextTable(
        title: "History for \(bucket) > \(key)",
        headers: ["Key", "Revision", "Op", "Created", "Length", "Value"],
        rightAligned: [1, 4])
    for e in entries {
        table.append([
            e.key,
            String(e.revision),
            e.operation.displayName,
            formatLocalTime(e.created),
            String(e.value.count),
            abbreviatedValue(ValueText.inline(e.value)),
        ])
    }
    return table.render()
}

/// Text longer than 40 characters as its first 15, `...`, and its last 15 (natscli's rule).
func abbreviatedValue(_ text: String) -> String {
    let scalars = text.unicodeScalars
    guard scalars.count > 40 else { return text }
    var out = String.UnicodeScalarView(scalars.prefix(15))
    out.append(contentsOf: "...".unicodeScalars)
    out.append(contentsOf: scalars.suffix(15))
    return String(out)
}
