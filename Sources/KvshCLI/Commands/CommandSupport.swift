import ArgumentParser
import KeyValue

func parseRevision(_ text: String) throws -> UInt64 {
    guard let n = UInt64(text), n > 0 else {
        throw ArgumentError("invalid revision \(ArgumentError.quoted(text)): use a positive whole number")
    }
    return n
}

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
