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
    /// Every watch's pump: `close` ends them (each deletes its consumer) before the connection.
    let watches = TaskSet()

    public init(js: JetStreamContext) { self.js = js }

    public func createBucket(_ config: BucketConfig) async throws -> BucketStatus {
        try config.validate()
        // Fails fast with a clear message when JetStream is off.
        _ = try await js.accountInfo()
        let stream = StreamLayout.streamConfig(for: config)
        do {
            return StreamLayout.status(try await js.createStream(stream))
        } catch let error as JetStreamError where error.errCode == .streamNameInUse {
            // The stream exists with other settings. The same bucket settings, with fields
            // kvsh does not model set by another client (republish, metadata, …), are the same
            // bucket; old buckets may also need discard/allow_direct upgraded, as nats.go does.
            // Only those two keys change: the rest goes back as the server has it.
            guard let existing = try? await js.streamInfoWithConfig(stream.name),
                  StreamLayout.sameExceptUpgradable(existing.info.config, stream) else {
                throw KeyValueError.bucketExists(config.bucket)
            }
            let upgrade = StreamLayout.upgrade(of: existing.info.config)
            guard !upgrade.isEmpty else { return StreamLayout.status(existing.info) }
            return StreamLayout.status(try await js.updateStream(stream.name, config: existing.config,
                                                                 changing: upgrade))
        }
    }

    public func bucket(_ name: String) async throws -> any KeyValueBucket {
        try KeyNames.validateBucket(name)
        let bucket = NATSBucket(js: js, name: name, watches: watches)
        try await bucket.bind()
        return bucket
    }

    /// No STREAM.INFO until an operation needs the stream's settings: writes never do.
    public func lazyBucket(_ name: String) async throws -> any KeyValueBucket {
        try KeyNames.validateBucket(name)
        return NATSBucket(js: js, name: name, watches: watches)
    }

    public func deleteBucket(_ name: String) async throws {
        try KeyNames.validateBucket(name)
        do {
            try await js.deleteStream(StreamLayout.streamName(name))
        } catch let error as JetStreamError where error.errCode == .streamNotFound {
            throw KeyValueError.bucketNotFound(name)
        }
    }

    public func bucketStatuses() async throws -> [BucketStatus] {
        try await js.streams(matching: "$KV.*.>")
            .filter { $0.config.name.hasPrefix("KV_") }
            .map(StreamLayout.status)
            .sorted { $0.bucket < $1.bucket }
    }

    /// Ends the watches (their consumers are deleted while the connection is up), then closes
    /// the connection.
    public func close() async {
        await watches.close()
        await js.connection.close()
    }
}
