import Foundation
import KeyValue
import KeyValueEmbedded
import Testing
import TestSupport

/// A store file edited by another program may hold numbers kvsh never writes (negative
/// revisions, totals at the 64-bit limit). Each must end in one clear error, not a trap.
@Suite("embedded store: a doctored file", .offCooperativePool)
struct DoctoredFileTests {
    /// A store with bucket `b` holding key `k` (revision 1), edited by `sql`, then `body`.
    func withDoctoredStore(_ sql: String, _ body: (EmbeddedKeyValueStore) async throws -> Void) async throws {
        let dir = try makeTempDir(prefix: "kvsh-doctored-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/store.db"
        let store = try await EmbeddedKeyValueStore.open(path: path)
        _ = try await store.createBucket(BucketConfig(bucket: "b"))
        _ = try await store.bucket("b").put("k", Array("v".utf8))
        try editSQLiteFile(path, sql)
        do {
            try await body(store)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// `body`'s error as text; records an issue when it returns instead.
    func failure(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            Issue.record("expected an error")
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test("a negative last revision")
    func negativeLastRevision() async throws {
        try await withDoctoredStore("UPDATE buckets SET last_seq = -5") { store in
            let text = await failure { _ = try await store.bucket("b").status() }
            #expect(text.contains("store file is damaged") && text.contains("-5"), "\(text)")
        }
    }

    @Test("the last revision a signed 64-bit integer holds: a write says so")
    func revisionsUsedUp() async throws {
        try await withDoctoredStore("UPDATE buckets SET last_seq = 9223372036854775807") { store in
            let bucket = try await store.bucket("b")
            let text = await failure { _ = try await bucket.put("k", Array("w".utf8)) }
            #expect(text == "bucket \"b\" has used every revision up to 9223372036854775807", "\(text)")
            #expect(try await bucket.get("k", revision: nil).valueString == "v", "nothing written")
        }
    }

    @Test("an entry count at Int64.max")
    func entryCountAtTheLimit() async throws {
        try await withDoctoredStore("UPDATE buckets SET msgs = 9223372036854775807") { store in
            let bucket = try await store.bucket("b")
            let text = await failure { _ = try await bucket.put("other", Array("w".utf8)) }
            #expect(text.contains("store file is damaged") && text.contains("entry count"), "\(text)")
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "other")) { try await bucket.get("other", revision: nil) }
        }
    }

    @Test("a byte total at Int64.max")
    func byteTotalAtTheLimit() async throws {
        try await withDoctoredStore("UPDATE buckets SET bytes = 9223372036854775807") { store in
            let text = await failure { _ = try await store.bucket("b").put("k", Array("w".utf8)) }
            #expect(text.contains("store file is damaged") && text.contains("size"), "\(text)")
        }
    }

    @Test("negative totals and a history no bucket can have")
    func impossibleSettings() async throws {
        for sql in ["UPDATE buckets SET msgs = -1", "UPDATE buckets SET bytes = -9223372036854775808",
                    "UPDATE buckets SET history = -9223372036854775808", "UPDATE buckets SET ttl_ns = -1",
                    "UPDATE buckets SET replicas = 0"] {
            try await withDoctoredStore(sql) { store in
                let text = await failure { _ = try await store.bucket("b").put("k", Array("w".utf8)) }
                #expect(text.contains("store file is damaged"), "\(sql): \(text)")
                let listing = await failure { _ = try await store.bucketStatuses() }
                #expect(listing.contains("store file is damaged"), "\(sql): \(listing)")
            }
        }
    }

    @Test("a negative entry revision")
    func negativeEntryRevision() async throws {
        try await withDoctoredStore("UPDATE entries SET seq = -1") { store in
            let bucket = try await store.bucket("b")
            let text = await failure { _ = try await bucket.history("k") }
            #expect(text.contains("store file is damaged") && text.contains("revision is -1"), "\(text)")
            let write = await failure { _ = try await bucket.put("k", Array("w".utf8)) }
            #expect(write.contains("store file is damaged"), "\(write)")
        }
    }

    @Test("totals of many buckets near the limit add up without overflow in info()")
    func infoSaturates() async throws {
        try await withDoctoredStore("""
            INSERT INTO buckets(name, history, storage, replicas, compression, created_ns, msgs, bytes)
                VALUES ('c', 1, 'file', 1, 0, 0, 9223372036854775807, 9223372036854775807),
                       ('d', 1, 'file', 1, 0, 0, 9223372036854775807, 9223372036854775807);
            UPDATE buckets SET msgs = 9223372036854775807, bytes = 9223372036854775807 WHERE name = 'b';
            """) { store in
            let info = try await store.info()
            #expect(info.buckets == 3)
            #expect(info.entries == .max && info.bytes == .max)
        }
    }
}
