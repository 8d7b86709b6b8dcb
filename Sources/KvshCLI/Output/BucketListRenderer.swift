#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KeyValue

/// Renders `kv ls` without a bucket: a ``TextTable`` titled `Key-Value Buckets` with the
/// columns `Bucket | Description | Created | Size | Values | Last Update`, smallest bucket
/// first (ties by name). Empty when there are none (`kv ls` says so on stderr).
///
/// `Size` is IEC bytes, `Values` has thousands commas, `Created` is local time (blank when
/// unknown) and `Last Update` is the time since the last write measured against `now`
/// (`never` when the bucket has none). Ends with a newline.
func renderBucketList(_ statuses: [BucketStatus], now: Date) -> String {
    guard !statuses.isEmpty else { return "" }
    let sorted = statuses.sorted { a, b in
        a.bytes != b.bytes ? a.bytes < b.bytes : a.bucket < b.bucket
    }
    var table = TextTable(
        title: "Key-Value Buckets",
        headers: ["Bucket", "Description", "Created", "Size", "Values", "Last Update"],
        rightAligned: [3, 4])
    for s in sorted {
        table.append([
            s.bucket,
            s.description ?? "",
            s.created.map(formatLocalTime) ?? "",
            formatBytes(s.bytes),
            formatInt(s.values),
            s.lastUpdate.map { formatSince($0, now: now) } ?? "never",
        ])
    }
    return table.render()
}
