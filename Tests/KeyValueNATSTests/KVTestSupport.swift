// Shared helpers for the NATS KV integration tests: one real nats-server per suite
// (a suite trait), a connected client per test, unique bucket names, a watch recorder
// with bounded waits, and raw JetStream look-ups for wire-level checks.

import Foundation
import JetStream
import KeyValue
import KeyValueNATS
import NATSClient
import NATSWire
import NIOCore
import Synchronization
import Testing
import TestSupport

// MARK: - One server per suite

/// Starts a nats-server (JetStream on) once for the whole suite, makes it available to
/// every test through `SuiteServer.current`, and stops it when the suite is done.
struct NATSServerScope: SuiteTrait, TestScoping {
    var config: String?
    var jetstream = true

    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        try await withServer(jetstream: jetstream, config: config) { server in
            try await SuiteServer.$current.withValue(server) {
                try await function()
            }
        }
    }
}

/// Starts a nats-server for `body` and stops it afterwards, even when `body` throws.
/// Starting and stopping block, so they run off the cooperative thread pool.
func withServer<T>(jetstream: Bool = true, config: String? = nil,
                   _ body: (NATSServerProcess) async throws -> T) async throws -> T {
    let server = try await blocking { try NATSServerProcess(jetstream: jetstream, config: config) }
    do {
        let result = try await body(server)
        await blocking { server.stop() }
        return result
    } catch {
        await blocking { server.stop() }
        throw error
    }
}

/// Runs blocking work (starting processes, waiting for them) on a thread of its own, so
/// the cooperative pool (two threads on a small machine) keeps serving the other tests.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

func blocking(_ work: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        Thread.detachNewThread {
            work()
            continuation.resume()
        }
    }
}

extension Trait where Self == NATSServerScope {
    /// A real `nats-server -js` shared by the tests of the suite.
    static var natsServer: Self { NATSServerScope() }

    /// A shared server started with the given config file text (JetStream on).
    static func natsServer(config: String) -> Self { NATSServerScope(config: config) }
}

enum SuiteServer {
    @TaskLocal static var current: NATSServerProcess?

    static func require() throws -> NATSServerProcess {
        guard let current else {
            throw TestSupportError("no shared nats-server: add the .natsServer trait to the suite")
        }
        return current
    }
}

// MARK: - Clients

/// A connection, its JetStream context and the KV store on top, for one test.
struct KVClient: Sendable {
    let connection: NATSConnection
    let js: JetStreamContext
    let store: NATSKeyValueStore

    static func connect(_ url: String) async throws -> KVClient {
        let connection = try await NATSConnection.connect(ClientOptions(servers: [try ServerURL(parsing: url)]))
        let js = JetStreamContext(connection: connection)
        return KVClient(connection: connection, js: js, store: NATSKeyValueStore(js: js))
    }

    func close() async { await store.close() }

    /// Creates a bucket with a fresh unique name and returns it bound.
    func makeBucket(_ hint: String, configure: (inout BucketConfig) -> Void = { _ in }) async throws
        -> any KeyValueBucket {
        var config = BucketConfig(bucket: uniqueBucketName(hint))
        configure(&config)
        _ = try await store.createBucket(config)
        return try await store.bucket(config.bucket)
    }

    /// Messages in the bucket's stream (values, history and markers).
    func messageCount(_ bucket: String) async throws -> UInt64 {
        try await js.streamInfo("KV_\(bucket)").state.messages
    }

    /// The raw JSON of `$JS.API.STREAM.INFO.<stream>`, for checks of fields kvsh does not model.
    func rawStreamInfo(_ stream: String) async throws -> [String: Any] {
        let reply = try await connection.request("$JS.API.STREAM.INFO.\(stream)", payload: ByteBuffer())
        let object = try JSONSerialization.jsonObject(with: Data(reply.payload.readableBytesView))
        guard let dictionary = object as? [String: Any] else {
            throw TestSupportError("STREAM.INFO reply is not a JSON object")
        }
        return dictionary
    }
}

/// Connects to the suite's server, runs `body`, and closes the connection even when it throws.
func withClient<T>(_ body: (KVClient) async throws -> T) async throws -> T {
    try await withClient(url: try SuiteServer.require().url, body)
}

/// Connects to `url`, runs `body`, and closes the connection even when it throws.
func withClient<T>(url: String, _ body: (KVClient) async throws -> T) async throws -> T {
    let client = try await KVClient.connect(url)
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}

private let bucketCounter = Atomic<Int>(0)

/// A bucket name unique within this test process (tests share one server per suite).
func uniqueBucketName(_ hint: String) -> String {
    let n = bucketCounter.wrappingAdd(1, ordering: .relaxed).newValue
    let salt = UInt32.random(in: 0..<UInt32.max)
    return "\(hint)_\(n)_\(String(salt, radix: 36))"
}

/// UTF-8 bytes of a string.
func b(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

// MARK: - Watches

/// Reads a watch in the background and keeps every event, so tests can wait (bounded)
/// for what they expect and then look at the exact sequence.
final class WatchRecorder: Sendable {
    private final class Box: Sendable {
        let events = Mutex<[WatchEvent]>([])
        let failure = Mutex<String?>(nil)
        let finished = Atomic<Bool>(false)
    }

    let watch: KeyWatch
    private let box = Box()
    private let task: Task<Void, Never>

    init(_ watch: KeyWatch) {
        self.watch = watch
        let box = self.box
        task = Task {
            do {
                for try await event in watch {
                    box.events.withLock { $0.append(event) }
                }
            } catch {
                box.failure.withLock { $0 = String(describing: error) }
            }
            box.finished.store(true, ordering: .releasing)
        }
    }

    var events: [WatchEvent] { box.events.withLock { $0 } }
    var failure: String? { box.failure.withLock { $0 } }
    var isFinished: Bool { box.finished.load(ordering: .acquiring) }

    /// The entries received so far (the marker left out).
    var entries: [Entry] {
        events.compactMap { if case .entry(let e) = $0 { e } else { nil } }
    }

    /// How many `initialValuesDone` markers arrived.
    var markerCount: Int { events.filter { $0 == .initialValuesDone }.count }

    /// Waits until `condition` holds for the events so far; records an issue on timeout.
    @discardableResult
    func wait(_ what: String, timeout: Duration = .seconds(10),
              sourceLocation: SourceLocation = #_sourceLocation,
              until condition: ([WatchEvent]) -> Bool) async throws -> [WatchEvent] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let now = events
            if condition(now) { return now }
            if isFinished { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let now = events
        if !condition(now) {
            Issue.record("watch: timed out waiting for \(what); failure: \(failure ?? "none"); events: \(describe(now))",
                         sourceLocation: sourceLocation)
        }
        return now
    }

    /// Waits for the initial-values marker.
    @discardableResult
    func waitForMarker(sourceLocation: SourceLocation = #_sourceLocation) async throws -> [WatchEvent] {
        try await wait("initialValuesDone", sourceLocation: sourceLocation) { $0.contains(.initialValuesDone) }
    }

    /// Waits until `count` entries arrived.
    @discardableResult
    func waitForEntries(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [Entry] {
        try await wait("\(count) entries", sourceLocation: sourceLocation) { events in
            events.filter { if case .entry = $0 { true } else { false } }.count >= count
        }
        return entries
    }

    /// Stops the watch and waits for the reader to finish.
    func stop() async {
        watch.stop()
        task.cancel()
        await task.value
    }
}

/// A compact, readable form of events for failure messages.
func describe(_ events: [WatchEvent]) -> String {
    events.map { event in
        switch event {
        case .initialValuesDone: "<init done>"
        case .entry(let e): "\(e.operation.rawValue) \(e.key)@\(e.revision)(d\(e.delta))=\(e.valueString ?? "<\(e.value.count) bytes>")"
        }
    }.joined(separator: ", ")
}

/// `(key, operation, value)` triples of entries, for comparisons.
func summary(_ entries: [Entry]) -> [String] {
    entries.map { "\($0.operation.rawValue) \($0.key)=\($0.valueString ?? "<binary>")" }
}
