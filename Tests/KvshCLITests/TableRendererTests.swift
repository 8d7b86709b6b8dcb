import Foundation
import KeyValue
import Testing
@testable import KvshCLI

extension LocalTimeOutput {
    @Suite("renderHistory")
    struct HistoryTests {
        @Test func table() {
            LocalTimeOutput.useTimeZone()
            let t = LocalTimeOutput.walkthrough
            let long = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
            let entries = [
                Entry(bucket: "my-kv", key: "Key1", value: Array("Value1".utf8), revision: 1, created: t),
                Entry(bucket: "my-kv", key: "Key1", value: Array(long.utf8), revision: 12,
                      created: t.addingTimeInterval(611)),
                Entry(bucket: "my-kv", key: "Key1", value: [], revision: 13, created: t.addingTimeInterval(612),
                      operation: .delete),
                Entry(bucket: "my-kv", key: "Key1", value: Array("a\nb".utf8), revision: 14,
                      created: t.addingTimeInterval(613)),
                Entry(bucket: "my-kv", key: "Key1", value: [], revision: 15, created: t.addingTimeInterval(614),
                      operation: .purge),
            ]
            #expect(renderHistory(bucket: "my-kv", key: "Key1", entries: entries) == """
                ╭─────────────────────────────────────────────────────────────────────────────────────────────╮
                │                                  History for my-kv > Key1                                   │
                ├──────┬──────────┬────────┬─────────────────────┬────────┬───────────────────────────────────┤
                │ Key  │ Revision │ Op     │ Created             │ Length │ Value                             │
                ├──────┼──────────┼────────┼─────────────────────┼────────┼───────────────────────────────────┤
                │ Key1 │        1 │ PUT    │ 2021-10-12 13:15:03 │      6 │ Value1                            │
                │ Key1 │       12 │ PUT    │ 2021-10-12 13:25:14 │     46 │ 0123456789abcde...vwxyzABCDEFGHIJ │
                │ Key1 │       13 │ DELETE │ 2021-10-12 13:25:15 │      0 │                                   │
                │ Key1 │       14 │ PUT    │ 2021-10-12 13:25:16 │      3 │ "a\\nb"                            │
                │ Key1 │       15 │ PURGE  │ 2021-10-12 13:25:17 │      0 │                                   │
                ╰──────┴──────────┴────────┴─────────────────────┴────────┴───────────────────────────────────╯

                """)
        }
    }

    @Suite("renderBucketList")
    struct BucketListTests {
        @Test func empty() {
            #expect(renderBucketList([], now: Date()) == "")
        }

        @Test func sortedBySizeThenName() {
            LocalTimeOutput.useTimeZone()
            let now = LocalTimeOutput.created.addingTimeInterval(3_600)
            var big = BucketStatus(bucket: "big", values: 1_234_567, bytes: 5 * 1_048_576, backingStore: "JetStream")
            big.description = "Lots"
            big.created = LocalTimeOutput.created
            big.lastUpdate = now.addingTimeInterval(-3.25)
            var zeta = BucketStatus(bucket: "zeta", values: 6, bytes: 476, backingStore: "JetStream")
            zeta.created = LocalTimeOutput.created
            zeta.lastUpdate = now.addingTimeInterval(-123)
            var alpha = BucketStatus(bucket: "alpha", values: 6, bytes: 476, backingStore: "JetStream")
            alpha.created = LocalTimeOutput.created
            let empty = BucketStatus(bucket: "new", backingStore: "embedded")
            #expect(renderBucketList([big, zeta, alpha, empty], now: now) == """
                ╭────────────────────────────────────────────────────────────────────────────────╮
                │                               Key-Value Buckets                                │
                ├────────┬─────────────┬─────────────────────┬─────────┬───────────┬─────────────┤
                │ Bucket │ Description │ Created             │ Size    │ Values    │ Last Update │
                ├────────┼─────────────┼─────────────────────┼─────────┼───────────┼─────────────┤
                │ new    │             │                     │     0 B │         0 │ never       │
                │ alpha  │             │ 2026-11-25 05:26:38 │   476 B │         6 │ never       │
                │ zeta   │             │ 2026-11-25 05:26:38 │   476 B │         6 │ 2m3s        │
                │ big    │ Lots        │ 2026-11-25 05:26:38 │ 5.0 MiB │ 1,234,567 │ 3.25s       │
                ╰────────┴─────────────┴─────────────────────┴─────────┴───────────┴─────────────╯

                """)
        }
    }
}
