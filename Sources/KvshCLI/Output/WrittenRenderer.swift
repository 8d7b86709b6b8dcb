/// Prints a written value the way natscli does: the value itself, or JSON.
func printWritten(_ ctx: CommandExecution, _ bucket: String, _ key: String, _ value: [UInt8], revision: UInt64) {
    if ctx.json {
        ctx.write(JSONValue.object([
            .init("bucket", .string(bucket)), .init("key", .string(key)), .init("revision", .uint(revision)),
        ]).serialized + "\n")
    } else {
        ctx.write(ValueText.block(value) + "\n")
    }
}
