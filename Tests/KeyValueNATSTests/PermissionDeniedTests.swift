// The server refuses a publish or a subscription with an asynchronous -ERR: the KV operation
// that needed it fails at once with `NATSError.permissionDenied`, the connection stays up, and
// work the permissions allow goes on on the same connection.

import JetStream
import KeyValue
import KeyValueNATS
import NATSClient
import Testing
import KeyValueTestSupport
import TestSupport

/// Users of the suite's server: `writer` may not publish to bucket `locked`, `reader` may not
/// subscribe to a two-token inbox (a watch's delivery subject; the request inbox has three).
let permissionsConfig = """
    authorization { users = [
      { user: writer, password: pw, permissions: { publish: { deny: ["$KV.locked.>"] } } }
      { user: reader, password: pw, permissions: { subscribe: { deny: ["_INBOX.*"] } } }
    ] }
    """

@Suite("NATS KV: permission violations fail the operation at once", .natsServer(config: permissionsConfig))
struct PermissionDeniedTests {
    /// Far above what any step takes: a failure that arrives before it came from the -ERR.
    static let timeout = Duration.seconds(20)

    static func connect(_ user: String) async throws -> (NATSConnection, NATSKeyValueStore) {
        var options = ClientOptions(servers: [try ServerURL(parsing: try SuiteServer.require().url)])
        options.user = user
        options.password = "pw"
        options.requestTimeout = timeout
        let connection = try await NATSConnection.connect(options)
        return (connection, NATSKeyValueStore(js: JetStreamContext(connection: connection, timeout: timeout)))
    }

    /// Runs `body`, expecting `error`, and returns how long it took.
    static func failure(_ error: NATSError, _ body: () async throws -> Void) async -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: error) { try await body() }
        return clock.now - start
    }

    @Test("a denied put, create, update, delete and pipelined put fail at once; other buckets still work")
    func deniedWrites() async throws {
        let (connection, store) = try await Self.connect("writer")
        defer { Task { await store.close() } }
        _ = try await store.createBucket(BucketConfig(bucket: "locked"))
        _ = try await store.createBucket(BucketConfig(bucket: "open"))
        let locked = try await store.lazyBucket("locked")
        let open = try await store.lazyBucket("open")
        let denied = NATSError.permissionDenied(.publish, subject: "$KV.locked.k")
        var took: [Duration] = []
        took.append(await Self.failure(denied) { _ = try await locked.put("k", b("v")) })
        took.append(await Self.failure(denied) { _ = try await locked.create("k", b("v")) })
        took.append(await Self.failure(denied) { _ = try await locked.update("k", b("v"), revision: 1) })
        took.append(await Self.failure(denied) { _ = try await locked.delete("k", revision: nil) })
        took.append(await Self.failure(.permissionDenied(.publish, subject: "$KV.locked.a")) {
            _ = try await locked.putAll([("a", b("1")), ("b", b("2"))])
        })
        #expect(took.allSatisfy { $0 < Self.timeout }, "\(took)")
        #expect(connection.isConnected)
        // Nothing was written; the same connection reads and writes elsewhere.
        await #expect(throws: KeyValueError.keyNotFound(bucket: "locked", key: "k")) {
            _ = try await locked.get("k", revision: nil)
        }
        #expect(try await open.put("k", b("fine")) == 1)
        #expect(try await open.putAll([("a", b("1")), ("b", b("2"))]) == [2, 3])
        #expect(try await open.get("k", revision: nil).value == b("fine"))
    }

    @Test("a watch whose delivery subject the server refuses fails at once; requests still work")
    func deniedWatch() async throws {
        let (writerConnection, writer) = try await Self.connect("writer")
        defer { Task { await writer.close() } }
        _ = try await writer.createBucket(BucketConfig(bucket: "watched"))
        _ = try await writerConnection.rtt()
        let (connection, store) = try await Self.connect("reader")
        defer { Task { await store.close() } }
        let bucket = try await store.bucket("watched")
        let clock = ContinuousClock()
        let start = clock.now
        let watch = try await bucket.watch(filters: [], options: WatchOptions())
        var failure: (any Error)?
        do {
            for try await _ in watch {}
        } catch {
            failure = error
        }
        let took = clock.now - start
        guard case NATSError.permissionDenied(.subscribe, let subject)? = failure else {
            Issue.record("the watch ended with \(String(describing: failure))")
            return
        }
        #expect(subject.hasPrefix("_INBOX.") && subject.split(separator: ".").count == 2, "\(subject)")
        #expect(took < Self.timeout, "\(took)")
        #expect(connection.isConnected)
        #expect(try await bucket.put("k", b("v")) == 1)
    }
}
