import Foundation
import KeyValue
import Testing
@testable import KvshCLI

extension LocalTimeOutput {
    @Suite("renderStatus")
    struct StatusTests {
        private func walkthroughStatus() -> BucketStatus {
            var s = BucketStatus(bucket: "my-kv", values: 6, history: 5, bytes: 476, backingStore: "JetStream")
            s.ttlNanos = 3_600_000_000_000
            s.streamName = "KV_my-kv"
            s.created = LocalTimeOutput.created
            return s
        }

        @Test func matchesNatscliLayout() {
            LocalTimeOutput.useTimeZone()
            var s = walkthroughStatus()
            s.cluster = ClusterInfo(name: nil, leader: "NDQZ...", replicas: [])
            #expect(renderStatus(s) == """
                Information for Key-Value Store Bucket my-kv created 2026-11-25 05:26:38

                Configuration:

                            Bucket Name: my-kv
                           History Kept: 5
                          Values Stored: 6
                             Compressed: false
                  Per-Key TTL Supported: false
                     Backing Store Kind: JetStream
                            Bucket Size: 476 B
                    Maximum Bucket Size: unlimited
                     Maximum Value Size: unlimited
                            Maximum Age: 1h0m0s
                       JetStream Stream: KV_my-kv
                                Storage: File

                Cluster Information:

                                   Name:
                                 Leader: NDQZ...

                """)
        }

        @Test func optionalRowsAndReplicas() {
            LocalTimeOutput.useTimeZone()
            var s = walkthroughStatus()
            s.description = "Semaphores"
            s.values = 1_234_567
            s.bytes = 1_572_864
            s.maxBucketSize = 1 << 30
            s.maxValueSize = 1_024
            s.ttlNanos = nil
            s.compressed = true
            s.perKeyTTL = true
            s.limitMarkerTTLNanos = 2_000_000_000
            s.storage = .memory
            s.cluster = ClusterInfo(name: "east", leader: "n1", replicas: [
                .init(name: "n2", current: true, offline: false, activeNanos: 250_000_000, lag: 0),
                .init(name: "n3", current: false, offline: true, activeNanos: 0, lag: 12_345),
            ])
            #expect(renderStatus(s) == """
                Information for Key-Value Store Bucket my-kv created 2026-11-25 05:26:38

                Configuration:

                            Bucket Name: my-kv
                            Description: Semaphores
                           History Kept: 5
                          Values Stored: 1,234,567
                             Compressed: true
                  Per-Key TTL Supported: true
                       Limit Marker TTL: 2.00s
                     Backing Store Kind: JetStream
                            Bucket Size: 1.5 MiB
                    Maximum Bucket Size: 1.0 GiB
                     Maximum Value Size: 1.0 KiB
                            Maximum Age: unlimited
                       JetStream Stream: KV_my-kv
                                Storage: Memory

                Cluster Information:

                                   Name: east
                                 Leader: n1
                                Replica: n2, current, seen 0.25s ago
                                Replica: n3, outdated, OFFLINE, not seen, 12,345 operations behind

                """)
        }

        @Test func replicaRowsInEveryState() {
            LocalTimeOutput.useTimeZone()
            var s = walkthroughStatus()
            s.cluster = ClusterInfo(name: "c1", leader: "n2", replicas: [
                .init(name: "n1", current: true, offline: false, activeNanos: 1_500_000, lag: 1),
                .init(name: "n3", current: false, offline: true, activeNanos: 4_204_000_000, lag: 2),
                .init(name: "n4", current: true, offline: false, activeNanos: 75_000_000_000, lag: 0),
            ])
            let text = renderStatus(s)
            #expect(text.hasSuffix("""
                                Storage: File

                Cluster Information:

                                   Name: c1
                                 Leader: n2
                                Replica: n1, current, seen 0.00s ago, 1 operation behind
                                Replica: n3, outdated, OFFLINE, seen 4.20s ago, 2 operations behind
                                Replica: n4, current, seen 1m15s ago

                """), "\(text)")
        }

        @Test func embeddedWithoutCreationTime() {
            var s = BucketStatus(bucket: "local", backingStore: "embedded")
            s.ttlNanos = 0
            s.maxBucketSize = -1
            s.maxValueSize = -1
            s.description = ""
            #expect(renderStatus(s) == """
                Information for Key-Value Store Bucket local

                Configuration:

                            Bucket Name: local
                           History Kept: 1
                          Values Stored: 0
                             Compressed: false
                  Per-Key TTL Supported: false
                     Backing Store Kind: embedded
                            Bucket Size: 0 B
                    Maximum Bucket Size: unlimited
                     Maximum Value Size: unlimited
                            Maximum Age: unlimited
                                Storage: File

                """)
        }

        @Test func descriptionCannotAddLines() {
            var s = BucketStatus(bucket: "b", backingStore: "embedded")
            s.description = "line1\nFake Row: yes"
            #expect(renderStatus(s).contains("            Description: line1\\nFake Row: yes\n"))
        }
    }
}

@Suite("renderAlignedSections")
struct AlignedSectionsTests {
    @Test func sharesAlignmentAcrossSections() {
        let text = renderAlignedSections(heading: "Account Information", [
            AlignedSection(title: "Connection Information", rows: [("Client ID", "7"), ("RTT", "1ms")]),
            AlignedSection(title: nil, rows: [("Maximum Payload", "1.0 MiB")]),
        ])
        #expect(text == """
            Account Information

            Connection Information:

                    Client ID: 7
                          RTT: 1ms

              Maximum Payload: 1.0 MiB

            """)
    }

    @Test func withoutHeading() {
        #expect(renderAlignedSections(heading: nil, [AlignedSection(title: "T", rows: [("A", "")])]) == "T:\n\n  A:\n")
        #expect(renderAlignedSections(heading: nil, []) == "")
    }
}
