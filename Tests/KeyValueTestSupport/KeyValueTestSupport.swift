// Helpers shared by the KV test targets (the conformance suite and the NATS-only tests):
// one real nats-server per suite (a suite trait), blocking work off the cooperative pool,
// unique bucket names, bounded polling, and a watch recorder with bounded waits.

import Foundation
import KeyValue
import Synchronization
import Testing
import TestSupport

// MARK: - One server per suite

/// Starts a nats-server (JetStream on) once for the whole suite, makes it available to
/// every test through `SuiteServer.current`, and stops it when the suite is done.
public struct NATSServerScope: SuiteTrait, TestScoping {
    public var config: String?
    public var jetstream = true

    public init(config: String? = nil, jetstream: Bool = true) {
        self.config = config
        self.jetstream = jetstream
    }

    public var isRecursive: Bool { false }

    public func provideScope(for test: Test, testCase: Test.Case?,
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
public func withServer<T>(jetstream: Bool = true, config: String? = nil,
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
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

public func blocking(_ work: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        Thread.detachNewThread {
            work()
            continuation.resume()
        }
    }
}

extension Trait where Self == NATSServerScope {
    /// A real `nats-server -js` shared by the tests of the suite.
    public static var natsServer: Self { NATSServerScope() }

    /// A shared server started with the given config file text (JetStream on).
    public static func natsServer(config: String) -> Self { NATSServerScope(config: config) }
}

public enum SuiteServer {
    @TaskLocal public static var current: NATSServerProcess?

    public static func require() throws -> NATSServerProcess {
        guard let current else {
            throw TestSupportError("no shared nats-server: add the .natsServer trait to the suite")
        }
        return current
    }
}

// MARK: - Names, bytes, waiting

private let bucketCounter = Atomic<Int>(0)

/// A bucket name unique within this test process (tests share one server per suite).
public func uniqueBucketName(_ hint: String) -> String {
    let n = bucketCounter.wrappingAdd(1, ordering: .relaxed).newValue
    let salt = UInt32.random(in: 0..<UInt32.max)
    return "\(hint)_\(n)_\(String(salt, radix: 36))"
}

/// UTF-8 bytes of a string.
public func b(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
public func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

// MARK: - Watches

/// Opens a watch of every key, reads up to its marker, and lets go of it without `stop()`:
/// what a dropped watch leaves behind is then for the caller to look at.
public func readMarkerAndDrop(_ bucket: any KeyValueBucket) async throws {
    var events = try await bucket.watch(filters: [], options: WatchOptions()).makeAsyncIterator()
    while let event = try await events.next(), event != .initialValuesDone {}
}

/// Reads a watch in the background and keeps every event, so tests can wait (bounded)
/// for what they expect and then look at the exact sequence.
public final class WatchRecorder: Sendable {
    private final class Box: Sendable {
        let events = Mutex<[WatchEvent]>([])
        let failure = Mutex<String?>(nil)
        let finished = Atomic<Bool>(false)
    }

    public let watch: KeyWatch
    private let box = Box()
    private let task: Task<Void, Never>

    public init(_ watch: KeyWatch) {
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

    public var events: [WatchEvent] { box.events.withLock { $0 } }
    public var failure: String? { box.failure.withLock { $0 } }
    public var isFinished: Bool { box.finished.load(ordering: .acquiring) }

    /// The entries received so far (the marker left out).
    public var entries: [Entry] {
        events.compactMap { if case .entry(let e) = $0 { e } else { nil } }
    }

    /// How many `initialValuesDone` markers arrived.
    public var markerCount: Int { events.filter { $0 == .initialValuesDone }.count }

    /// Waits until `condition` holds for the events so far; records an issue on timeout.
    @discardableResult
    public func wait(_ what: String, timeout: Duration = .seconds(10),
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
    public func waitForMarker(sourceLocation: SourceLocation = #_sourceLocation) async throws -> [WatchEvent] {
        try await wait("initialValuesDone", sourceLocation: sourceLocation) { $0.contains(.initialValuesDone) }
    }

    /// Waits until `count` entries arrived.
    @discardableResult
    public func waitForEntries(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [Entry] {
        try await wait("\(count) entries", sourceLocation: sourceLocation) { events in
            events.filter { if case .entry = $0 { true } else { false } }.count >= count
        }
        return entries
    }

    /// Stops the watch and waits for the reader to finish.
    public func stop() async {
        watch.stop()
        task.cancel()
        await task.value
    }
}

/// A compact, readable form of events for failure messages.
public func describe(_ events: [WatchEvent]) -> String {
    events.map { event in
        switch event {
        case .initialValuesDone: "<init done>"
        case .entry(let e): "\(e.operation.rawValue) \(e.key)@\(e.revision)(d\(e.delta))=\(e.valueString ?? "<\(e.value.count) bytes>")"
        }
    }.joined(separator: ", ")
}

/// `(key, operation, value)` triples of entries, for comparisons.
public func summary(_ entries: [Entry]) -> [String] {
    entries.map { "\($0.operation.rawValue) \($0.key)=\($0.valueString ?? "<binary>")" }
}
