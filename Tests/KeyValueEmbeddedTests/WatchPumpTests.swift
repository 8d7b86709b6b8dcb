import Foundation
import KeyValue
@testable import KeyValueEmbedded
import KeyValueTestSupport
import Testing
import TestSupport

/// A watch's pump belongs to its store: it ends when the watch is dropped, and the store's
/// close ends the rest before it returns. Real store files.
@Suite("embedded store: watch pumps", .offCooperativePool)
struct WatchPumpTests {
    /// A store file with bucket `b` holding one key (see `withStoreFile`).
    func withStore(_ body: (EmbeddedKeyValueStore, any KeyValueBucket) async throws -> Void) async throws {
        try await withStoreFile(prefix: "kvsh-pumps-") { _, store in
            _ = try await store.createBucket(BucketConfig(bucket: "b"))
            let bucket = try await store.bucket("b")
            _ = try await bucket.put("k", Array("v".utf8))
            try await body(store, bucket)
        }
    }

    @Test("a watch dropped without stop ends its pump")
    func droppedWatch() async throws {
        try await withStore { store, bucket in
            try await readMarkerAndDrop(bucket)
            #expect(try await eventually { store.watches.count == 0 }, "the dropped watch's pump still runs")
        }
    }

    @Test("close ends the watches before it returns; a watch of a closed store is refused")
    func closeEndsPumps() async throws {
        try await withStore { store, bucket in
            let watch = try await bucket.watch(filters: [], options: WatchOptions())
            // Nobody reads: the pump waits for room or for a commit, and close must end it anyway.
            _ = try await bucket.putAll((0..<300).map { (key: "k\($0)", value: Array("\($0)".utf8)) })
            #expect(store.watches.count == 1)
            await store.close()
            try #require(store.watches.count == 0, "close returned before the pump ended")
            var count = 0
            for try await event in watch where event != .initialValuesDone { count += 1 }
            #expect(count > 0, "the buffered events are still read after the close")
            await #expect(throws: KeyValueError.self) {
                _ = try await bucket.watch(filters: [], options: WatchOptions())
            }
        }
    }
}
