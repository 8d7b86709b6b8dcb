/// One `--log-format json` line: `{"ts":…,"level":…,"event":…,<fields>}` and a line feed, in
/// `JSONValue`'s escaping (so a field can never end the line or the object). Callers pass
/// names and metadata only — never a key's value or a secret.
struct JSONLogLine: Sendable {
    var timestamp: String
    var level: String
    var event: String
    var fields: [JSONValue.Member] = []

    /// The line, ending in a line feed.
    var text: String {
        JSONValue.object([.init("ts", .string(timestamp)), .init("level", .string(level)),
                          .init("event", .string(event))] + fields).serialized + "\n"
    }
}
