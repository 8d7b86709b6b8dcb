import KeyValue

/// Renders a bucket's status block, as `kv add`, `kv edit` and `kv info` print it
/// (natscli's layout, see docs nats-kv.md §5.2):
///
/// ```
/// Information for Key-Value Store Bucket my-kv created 2026-11-25 05:26:38
///
/// Configuration:
///
///             Bucket Name: my-kv
///            History Kept: 5
///   …
///                 Storage: File
/// ```
///
/// Optional rows appear only when they apply: `Description` (non-empty), `Limit Marker TTL`
/// (set and positive), `JetStream Stream` (a JetStream backend); the `Cluster Information`
/// section only when `cluster` is known. Limits that are nil or not positive read `unlimited`.
/// The heading omits ` created …` when the creation time is unknown. Ends with a newline.
func renderStatus(_ s: BucketStatus) -> String {
    var heading = "Information for Key-Value Store Bucket \(s.bucket)"
    if let created = s.created { heading += " created \(formatLocalTime(created))" }

    var config: [(label: String, value: String)] = [("Bucket Name", s.bucket)]
    if let description = s.description, !description.isEmpty { config.append(("Description", description)) }
    config.append(("History Kept", formatInt(s.history)))
    config.append(("Values Stored", formatInt(s.values)))
    config.append(("Compressed", String(s.compressed)))
    config.append(("Per-Key TTL Supported", String(s.perKeyTTL)))
    if let marker = s.limitMarkerTTLNanos, marker > 0 {
        config.append(("Limit Marker TTL", formatDuration(nanos: marker)))
    }
    config.append(("Backing Store Kind", s.backingStore))
    config.append(("Bucket Size", formatBytes(s.bytes)))
    config.append(("Maximum Bucket Size", limitText(s.maxBucketSize)))
    config.append(("Maximum Value Size", limitText(s.maxValueSize.map { Int64($0) })))
    config.append(("Maximum Age", s.ttlNanos.map { $0 > 0 ? formatDuration(nanos: $0) : "unlimited" } ?? "unlimited"))
    if let stream = s.streamName { config.append(("JetStream Stream", stream)) }
    config.append(("Storage", storageText(s.storage)))

    var sections = [AlignedSection(title: "Configuration", rows: config)]
    if let cluster = s.cluster { sections.append(clusterSection(cluster)) }
    return renderAlignedSections(heading: heading, sections)
}

/// `Cluster Information`: name, leader, then one `Replica` row per follower.
private func clusterSection(_ cluster: ClusterInfo) -> AlignedSection {
    var rows: [(label: String, value: String)] = [
        ("Name", cluster.name ?? ""),
        ("Leader", cluster.leader ?? ""),
    ]
    for replica in cluster.replicas {
        rows.append(("Replica", replicaText(replica)))
    }
    return AlignedSection(title: "Cluster Information", rows: rows)
}

/// `name, current|outdated[, OFFLINE], seen <d> ago|not seen[, 1 operation behind|N operations behind]`.
private func replicaText(_ r: ClusterInfo.Replica) -> String {
    var parts = [r.name, r.current ? "current" : "outdated"]
    if r.offline { parts.append("OFFLINE") }
    parts.append(r.activeNanos > 0 ? "seen \(formatDuration(nanos: r.activeNanos)) ago" : "not seen")
    if r.lag == 1 {
        parts.append("1 operation behind")
    } else if r.lag > 1 {
        parts.append("\(formatInt(r.lag)) operations behind")
    }
    return parts.joined(separator: ", ")
}

/// A byte limit: nil or not positive is `unlimited`, else IEC units.
private func limitText(_ bytes: Int64?) -> String {
    guard let bytes, bytes > 0 else { return "unlimited" }
    return formatBytes(UInt64(bytes))
}

private func storageText(_ kind: StorageKind) -> String {
    switch kind {
    case .file: "File"
    case .memory: "Memory"
    }
}
