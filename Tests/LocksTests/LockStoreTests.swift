import Foundation
import JetStream
import KeyValue
import KeyValueEmbedded
import KeyValueNATS
import KeyValueTestSupport
import Locks
import NATSClient
import Testing
import TestSupport

enum LockBackend: String, CaseIterable, Sendable { case embedded, nats }

/// LockAcquirer and HeldLock on a real nats-server and a real SQLite file: the same behaviour.
@Suite("Locks on both stores", .natsServer, .offCooperativePool)
struct LockStoreTests {
    @Test("taken, refused to a second taker with the holder named, free again after release", arguments: LockBackend.allCases)
    func contention(_ backend: LockBackend) async throws {
        try await withLockBucket(backend, maxAge: .seconds(30)) { bucket in
            let first = try await LockAcquirer().acquire(LockRequest(bucket: bucket, name: "deploy", wait: .zero))
            #expect(first.key == "deploy")
            #expect(HolderRecord.decode(try await bucket.get("deploy", revision: nil).value) == first.record)
            await #expect(throws: LockError.notAcquired(name: "deploy", holders: [first.record.summary])) {
                _ = try await LockAcquirer().acquire(LockRequest(bucket: bucket, name: "deploy", wait: .zero))
            }
            try await first.release()
            #expect(await first.loss == nil)
            let second = try await LockAcquirer().acquire(LockRequest(bucket: bucket, name: "deploy", wait: .zero))
            #expect(second.revision > first.revision)
            try await second.release()
        }
    }

    @Test("--limit 2: two holders on distinct slots, the third refused until one releases", arguments: LockBackend.allCases)
    func limitTwo(_ backend: LockBackend) async throws {
        try await withLockBucket(backend, maxAge: .seconds(30)) { bucket in
            let request = LockRequest(bucket: bucket, name: "job", limit: 2, wait: .zero)
            let a = try await LockAcquirer().acquire(request)
            let b = try await LockAcquirer().acquire(request)
            #expect([a.key, b.key] == ["job.0", "job.1"])
            await #expect(throws: LockError.self) { _ = try await LockAcquirer().acquire(request) }
            try await a.release()
            let c = try await LockAcquirer().acquire(request)
            #expect(c.slot == 0)
            try await b.release()
            try await c.release()
        }
    }

    @Test("a release wakes a waiter long before the 30s lease could", arguments: LockBackend.allCases)
    func releaseWakesWaiter(_ backend: LockBackend) async throws {
        try await withLockBucket(backend, maxAge: .seconds(30)) { bucket in
            let holder = try await LockAcquirer().acquire(LockRequest(bucket: bucket, name: "deploy"))
            let waiter = Task {
                try await LockAcquirer().acquire(LockRequest(bucket: bucket, name: "deploy", wait: .seconds(10)))
            }
            // The waiter's watch is open once its first try has failed and it is waiting: seen as
            // no change to the key meanwhile, so release after a moment either way.
            try await Task.sleep(for: .milliseconds(300))
            try await holder.release()
            let next = try await waiter.value
            #expect(next.revision > holder.revision)
            try await next.release()
        }
    }

    @Test("a holder that stopped renewing (no event on expiry) is replaced when its lease runs out", arguments: LockBackend.allCases)
    func expiryWakesWaiter(_ backend: LockBackend) async throws {
        try await withLockBucket(backend, maxAge: .seconds(1)) { bucket in
            let dead = HolderRecord(host: "gone", pid: 1, id: "dead", acquired: "2026-01-01T00:00:00Z")
            let deadRevision = try await bucket.create("deploy", dead.encoded())
            let next = try await LockAcquirer().acquire(LockRequest(bucket: bucket, name: "deploy", wait: .seconds(8)))
            #expect(next.revision > deadRevision)
            try await next.release()
        }
    }

    @Test("someone else writing the key makes the holder's next keep-alive report the loss", arguments: LockBackend.allCases)
    func lossDetected(_ backend: LockBackend) async throws {
        try await withLockBucket(backend, maxAge: .seconds(1)) { bucket in
            let held = try await LockAcquirer().acquire(LockRequest(bucket: bucket, name: "deploy"))
            _ = try await bucket.put("deploy", Array("taken over".utf8))
            let loss = try await within(.seconds(10)) { await held.loss }
            guard case .lost(let key, let reason)? = loss else {
                Issue.record("no loss reported: \(String(describing: loss))")
                return
            }
            #expect(key == "deploy")
            #expect(reason.contains("taken by someone else"), "\(reason)")
            await #expect(throws: LockError.self) { try await held.release() }
            #expect(try await bucket.get("deploy", revision: nil).valueString == "taken over")
        }
    }

    @Test("keep-alives hold the key past its maximum age", arguments: LockBackend.allCases)
    func keepAlive(_ backend: LockBackend) async throws {
        try await withLockBucket(backend, maxAge: .seconds(1)) { bucket in
            let held = try await LockAcquirer().acquire(LockRequest(bucket: bucket, name: "deploy"))
            try await Task.sleep(for: .milliseconds(2500))
            let entry = try await bucket.get("deploy", revision: nil)
            #expect(HolderRecord.decode(entry.value) == held.record)
            #expect(held.latestRevision > held.revision)
            try await held.release()
        }
    }

    @Test("a per-key TTL: sent with Nats-TTL on NATS, refused clearly by the embedded store")
    func perKeyTTL() async throws {
        try await withLockBucket(.embedded, maxAge: .seconds(30)) { bucket in
            await #expect(throws: KeyValueError.invalidConfig("per-key TTL is not supported on the embedded store")) {
                _ = try await bucket.create("k", [1], ttl: .seconds(1))
            }
            await #expect(throws: LockError.ttlNotAllowed(bucket: bucket.name)) {
                _ = try await LockAcquirer().acquire(LockRequest(bucket: bucket, name: "deploy", ttl: .seconds(1)))
            }
        }
    }
}

/// `body`'s result, or a thrown error when it takes longer than `limit` (a bound, not a timing claim).
func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask { try await Task.sleep(for: limit); return nil }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw TestSupportError("not done within \(limit)")
        }
        return value
    }
}

/// A fresh bucket with `maxAge` on `backend`; the store is closed afterwards.
func withLockBucket(_ backend: LockBackend, maxAge: Duration, perKeyTTL: Bool = false,
                    _ body: (any KeyValueBucket) async throws -> Void) async throws {
    let store: any KeyValueStore
    var dir: String?
    switch backend {
    case .embedded:
        let path = try makeTempDir(prefix: "kvsh-locks-")
        dir = path
        store = try await EmbeddedKeyValueStore.open(path: path + "/store.db")
    case .nats:
        let server = try SuiteServer.require()
        let connection = try await NATSConnection.connect(ClientOptions(servers: [try ServerURL(parsing: server.url)]))
        store = NATSKeyValueStore(js: JetStreamContext(connection: connection))
    }
    var config = BucketConfig(bucket: uniqueBucketName("locks"))
    config.ttlNanos = maxAge.components.seconds * 1_000_000_000 + maxAge.components.attoseconds / 1_000_000_000
    do {
        _ = try await store.createBucket(config)
        try await body(try await store.bucket(config.bucket))
    } catch {
        await store.close()
        if let dir { try? FileManager.default.removeItem(atPath: dir) }
        throw error
    }
    await store.close()
    if let dir { try? FileManager.default.removeItem(atPath: dir) }
}
