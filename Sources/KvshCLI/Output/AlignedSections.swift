/// One titled group of `label: value` rows in a natscli-style information block
/// (`Configuration:`, `Cluster Information:`, `JetStream Account Information:` …).
struct AlignedSection: Sendable {
    /// Printed as `<title>:` followed by a blank line; nil prints the rows alone.
    var title: String?
    /// Rows in display order. A label may repeat (one `Replica` row per replica).
    var rows: [(label: String, value: String)]

    init(title: String?, rows: [(label: String, value: String)]) {
        self.title = title
        self.rows = rows
    }
}

/// Renders an information block the way natscli lays it out:
///
/// ```
/// <heading>
///
/// Configuration:
///
///             Bucket Name: my-kv
///   Per-Key TTL Supported: false
///
/// Cluster Information:
///
///                    Name:
/// ```
///
/// Labels are right-aligned on the colon across *all* sections, so the longest label in the
/// whole block is indented two spaces. An empty value leaves nothing after the colon.
/// Control characters in labels and values are escaped so a row stays one line.
/// The result ends with a newline.
func renderAlignedSections(heading: String?, _ sections: [AlignedSection]) -> String {
    let width = sections.lazy.flatMap(\.rows).map { ValueText.escapingControls($0.label).unicodeScalars.count }
        .max() ?? 0
    var blocks: [String] = []
    if let heading { blocks.append(ValueText.escapingControls(heading) + "\n") }
    for section in sections {
        var text = ""
        if let title = section.title { text += "\(ValueText.escapingControls(title)):\n\n" }
        for row in section.rows {
            let label = ValueText.escapingControls(row.label)
            let value = ValueText.escapingControls(row.value)
            text += String(repeating: " ", count: width + 2 - label.unicodeScalars.count) + label + ":"
            text += value.isEmpty ? "\n" : " " + value + "\n"
        }
        blocks.append(text)
    }
    return blocks.joined(separator: "\n")
}
