import Synchronization
import Testing
@testable import Shell

/// Records the words and data indexes each command reaches the host with.
final class ContextRecordingHost: CommandHost, Sendable {
    private let state = Mutex<[(words: [String], data: Set<Int>)]>([])
    var calls: [(words: [String], data: Set<Int>)] { state.withLock { $0 } }

    func run(_ words: [String], context: CommandContext) async throws -> CommandResult {
        state.withLock { $0.append((words, context.dataArguments)) }
        return CommandResult(.record(Record([("bucket", .string("b"))])))
    }
}

@Suite("Data arguments: what came from a substitution is marked for the host")
struct DataArgumentTests {
    static let cases: [(script: String, words: [String], data: Set<Int>)] = [
        ("kv put b k v", ["kv", "put", "b", "k", "v"], []),
        ("set v --help; kv put b k $v", ["kv", "put", "b", "k", "--help"], [4]),
        ("set v --help; kv put b k \"$v\"", ["kv", "put", "b", "k", "--help"], [4]),
        ("set v --help; kv put b k ${v}x", ["kv", "put", "b", "k", "--helpx"], [4]),
        ("set v --help; kv put b k \"\"$v", ["kv", "put", "b", "k", "--help"], [4]),
        ("set v 3; kv get b k --revision=$v", ["kv", "get", "b", "k", "--revision=3"], []),
        ("set v 3; kv get b k --revision $v", ["kv", "get", "b", "k", "--revision", "3"], [5]),
        ("set l -a -b; kv keys b $l x", ["kv", "keys", "b", "-a", "-b", "x"], [3, 4]),
        ("set c kv; nats $c ls", ["kv", "ls"], [0]),
        ("set v -x; use b; put k $v", ["kv", "put", "b", "k", "-x"], [4]),
        ("set b -b; use $b", ["kv", "status", "-b"], [2]),
    ]

    @Test("marked words", arguments: cases.indices)
    func marked(_ index: Int) async {
        let c = Self.cases[index]
        let host = ContextRecordingHost()
        let session = ShellSession(host: host, output: RecordingOutput(), environment: [:])
        let status = await session.run(source: c.script, file: "t.kvsh")
        #expect(status == 0, "\(c.script)")
        let last = host.calls.last
        #expect(last?.words == c.words, "\(c.script)")
        #expect(last?.data == c.data, "\(c.script)")
    }
}
