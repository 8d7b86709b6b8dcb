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
import KeyValueTestSupport
import TestSupport

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
