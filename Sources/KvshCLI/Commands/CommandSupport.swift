import ArgumentParser
import KeyValue

/// Opens a session, runs `body`, and always closes it.
func withSession<T>(_ options: GlobalOptions, _ body: (Session) async throws -> T) async throws -> T {
    let session = try await Session.open(options)
    do {
        let result = try await body(session)
        await session.close()
        return result
    } catch {
        await session.close()
        throw error
    }
}

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
func printWritten(_ bucket: String, _ key: String, _ value: [UInt8], revision: UInt64, json: Bool) {
    if json {
        Terminal.out(JSONValue.object([
            .init("bucket", .string(bucket)), .init("key", .string(key)), .init("revision", .uint(revision)),
        ]).serialized + "\n")
    } else {
        Terminal.out(ValueText.block(value) + "\n")
    }
}
