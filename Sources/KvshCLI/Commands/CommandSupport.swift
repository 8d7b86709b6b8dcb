import ArgumentParser
import KeyValue

/// The value argument, or all of stdin when it was left out and stdin is not a terminal.
func valueBytes(_ argument: String?) throws -> [UInt8] {
    if let argument { return Array(argument.utf8) }
    if Terminal.stdinIsTerminal {
        throw ArgumentError("missing value: give it as an argument or pipe it on stdin")
    }
    return Terminal.readAllStdin()
}

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
