import KeyValue

// The `--json` shapes. Each function returns one compact JSON document without a trailing
// newline, so a watch can print one entry per line (JSON Lines). Member names are
// snake_case; limits that are unlimited or unknown are `null`.

/// An entry as a JSON object:
///
/// ```
/// {"bucket":"my-kv","key":"Key1","value":"Value1","value_b64":"VmFsdWUx","revision":3,
///  "created":"2026-11-25T05:26:38.123456Z","delta":0,"operation":"PUT"}
/// ```
///
/// `value` is the value as a string when it is valid UTF-8 and `null` otherwise;
/// `value_b64` is always present and always exact, so scripts handling binary values can
/// rely on it alone. `created` is RFC 3339 in UTC (`Timestamp`, as `$e.created`);
/// `operation` is `PUT`, `DELETE` or `PURGE`, the words the other outputs use.
func jsonEntry(_ e: Entry) -> String { entryJSON(e).serialized }

/// Entries (e.g. a key's history, oldest first) as a JSON array of ``jsonEntry(_:)`` objects.
func jsonHistory(_ entries: [Entry]) -> String { JSONValue.array(entries.map(entryJSON)).serialized }

/// Keys as a JSON array of strings.
func jsonKeys(_ keys: [String]) -> String { JSONValue.array(keys.map(JSONValue.string)).serialized }

/// A bucket status as a JSON object. Durations are integer nanoseconds (`*_ns`, as JetStream
/// itself writes them), sizes integer bytes, times RFC 3339 UTC:
///
/// ```
/// {"bucket":"my-kv","description":null,"history":5,"values":6,"bytes":476,
///  "max_bucket_size":null,"max_value_size":null,"ttl_ns":3600000000000,
///  "storage":"file","replicas":1,"compressed":false,"per_key_ttl":false,
///  "limit_marker_ttl_ns":null,"backing_store":"JetStream","stream":"KV_my-kv",
///  "created":"…","last_update":"…","cluster":null}
/// ```
///
/// `cluster`, when known, is `{"name","leader","replicas":[{"name","current","offline",
/// "active_ns","lag"}]}`.
func jsonStatus(_ s: BucketStatus) -> String { statusJSON(s).serialized }

func entryJSON(_ e: Entry) -> JSONValue {
    .object([
        .init("bucket", .string(e.bucket)),
        .init("key", .string(e.key)),
        .init("value", .nullable(ValueText.text(ifValidUTF8: e.value))),
        .init("value_b64", .string(base64Encoded(e.value))),
        .init("revision", .uint(e.revision)),
        .init("created", .string(Timestamp.rfc3339(e.created))),
        .init("delta", .uint(e.delta)),
        .init("operation", .string(e.operation.displayName)),
    ])
}

func statusJSON(_ s: BucketStatus) -> JSONValue {
    func positive(_ n: Int64?) -> JSONValue { n.flatMap { $0 > 0 ? JSONValue.int($0) : nil } ?? .null }
    return .object([
        .init("bucket", .string(s.bucket)),
        .init("description", .nullable(s.description)),
        .init("history", .int(Int64(s.history))),
        .init("values", .uint(s.values)),
        .init("bytes", .uint(s.bytes)),
        .init("max_bucket_size", positive(s.maxBucketSize)),
        .init("max_value_size", positive(s.maxValueSize.map { Int64($0) })),
        .init("ttl_ns", positive(s.ttlNanos)),
        .init("storage", .string(s.storage.rawValue)),
        .init("replicas", .int(Int64(s.replicas))),
        .init("compressed", .bool(s.compressed)),
        .init("per_key_ttl", .bool(s.perKeyTTL)),
        .init("limit_marker_ttl_ns", positive(s.limitMarkerTTLNanos)),
        .init("backing_store", .string(s.backingStore)),
        .init("stream", .nullable(s.streamName)),
        .init("created", .nullable(s.created.map(Timestamp.rfc3339))),
        .init("last_update", .nullable(s.lastUpdate.map(Timestamp.rfc3339))),
        .init("cluster", s.cluster.map(clusterJSON) ?? .null),
    ])
}

private func clusterJSON(_ c: ClusterInfo) -> JSONValue {
    .object([
        .init("name", .nullable(c.name)),
        .init("leader", .nullable(c.leader)),
        .init("replicas", .array(c.replicas.map { r in
            .object([
                .init("name", .string(r.name)),
                .init("current", .bool(r.current)),
                .init("offline", .bool(r.offline)),
                .init("active_ns", .int(r.activeNanos)),
                .init("lag", .uint(r.lag)),
            ])
        })),
    ])
}
