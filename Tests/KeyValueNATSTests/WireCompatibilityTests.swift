import Foundation
import JetStream
import KeyValue
import KeyValueNATS
import NATSClient
import NATSWire
import NIOCore
import KeyValueTestSupport
import Testing
import TestSupport

/// Buckets made by kvsh must be exactly what nats.go / the nats CLI make (nats-kv.md §3.2),
/// and markers must carry the same headers (§4.5, §4.6).
@Suite("NATS KV: wire compatibility", .natsServer)
struct WireCompatibilityTests {
    private static let twoMinutes: Int64 = 120_000_000_000

    @Test("stream config of a default bucket has the nats.go settings")
    func defaultStreamConfig() async throws {
        try await withClient { client in
            let name = uniqueBucketName("wire")
            _ = try await client.store.createBucket(BucketConfig(bucket: name))
            let c = try await client.js.streamInfo("KV_\(name)").config
            #expect(c.name == "KV_\(name)")
            #expect(c.subjects == ["$KV.\(name).>"])
            #expect(c.retention == "limits")
            #expect(c.maxConsumers == -1)
            #expect(c.maxMsgs == -1)
            #expect(c.maxBytes == -1)
            #expect(c.discard == "new")
            #expect(c.maxAge == 0)
            #expect(c.maxMsgsPerSubject == 1)
            #expect(c.maxMsgSize == -1)
            #expect(c.storage == "file")
            #expect(c.numReplicas == 1)
            #expect(c.duplicateWindow == Self.twoMinutes)
            #expect(c.denyDelete == true)
            #expect(c.denyPurge == false)
            #expect(c.allowRollupHdrs == true)
            #expect(c.compression == "none")
            #expect(c.allowDirect == true)
            #expect(c.mirrorDirect == false)
            #expect(c.allowMsgTTL != true)
            #expect(c.subjectDeleteMarkerTTL == nil || c.subjectDeleteMarkerTTL == 0)

            // The raw reply, for fields kvsh does not model.
            let raw = try await client.rawStreamInfo("KV_\(name)")
            let config = try #require(raw["config"] as? [String: Any])
            #expect(config["subjects"] as? [String] == ["$KV.\(name).>"])
            #expect(config["discard"] as? String == "new")
            #expect(config["allow_rollup_hdrs"] as? Bool == true)
            #expect(config["deny_delete"] as? Bool == true)
            #expect(config["allow_direct"] as? Bool == true)
            #expect(config["mirror_direct"] as? Bool == false)
            #expect(config["sealed"] as? Bool == false)
            #expect(config["max_msgs_per_subject"] as? Int == 1)
            #expect(config["duplicate_window"] as? Int64 == Self.twoMinutes)
            #expect(config["mirror"] == nil)
            #expect(config["sources"] == nil)
            #expect(config["republish"] == nil)
            #expect(config["discard_new_per_subject"] as? Bool != true)
        }
    }

    @Test("every bucket option maps to the nats.go stream field")
    func optionMapping() async throws {
        try await withClient { client in
            var config = BucketConfig(bucket: uniqueBucketName("wireopts"))
            config.history = 12
            config.ttlNanos = 3_600_000_000_000
            config.maxValueSize = 2048
            config.maxBucketSize = 10 << 20
            config.storage = .memory
            config.compression = true
            config.description = "wire check"
            _ = try await client.store.createBucket(config)
            let c = try await client.js.streamInfo("KV_\(config.bucket)").config
            #expect(c.maxMsgsPerSubject == 12)
            #expect(c.maxAge == 3_600_000_000_000)
            #expect(c.maxMsgSize == 2048)
            #expect(c.maxBytes == 10 << 20)
            #expect(c.storage == "memory")
            #expect(c.compression == "s2")
            #expect(c.description == "wire check")
            // ttl >= 2 min keeps the 2 min duplicate window
            #expect(c.duplicateWindow == Self.twoMinutes)
            #expect(c.subjects == ["$KV.\(config.bucket).>"])
            #expect(c.discard == "new")
            #expect(c.allowDirect == true)
        }
    }

    @Test("duplicate window follows the TTL below 2 minutes", arguments: [
        (Int64(1_000_000_000), Int64(1_000_000_000)),
        (Int64(90_000_000_000), Int64(90_000_000_000)),
        (Int64(120_000_000_000), Int64(120_000_000_000)),
        (Int64(86_400_000_000_000), Int64(120_000_000_000)),
    ])
    func duplicateWindow(_ ttl: Int64, _ window: Int64) async throws {
        try await withClient { client in
            var config = BucketConfig(bucket: uniqueBucketName("dupwin"))
            config.ttlNanos = ttl
            _ = try await client.store.createBucket(config)
            let c = try await client.js.streamInfo("KV_\(config.bucket)").config
            #expect(c.maxAge == ttl)
            #expect(c.duplicateWindow == window)
        }
    }

    @Test("a put is stored on $KV.<bucket>.<key> without headers")
    func putOnTheWire() async throws {
        try await withClient { client in
            let bucket = try await client.makeBucket("wireput")
            let r = try await bucket.put("a.b", b("v"))
            let msg = try #require(try await client.js.directGet(stream: "KV_\(bucket.name)", sequence: r))
            #expect(msg.subject == "$KV.\(bucket.name).a.b")
            #expect(msg.headers?["KV-Operation"] == nil)
            #expect(msg.headers?["Nats-Rollup"] == nil)
            #expect(Array(msg.payload.readableBytesView) == b("v"))
        }
    }

    @Test("delete is stored with KV-Operation: DEL and an empty body")
    func deleteMarker() async throws {
        try await withClient { client in
            let bucket = try await client.makeBucket("wiredel") { $0.history = 5 }
            let r1 = try await bucket.put("Key1", b("Value1"))
            let del = try await bucket.delete("Key1", revision: nil)
            let msg = try #require(try await client.js.directGet(stream: "KV_\(bucket.name)", sequence: del))
            #expect(msg.subject == "$KV.\(bucket.name).Key1")
            #expect(msg.headers?["KV-Operation"] == "DEL")
            #expect(msg.headers?["Nats-Rollup"] == nil)
            #expect(msg.payload.readableBytes == 0)
            // History is preserved by a delete.
            let old = try #require(try await client.js.directGet(stream: "KV_\(bucket.name)", sequence: r1))
            #expect(Array(old.payload.readableBytesView) == b("Value1"))

            // A guarded delete carries the expected revision.
            let r3 = try await bucket.put("Key1", b("again"))
            let guarded = try await bucket.delete("Key1", revision: r3)
            let g = try #require(try await client.js.directGetLast(stream: "KV_\(bucket.name)", subject: "$KV.\(bucket.name).Key1"))
            #expect(g.sequence == guarded)
            #expect(g.headers?["KV-Operation"] == "DEL")
            #expect(g.headers?["Nats-Expected-Last-Subject-Sequence"] == "\(r3)")
        }
    }

    @Test("purge is stored with KV-Operation: PURGE and Nats-Rollup: sub, leaving only the marker")
    func purgeMarker() async throws {
        try await withClient { client in
            let bucket = try await client.makeBucket("wirepurge") { $0.history = 10 }
            let r1 = try await bucket.put("k", b("1"))
            _ = try await bucket.put("k", b("2"))
            _ = try await bucket.put("other", b("o"))
            let purge = try await bucket.purge("k", revision: nil)
            let msg = try #require(try await client.js.directGet(stream: "KV_\(bucket.name)", sequence: purge))
            #expect(msg.subject == "$KV.\(bucket.name).k")
            #expect(msg.headers?["KV-Operation"] == "PURGE")
            #expect(msg.headers?["Nats-Rollup"] == "sub")
            #expect(msg.payload.readableBytes == 0)
            #expect(try await client.js.directGet(stream: "KV_\(bucket.name)", sequence: r1) == nil)
            let state = try await client.js.streamInfo("KV_\(bucket.name)").state
            #expect(state.messages == 2)
            #expect(state.lastSeq == purge)
        }
    }

    @Test("create and update send Nats-Expected-Last-Subject-Sequence; the server enforces it")
    func compareAndSetHeaders() async throws {
        try await withClient { client in
            let bucket = try await client.makeBucket("wirecas") { $0.history = 5 }
            let r1 = try await bucket.create("k", b("1"))
            let r2 = try await bucket.update("k", b("2"), revision: r1)
            // The stored messages are plain values (the expectation header is not kept on puts
            // by nats.go either, but the server stores what is sent: check the value only).
            let m2 = try #require(try await client.js.directGet(stream: "KV_\(bucket.name)", sequence: r2))
            #expect(Array(m2.payload.readableBytesView) == b("2"))
            #expect(m2.headers?["KV-Operation"] == nil)

            // Raw publish with a stale expectation, as another client would send it.
            var headers = NATSHeaders()
            headers.set("Nats-Expected-Last-Subject-Sequence", "\(r1)")
            let error = await #expect(throws: JetStreamError.self) {
                _ = try await client.js.publish("$KV.\(bucket.name).k", headers: headers, payload: ByteBuffer(string: "x"))
            }
            #expect(error?.errCode == .wrongLastSequence)
            #expect(error?.errCode?.rawValue == 10071)
            #expect(error?.description.contains("wrong last sequence: \(r2)") == true)
            // The server says the key's latest revision only in its text: read once, when decoded.
            guard case .api(let api)? = error else {
                Issue.record("not an API error: \(String(describing: error))")
                return
            }
            #expect(api.lastSequence == r2)
        }
    }

    @Test("values written raw on $KV subjects (as any client would) read back through kvsh")
    func rawWritesReadBack() async throws {
        try await withClient { client in
            let bucket = try await client.makeBucket("wireraw") { $0.history = 5 }
            let subject = "$KV.\(bucket.name).raw.key"
            _ = try await client.js.publish(subject, payload: ByteBuffer(string: "raw value"))
            var del = NATSHeaders()
            del.set("KV-Operation", "DEL")
            let d = try await client.js.publish(subject, headers: del, payload: ByteBuffer()).seq
            let history = try await bucket.history("raw.key")
            #expect(history.map(\.operation) == [.put, .delete])
            #expect(history.last?.revision == d)
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "raw.key")) { _ = try await bucket.get("raw.key", revision: nil) }
            #expect(try await bucket.keys(filters: []) == [])
        }
    }

    @Test("a server limit marker (Nats-Marker-Reason: MaxAge) reads as a purge")
    func limitMarkerIsPurge() async throws {
        try await withClient { client in
            // A KV-shaped stream with limit markers, as nats.go makes with LimitMarkerTTL.
            let name = uniqueBucketName("wiremark")
            var stream = StreamLayoutMirror.config(name)
            stream.maxAge = 1_000_000_000
            stream.duplicateWindow = 1_000_000_000
            stream.allowMsgTTL = true
            stream.subjectDeleteMarkerTTL = 5_000_000_000 // long enough to look at it
            _ = try await client.js.createStream(stream)
            let bucket = try await client.store.bucket(name)
            _ = try await bucket.put("k", b("v"))
            let sawMarker = try await eventually(timeout: .seconds(6)) {
                let latest = try await client.js.directGetLast(stream: "KV_\(name)", subject: "$KV.\(name).k")
                return latest?.headers?["Nats-Marker-Reason"] == "MaxAge"
            }
            #expect(sawMarker, "the server should leave a MaxAge marker")
            if sawMarker {
                let history = try await bucket.history("k")
                #expect(history.last?.operation == .purge)
                await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "k")) { _ = try await bucket.get("k", revision: nil) }
                #expect(try await bucket.keys(filters: []) == [])
                // create is not blocked by the marker
                _ = try await bucket.create("k", b("again"))
            }
        }
    }
}

/// The stream config nats.go writes for a bucket, built independently of kvsh's code.
enum StreamLayoutMirror {
    static func config(_ bucket: String) -> StreamConfig {
        var s = StreamConfig(name: "KV_\(bucket)")
        s.subjects = ["$KV.\(bucket).>"]
        s.maxMsgsPerSubject = 1
        s.duplicateWindow = 120_000_000_000
        s.denyDelete = true
        s.allowRollupHdrs = true
        s.allowDirect = true
        s.mirrorDirect = false
        s.compression = "none"
        return s
    }
}
