#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JetStream
import KeyValue

/// How a bucket maps onto a stream: names, subjects and settings (nats-kv.md §3).
enum StreamLayout {
    static func streamName(_ bucket: String) -> String { "KV_\(bucket)" }
    static func subjectPrefix(_ bucket: String) -> String { "$KV.\(bucket)." }

    static func streamConfig(for c: BucketConfig) -> StreamConfig {
        var s = StreamConfig(name: streamName(c.bucket))
        s.description = c.description
        s.subjects = ["$KV.\(c.bucket).>"]
        s.retention = "limits"
        s.maxConsumers = -1
        s.maxMsgs = -1
        s.maxBytes = c.maxBucketSize ?? -1
        s.discard = "new"
        s.maxAge = c.ttlNanos ?? 0
        s.maxMsgsPerSubject = Int64(c.history)
        s.maxMsgSize = c.maxValueSize ?? -1
        s.storage = c.storage.rawValue
        s.numReplicas = c.replicas
        s.placement = c.placement.map { StreamPlacement(cluster: $0.cluster ?? "", tags: $0.tags) }
        let twoMinutes: Int64 = 120_000_000_000
        if let ttl = c.ttlNanos, ttl > 0, ttl < twoMinutes {
            s.duplicateWindow = ttl
        } else {
            s.duplicateWindow = twoMinutes
        }
        s.denyDelete = true
        s.allowRollupHdrs = true
        s.compression = c.compression ? "s2" : "none"
        s.allowDirect = true
        s.mirrorDirect = false
        if let marker = c.limitMarkerTTLNanos {
            s.allowMsgTTL = true
            s.subjectDeleteMarkerTTL = marker
        }
        return s
    }

    /// True when the existing stream `a` has every setting kvsh writes for `b` except
    /// `discard` and `allow_direct` (what nats.go upgrades); any other difference,
    /// description and compression included, means the name is taken. A placement and limit
    /// markers count only when `b` asks for them (the server may place a stream without being
    /// asked; another client may have allowed per-key TTLs).
    static func sameExceptUpgradable(_ a: StreamConfig, _ b: StreamConfig) -> Bool {
        func text(_ s: String?) -> String? { s?.isEmpty == true ? nil : s }
        return a.subjects == b.subjects && a.maxMsgsPerSubject == b.maxMsgsPerSubject
            && a.maxAge == b.maxAge && a.maxBytes == b.maxBytes && a.maxMsgSize == b.maxMsgSize
            && a.storage == b.storage && a.numReplicas == b.numReplicas
            && text(a.description) == text(b.description)
            && (a.compression ?? "none") == (b.compression ?? "none")
            && a.retention == b.retention && a.maxConsumers == b.maxConsumers && a.maxMsgs == b.maxMsgs
            && a.duplicateWindow == b.duplicateWindow && a.denyDelete == b.denyDelete
            && a.allowRollupHdrs == b.allowRollupHdrs
            && (b.placement == nil || a.placement == b.placement)
            && (b.subjectDeleteMarkerTTL == nil
                || (a.allowMsgTTL == true && a.subjectDeleteMarkerTTL == b.subjectDeleteMarkerTTL))
    }

    /// The keys an old bucket's stream needs changed (nats.go's upgrade): discard new and
    /// direct get on. Empty when it has both.
    static func upgrade(of c: StreamConfig) -> [String: RawJSON] {
        var changes: [String: RawJSON] = [:]
        if c.discard != "new" { changes["discard"] = .string("new") }
        if c.allowDirect != true { changes["allow_direct"] = .bool(true) }
        return changes
    }

    static func status(_ info: StreamInfo) -> BucketStatus {
        let c = info.config
        let bucket = String(c.name.dropFirst(3))
        var s = BucketStatus(bucket: bucket, values: info.state.messages,
                             history: Int(c.maxMsgsPerSubject ?? 1), bytes: info.state.bytes,
                             storage: c.storage == "memory" ? .memory : .file, backingStore: "JetStream")
        s.description = c.description
        s.ttlNanos = (c.maxAge ?? 0) > 0 ? c.maxAge : nil
        s.maxValueSize = (c.maxMsgSize ?? -1) > 0 ? c.maxMsgSize : nil
        s.maxBucketSize = (c.maxBytes ?? -1) > 0 ? c.maxBytes : nil
        s.replicas = c.numReplicas ?? 1
        s.compressed = (c.compression ?? "none") != "none"
        s.perKeyTTL = c.allowMsgTTL ?? false
        s.limitMarkerTTLNanos = (c.subjectDeleteMarkerTTL ?? 0) > 0 ? c.subjectDeleteMarkerTTL : nil
        s.streamName = c.name
        s.created = info.created.flatMap(RFC3339.parse)
        s.lastUpdate = info.state.lastTime.flatMap(RFC3339.parse)
        if let cl = info.cluster {
            s.cluster = ClusterInfo(name: cl.name, leader: cl.leader, replicas: (cl.replicas ?? []).map {
                ClusterInfo.Replica(name: $0.name, current: $0.current ?? false, offline: $0.offline ?? false,
                                    activeNanos: $0.active ?? 0, lag: $0.lag ?? 0)
            })
        }
        return s
    }
}
