// The conformance suite runs every expectation against both backends: the embedded SQLite
// store (a fresh temp file per test) and a real nats-server (one per suite), so their
// semantics cannot drift apart. Helpers: the backend parameter, a store per test, unique
// bucket names, and a watch recorder with bounded waits.

import Foundation
import JetStream
import KeyValue
import KeyValueEmbedded
import KeyValueNATS
import NATSClient
import Synchronization
import Testing
import TestSupport

/// Which store a test case runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case embedded
    case nats

    var testDescription: String { rawValue }
}

// MARK: - One server per suite

/// Starts a nats-server (JetStream on) for the suite; embedded cases do not use it.
struct NATSServerScope: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let server = try await blocking { try NATSServerProcess(jetstream: true) }
        do {
            try await SuiteServer.$current.withValue(server) { try await function() }
            await blocking { server.stop() }
        } catch {
            await blocking { server.stop() }
            throw error
        }
    }
}

extension Trait where Self == NATSServerScope {
    /// A real `nats-server -js` shared by the tests of the suite (for the `nats` cases).
    static var natsServer: Self { NATSServerScope() }
}

enum SuiteServer {
    @TaskLocal static var current: NATSServerProcess?
}

/// Runs blocking work (starting and stopping processes) on a thread of its own.
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

// MARK: - A store per test

/// The store under test and how to open a second, independent handle on the same data
/// (another connection, or another process's view of the same file).
struct TestStore: Sendable {
    let backend: Backend
    let store: any KeyValueStore
    let open: @Sendable () async throws -> any KeyValueStore

    /// Creates a bucket with a fresh unique name and returns it bound.
    func makeBucket(_ hint: String, configure: (inout BucketConfig) -> Void = { _ in }) async throws
        -> any KeyValueBucket {
        var config = BucketConfig(bucket: uniqueBucketName(hint))
        configure(&config)
        _ = try await store.createBucket(config)
        return try await store.bucket(config.bucket)
    }

    /// Entries stored in the bucket (values, history and markers).
    func messageCount(_ bucket: String) async throws -> UInt64 {
        try await store.bucket(bucket).status().values
    }

    /// Runs `body` with a second handle on the same data, closed afterwards.
    func withSecondHandle<T>(_ body: (any KeyValueStore) async throws -> T) async throws -> T {
        let other = try await open()
        do {
            let result = try await body(other)
            await other.close()
            return result
        } catch {
            await other.close()
            throw error
        }
    }
}

/// Opens the store for `backend`, runs `body`, and closes it (removing a temp file) even
/// when `body` throws.
func withStore<T>(_ backend: Backend, _ body: (TestStore) async throws -> T) async throws -> T {
    let open: @Sendable () async throws -> any KeyValueStore
    var cleanup: @Sendable () -> Void = {}
    switch backend {
    case .embedded:
        let dir = try makeTempDir(prefix: "kvsh-conformance-")
        let path = dir + "/store.db"
        open = { try await EmbeddedKeyValueStore.open(path: path) }
        cleanup = { try? FileManager.default.removeItem(atPath: dir) }
    case .nats:
        guard let server = SuiteServer.current else {
            throw TestSupportError("no nats-server: add the .natsServer trait to the suite")
        }
        let url = server.url
        open = {
            let connection = try await NATSConnection.connect(ClientOptions(servers: [try ServerURL(parsing: url)]))
            return NATSKeyValueStore(js: JetStreamContext(connection: connection))
        }
    }
    let store = try await open()
    let handle = TestStore(backend: backend, store: store, open: open)
    do {
        let result = try await body(handle)
        await store.close()
        cleanup()
        return result
    } catch {
        await store.close()
        cleanup()
        throw error
    }
}

private let bucketCounter = Atomic<Int>(0)

/// A bucket name unique within this test process (NATS cases share one server per suite).
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
