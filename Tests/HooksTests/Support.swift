import Dispatch
import Foundation
import Hooks
import JetStream
import KeyValue
import KeyValueNATS
import NATSClient
import Shell
import Synchronization
import TestSupport

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` until it holds; fails after `seconds` (a guard against hangs, never a timing assertion).
func waitUntil(_ seconds: Double, _ what: @autoclosure () -> String, _ condition: () async throws -> Bool)
    async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while !(try await condition()) {
        if ContinuousClock.now >= deadline { throw TimedOut(what: what()) }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Blocking work on a Dispatch thread.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
        DispatchQueue.global().async { cont.resume(with: Result { try work() }) }
    }
}

func startServer() async throws -> NATSServerProcess {
    try await offPool { try NATSServerProcess() }
}

extension NATSServerProcess {
    func stopInBackground() { DispatchQueue.global().async { self.stop() } }
}

/// A connected store on `server`, with quick reconnects and short request timeouts.
struct TestStore {
    let connection: NATSConnection
    let js: JetStreamContext
    let store: NATSKeyValueStore

    static func connect(_ server: NATSServerProcess) async throws -> TestStore {
        var options = ClientOptions(servers: [try ServerURL(parsing: server.url)])
        options.connectTimeout = .seconds(5)
        options.requestTimeout = .seconds(2)
        options.reconnectWait = .milliseconds(200)
        let connection = try await NATSConnection.connect(options)
        let js = JetStreamContext(connection: connection, timeout: .seconds(2))
        return TestStore(connection: connection, js: js, store: NATSKeyValueStore(js: js))
    }

    func makeBucket(_ name: String, history: Int = 1) async throws -> any KeyValueBucket {
        var config = BucketConfig(bucket: name)
        config.history = history
        _ = try await store.createBucket(config)
        return try await store.bucket(name)
    }

    func registry(output: any ShellOutput, stopGrace: Duration = .seconds(10)) -> HookRegistry {
        let store = self.store
        return HookRegistry(store: { store }, output: output, stopGrace: stopGrace, errorMessage: commandLineMessage)
    }

    func close() async { await connection.close() }
}

/// Everything written, split into stdout and stderr.
final class RecordingOutput: ShellOutput, Sendable {
    private let text = Mutex<(out: String, err: String)>(("", ""))
    func write(_ s: String) { text.withLock { $0.out += s } }
    func writeError(_ s: String) { text.withLock { $0.err += s } }
    var out: String { text.withLock { $0.out } }
    var err: String { text.withLock { $0.err } }
    var outLines: [String] { out.split(separator: "\n").map(String.init) }
    var errLines: [String] { err.split(separator: "\n").map(String.init) }
}

/// A failure as kvsh's command line words it (`ErrorMessage`, which these tests do not link):
/// the store's and the connection's errors are nats.go's texts, after `nats: `.
@Sendable func commandLineMessage(_ error: any Error) -> String {
    let fromNATS = error is KeyValueError || error is JetStreamError || error is NATSError
    return DisplayText.escapingControls((fromNATS ? "nats: " : "") + String(describing: error))
}

/// A host with only the hook commands: what a kvsh block or script needs in these tests.
struct HookOnlyHost: CommandHost {
    let commands: HookCommands
    init(_ registry: HookRegistry) { commands = HookCommands(registry: registry) }

    func message(for error: any Error) -> String { commandLineMessage(error) }

    func run(_ words: [String], context: CommandContext) async throws -> CommandResult {
        if let result = try await commands.run(words, context: context) { return result }
        throw CommandError("no such command in this test: \(words.joined(separator: " "))")
    }
}

/// A fresh temporary directory.
func tempDir() throws -> String { try makeTempDir(prefix: "kvsh-hooks-") }

/// The lines of a file (empty when it does not exist yet).
func fileLines(_ path: String) -> [String] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}

func fileBytes(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { Array($0) }
}

/// A put retried (bounded) while the server is away or JetStream settles after a restart.
func putRetrying(_ bucket: any KeyValueBucket, _ key: String, _ value: [UInt8]) async throws -> UInt64 {
    var attempt = 0
    while true {
        do {
            return try await bucket.put(key, value)
        } catch {
            attempt += 1
            if attempt >= 60 { throw TestSupportError("put \(key) failed \(attempt) times: \(error)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// A hook that runs a shell command.
func shellHook(_ trigger: HookSpec.Trigger, _ bucket: String, _ pattern: String? = nil, run text: String,
               _ configure: (inout HookSpec) -> Void = { _ in }) -> HookSpec {
    var spec = HookSpec(trigger: trigger, bucket: bucket, pattern: pattern, action: .shell(text))
    configure(&spec)
    return spec
}

/// Single-quotes a path for a shell command text.
func sq(_ path: String) -> String { "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'" }
