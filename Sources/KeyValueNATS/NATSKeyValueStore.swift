#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JetStream
import KeyValue
import NATSClient

/// Buckets as JetStream streams (`KV_<bucket>` on `$KV.<bucket>.>`), laid out exactly as
/// nats.go and the nats CLI do, so either side can use what the other made.
public final class NATSKeyValueStore: KeyValueStore {
    public let js: JetStreamContext

    public init(js: JetStreamContext) { self.js = js }

    public func createBucket(_ config: BucketConfig) async throws -> BucketStatus {
        try config.validate()
        // Fails fast with a clear message when JetStream is off.
        _ = try await js.accountInfo()
        let stream = StreamLayout.streamConfig(for: config)
        do {
            return StreamLayout.status(try await js.createStream(stream))
        } catch let error as JetStreamError where error.errCode == 10058 {
            // Old buckets differ only in discard/allow_direct: upgrade them as nats.go does.
            if let existing = try? await js.streamInfo(stream.name),
               StreamLayout.sameExceptUpgradable(existing.config, stream) {
                return StreamLayout.status(try await js.updateStream(stream))
            }
            throw KeyValueError.bucketExists(config.bucket)
        }
    }

    public func bucket(_ name: String) async throws -> any KeyValueBucket {
        try KeyNames.validateBucket(name)
        let info: StreamBrief
        do {
            info = try await js.streamBrief(StreamLayout.streamName(name))
        } catch let error as JetStreamError where error.errCode == 10059 {
            throw KeyValueError.bucketNotFound(name)
        }
        guard (info.config.maxMsgsPerSubject ?? 0) >= 1 else {
            throw KeyValueError.backend("nats: bucket not valid key-value store: \(name)")
        }
        return NATSBucket(js: js, name: name, allowDirect: info.config.allowDirect ?? false)
    }

    public func deleteBucket(_ name: String) async throws {
        try KeyNames.validateBucket(name)
        do {
            try await js.deleteStream(StreamLayout.streamName(name))
        } catch let error as JetStreamError where error.errCode == 10059 {
            throw KeyValueError.bucketNotFound(name)
        }
    }

    public func bucketStatuses() async throws -> [BucketStatus] {
        try await js.streams(matching: "$KV.*.>")
            .filter { $0.config.name.hasPrefix("KV_") }
            .map(StreamLayout.status)
            .sorted { $0.bucket < $1.bucket }
    }

    public func close() async {
        await js.connection.close()
    }
}
