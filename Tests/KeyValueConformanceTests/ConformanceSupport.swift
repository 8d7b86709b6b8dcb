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
import KeyValueTestSupport
import TestSupport

/// Which store a test case runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case embedded
    case nats

    var testDescription: String { rawValue }
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
