#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KeyValue
import Synchronization
import Testing
@testable import Shell

/// Collects what a session prints.
final class RecordingOutput: ShellOutput, Sendable {
    private let state = Mutex<(out: String, err: String)>(("", ""))

    func write(_ text: String) { state.withLock { $0.out += text } }
    func writeError(_ text: String) { state.withLock { $0.err += text } }

    var out: String { state.withLock { $0.out } }
    var err: String { state.withLock { $0.err } }
    var outLines: [String] { out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
}

/// An in-memory stand-in for the kv commands, failing with the real commands' messages.
/// It records every command it receives, exactly as received.
actor FakeHost: CommandHost {
    private var buckets: [String: [String: [Entry]]] = [:]
    private var revisions: [String: UInt64] = [:]
    private(set) var calls: [[String]] = []
    /// Captured-ness of each call, in order.
    private(set) var captures: [Bool] = []

    init(buckets: [String] = []) {
        for name in buckets { self.buckets[name] = [:] }
    }

    /// Key-value errors as kvsh's command line words them: nats.go's text after `nats: `.
    nonisolated func message(for error: any Error) -> String {
        error is KeyValueError ? "nats: \(error)" : String(describing: error)
    }

    nonisolated func help(for topic: [String]) -> String? {
        switch topic {
        case []: "Store commands: kv add|put|get|create|update|del|keys|history|status|rm, account info"
        case ["kv"]: "kv: Key-Value store commands"
        case ["kv", "put"]: "usage: kv put BUCKET KEY VALUE"
        default: nil
        }
    }

    func run(_ words: [String], context: CommandContext) async throws -> CommandResult {
        calls.append(words)
        captures.append(context.isCaptured)
        let out = context.isCaptured ? nil : context.output
        switch words.first {
        case "kv": return try kv(Array(words.dropFirst()), out)
        case "account" where words.count == 2 && words[1] == "info":
            out?.write("Account Information\n")
            return CommandResult(.record(Record([("client_id", .int(7)), ("jetstream", .bool(true))])))
        case "record-args":
            // Echoes back its arguments as a list, printing each on its own line.
            for word in words.dropFirst() { out?.write("[\(word)]\n") }
            return CommandResult(.list(words.dropFirst().map { .string($0) }))
        case "fail":
            throw CommandError(words.dropFirst().joined(separator: " "), status: 1)
        case "record-input":
            // Prints the bytes of `< FILE` as text, or `(none)`.
            out?.write(context.input.map { "[" + String(decoding: $0, as: UTF8.self) + "]\n" } ?? "(none)\n")
            return CommandResult(.string(context.input.map { String(decoding: $0, as: UTF8.self) } ?? ""))
        case "warn":
            // Writes its words to standard error, as a store command's note does.
            out?.writeError(words.dropFirst().joined(separator: " ") + "\n")
            return CommandResult()
        case "fail-status":
            throw CommandError("failed with \(words[1])", status: Int32(words[1]) ?? 1)
        case "wait-forever":
            try await Task.sleep(for: .seconds(3600))
            return CommandResult()
        default:
            throw CommandError("unknown command '\(words.first ?? "")'")
        }
    }

    private func kv(_ args: [String], _ out: (any ShellOutput)?) throws -> CommandResult {
        guard let sub = args.first, args.count >= 2 else { throw CommandError("kv: missing arguments") }
        let bucket = args[1]
        if sub == "add" {
            guard buckets[bucket] == nil else { throw KeyValueError.bucketExists(bucket) }
            buckets[bucket] = [:]
            return CommandResult(status(bucket))
        }
        guard buckets[bucket] != nil else { throw KeyValueError.bucketNotFound(bucket) }
        switch (sub, args.count) {
        case ("status", 2):
            out?.write("Bucket \(bucket)\n")
            return CommandResult(status(bucket))
        case ("rm", 2):
            buckets[bucket] = nil
            return CommandResult()
        case ("put", 4):
            let entry = write(bucket, args[2], args[3], .put)
            out?.write(args[3] + "\n")
            return CommandResult(.entry(entry))
        case ("get", 3):
            guard let entry = latest(bucket, args[2]), entry.operation == .put else {
                throw KeyValueError.keyNotFound(bucket: bucket, key: args[2])
            }
            out?.write("\(bucket) > \(args[2]) revision: \(entry.revision)\n\n\(entry.valueString ?? "")\n")
            return CommandResult(.entry(entry))
        case ("create", 4):
            if let entry = latest(bucket, args[2]), entry.operation == .put {
                throw KeyValueError.keyExists(bucket: bucket, key: args[2], lastRevision: entry.revision)
            }
            let entry = write(bucket, args[2], args[3], .put)
            out?.write(args[3] + "\n")
            return CommandResult(.entry(entry))
        case ("update", 5):
            guard let expected = UInt64(args[4]) else { throw CommandError("kv update: invalid revision '\(args[4])'") }
            let actual = latest(bucket, args[2])?.revision ?? 0
            guard actual == expected else {
                throw KeyValueError.wrongLastRevision(bucket: bucket, key: args[2], expected: expected, actual: actual)
            }
            let entry = write(bucket, args[2], args[3], .put)
            out?.write(args[3] + "\n")
            return CommandResult(.entry(entry))
        case ("del", 3):
            guard latest(bucket, args[2]) != nil else { return CommandResult() }
            return CommandResult(.entry(write(bucket, args[2], "", .delete)))
        case ("keys", 2):
            let keys = (buckets[bucket] ?? [:]).filter { $0.value.last?.operation == .put }.keys.sorted()
            for key in keys { out?.write(key + "\n") }
            return CommandResult(.list(keys.map { .string($0) }))
        case ("history", 3):
            guard let history = buckets[bucket]?[args[2]], !history.isEmpty else {
                throw KeyValueError.keyNotFound(bucket: bucket, key: args[2])
            }
            return CommandResult(.list(history.map { .entry($0) }))
        default:
            throw CommandError("kv \(sub): wrong arguments \(args)")
        }
    }

    private func latest(_ bucket: String, _ key: String) -> Entry? { buckets[bucket]?[key]?.last }

    private func write(_ bucket: String, _ key: String, _ value: String, _ op: KeyValue.Operation) -> Entry {
        let revision = (revisions[bucket] ?? 0) + 1
        revisions[bucket] = revision
        let entry = Entry(bucket: bucket, key: key, value: Array(value.utf8), revision: revision,
                          created: Date(timeIntervalSince1970: 1_634_069_280 + Double(revision)), operation: op)
        buckets[bucket, default: [:]][key, default: []].append(entry)
        return entry
    }

    private func status(_ bucket: String) -> Value {
        let values = buckets[bucket]?.values.reduce(0) { $0 + $1.count } ?? 0
        return .record(Record([("bucket", .string(bucket)), ("values", .int(values)), ("history", .int(1))]))
    }

    func value(_ bucket: String, _ key: String) -> String? {
        latest(bucket, key).flatMap { $0.operation == .put ? $0.valueString : nil }
    }
}

/// What running a script produced.
struct Outcome {
    var status: Int32
    var out: String
    var err: String
    var outLines: [String] { out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
}

/// Runs `source` as a script in a fresh session.
func runScript(_ source: String, file: String = "test.kvsh", arguments: [String] = [],
               host: FakeHost = FakeHost(buckets: ["my-kv", "my-sem", "cfg"]),
               environment: [String: String] = ["HOME": "/home/tester"]) async -> Outcome {
    let output = RecordingOutput()
    let session = ShellSession(host: host, output: output, environment: environment)
    let status = await session.run(source: source, file: file, arguments: arguments)
    return Outcome(status: status, out: output.out, err: output.err)
}

/// Runs a one-line script that must fail at 1:1 with `message` and `status`, printing nothing
/// (a syntax error, status 2, is checked by its status alone).
func expectFailure(_ source: String, _ message: String, status: Int32,
                   sourceLocation: SourceLocation = #_sourceLocation) async {
    let r = await runScript(source)
    if status != ShellSession.syntaxErrorStatus {
        #expect(r.err == "test.kvsh:1:1: " + message + "\n", sourceLocation: sourceLocation)
    }
    #expect(r.status == status, sourceLocation: sourceLocation)
    #expect(r.out.isEmpty, sourceLocation: sourceLocation)
}

/// A temporary directory for script files, removed when the test ends.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/kvsh-shell-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

