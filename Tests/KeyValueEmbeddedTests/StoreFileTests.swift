#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KeyValue
@testable import KeyValueEmbedded
import Testing
import TestSupport

/// Files that are not kvsh stores, or not the user's, are refused before anything is written;
/// stores of the previous binary (unmarked) still open and get marked.
@Suite("embedded store: files that are not ours", .offCooperativePool, .serialized)
struct StoreFileTests {
    /// A temp directory, removed afterwards.
    func withDirectory(_ body: (String) async throws -> Void) async throws {
        let dir = try makeTempDir(prefix: "kvsh-storefile-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await body(dir)
    }

    /// Every file in `dir` with its bytes.
    func snapshot(_ dir: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            files[name] = FileManager.default.contents(atPath: dir + "/" + name)
        }
        return files
    }

    /// Opening `path` fails with a backend error whose text holds every one of `phrases`.
    func expectRefusal(_ path: String, _ phrases: String..., sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            let store = try await EmbeddedKeyValueStore.open(path: path)
            await store.close()
            Issue.record("\(path) was opened", sourceLocation: sourceLocation)
        } catch KeyValueError.backend(let text) {
            for phrase in phrases {
                #expect(text.contains(phrase), "\(text) lacks \(phrase)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Runs SQL on `path` with a plain SQLite connection, as another program would.
    func sqlite(_ path: String, _ sql: String) throws {
        let db = try SQLiteConnection(path: path, create: true)
        try db.execute(sql)
    }

    func pragma(_ path: String, _ name: String) throws -> Int64? {
        try SQLiteConnection(path: path, create: false).scalar("PRAGMA \(name)")
    }

    @Test("another program's SQLite database is refused and left byte for byte as it was: no WAL, no tables")
    func foreignDatabase() async throws {
        try await withDirectory { dir in
            let path = dir + "/app.db"
            try sqlite(path, "CREATE TABLE things(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO things(name) VALUES ('a'), ('b');")
            let before = try snapshot(dir)
            await expectRefusal(path, path, "another program", "not a kvsh store", "left untouched")
            #expect(try snapshot(dir) == before)
            #expect(try pragma(path, "application_id") == 0)
        }
    }

    @Test("a database with another program's application_id is refused before SQLite opens it")
    func otherApplicationID() async throws {
        try await withDirectory { dir in
            let path = dir + "/other.db"
            try sqlite(path, "PRAGMA application_id=305419896; CREATE TABLE buckets(x);")
            let before = try snapshot(dir)
            await expectRefusal(path, path, "application_id 0x12345678")
            #expect(try snapshot(dir) == before)
        }
    }

    @Test("an empty-schema SQLite database of another program (journal in WAL) keeps its file as it was")
    func foreignWALDatabase() async throws {
        try await withDirectory { dir in
            let path = dir + "/wal.db"
            try sqlite(path, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            let before = FileManager.default.contents(atPath: path)
            await expectRefusal(path, path, "another program")
            #expect(FileManager.default.contents(atPath: path) == before)
            #expect(!FileManager.default.fileExists(atPath: path + "-notify"))
        }
    }

    @Test("a file that is no SQLite database at all is refused and untouched")
    func notSQLite() async throws {
        try await withDirectory { dir in
            let path = dir + "/notes.txt"
            try Data("my notes\n".utf8).write(to: URL(fileURLWithPath: path))
            let before = try snapshot(dir)
            await expectRefusal(path, path, "not an SQLite database")
            #expect(try snapshot(dir) == before)
        }
    }

    @Test("an empty file (0 bytes) becomes a new, marked store")
    func emptyFile() async throws {
        try await withDirectory { dir in
            let path = dir + "/store.db"
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            let store = try await EmbeddedKeyValueStore.open(path: path)
            _ = try await store.createBucket(BucketConfig(bucket: "b"))
            #expect(try await store.bucket("b").put("k", Array("v".utf8)) == 1)
            await store.close()
            #expect(try pragma(path, "application_id") == Int64(Schema.applicationID))
            #expect(try pragma(path, "user_version") == Schema.version)
        }
    }

    @Test("a new store is created 0600 and marked with kvsh's application_id and schema version")
    func newStore() async throws {
        try await withDirectory { dir in
            let path = dir + "/new.db"
            let store = try await EmbeddedKeyValueStore.open(path: path)
            await store.close()
            var info = stat()
            #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
            #expect(try pragma(path, "application_id") == 0x6B76_7368)
            #expect(try pragma(path, "user_version") == 1)
        }
    }

    @Test("a store of the previous kvsh (kvsh's tables, no application_id) opens with its data and gets marked")
    func unmarkedStoreIsMigrated() async throws {
        try await withDirectory { dir in
            let path = dir + "/old.db"
            // The previous binary's file: the same tables in WAL mode, without the mark.
            try sqlite(path, """
                PRAGMA journal_mode=WAL;
                CREATE TABLE buckets(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, description TEXT,
                    history INTEGER NOT NULL, ttl_ns INTEGER, max_value_size INTEGER, max_bytes INTEGER,
                    storage TEXT NOT NULL, replicas INTEGER NOT NULL, compression INTEGER NOT NULL,
                    created_ns INTEGER NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0, last_ns INTEGER NOT NULL DEFAULT 0,
                    msgs INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE entries(bucket INTEGER NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL, op INTEGER NOT NULL,
                    value BLOB NOT NULL, created_ns INTEGER NOT NULL, size INTEGER NOT NULL, PRIMARY KEY(bucket, seq))
                    WITHOUT ROWID;
                CREATE INDEX entries_by_key ON entries(bucket, key, seq);
                CREATE TABLE replaced(bucket INTEGER NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL, op INTEGER NOT NULL,
                    value BLOB NOT NULL, created_ns INTEGER NOT NULL, replaced_ns INTEGER NOT NULL,
                    PRIMARY KEY(bucket, seq)) WITHOUT ROWID;
                CREATE INDEX replaced_by_time ON replaced(replaced_ns);
                PRAGMA user_version=1;
                INSERT INTO buckets(name, history, storage, replicas, compression, created_ns, last_seq, last_ns, msgs, bytes)
                    VALUES ('old', 1, 'file', 1, 0, 1000, 1, 1000, 1, 22);
                INSERT INTO entries VALUES (1, 1, 'greeting', 0, CAST('hello' AS BLOB), 1000, 22);
                """)
            #expect(try pragma(path, "application_id") == 0)
            let store = try await EmbeddedKeyValueStore.open(path: path)
            let entry = try await store.bucket("old").get("greeting", revision: nil)
            #expect(entry.valueString == "hello" && entry.revision == 1)
            #expect(try await store.bucket("old").put("next", Array("x".utf8)) == 2)
            await store.close()
            #expect(try pragma(path, "application_id") == Int64(Schema.applicationID))
            #expect(try pragma(path, "user_version") == 1)
        }
    }

    @Test("a kvsh store of a newer schema is refused and left as it was")
    func newerSchema() async throws {
        try await withDirectory { dir in
            let path = dir + "/future.db"
            let store = try await EmbeddedKeyValueStore.open(path: path)
            _ = try await store.createBucket(BucketConfig(bucket: "b"))
            await store.close()
            try sqlite(path, "PRAGMA user_version=2")
            // A WAL file: SQLite's reader makes its -wal and -shm again; the data stays as it was.
            func files() throws -> [String: Data] { try snapshot(dir).filter { !$0.key.hasSuffix("-wal") && !$0.key.hasSuffix("-shm") } }
            let before = try files()
            await expectRefusal(path, path, "schema version 2", "newer")
            #expect(try files() == before)
            #expect(try pragma(path, "user_version") == 2)
        }
    }

    @Test("the owner rule: a regular file of the user running kvsh, nothing else")
    func ownerRule() throws {
        try StoreFileGuard.checkOwner(mode: S_IFREG | 0o600, owner: 1000, user: 1000, path: "s", role: "the store")
        try StoreFileGuard.checkOwner(mode: S_IFREG | 0o644, owner: 0, user: 0, path: "s", role: "the store")
        for (mode, owner, user) in [(S_IFREG | 0o600, uid_t(0), uid_t(1000)), (S_IFREG | 0o666, 1000, 0),
                                    (S_IFDIR | 0o700, 1000, 1000), (S_IFIFO | 0o600, 1000, 1000),
                                    (S_IFLNK | 0o777, 1000, 1000)] {
            #expect(throws: KeyValueError.self, "mode \(String(mode, radix: 8)) owner \(owner) user \(user)") {
                try StoreFileGuard.checkOwner(mode: mode, owner: owner, user: user, path: "s", role: "the store")
            }
        }
    }

    @Test("a store file owned by another user is refused (run as root: the file is given to uid 65534)",
          .enabled(if: geteuid() == 0))
    func storeOfAnotherUser() async throws {
        try await withDirectory { dir in
            let path = dir + "/theirs.db"
            let store = try await EmbeddedKeyValueStore.open(path: path)
            await store.close()
            #expect(chown(path, 65534, 65534) == 0)
            let before = try snapshot(dir)
            await expectRefusal(path, path, "belongs to user 65534")
            #expect(try snapshot(dir) == before)
        }
    }

    @Test("a directory given as the store is refused")
    func directoryAsStore() async throws {
        try await withDirectory { dir in
            await expectRefusal(dir, dir, "not a regular file")
        }
    }

    @Test("a -notify sibling that is a symbolic link is refused, and its target is not created")
    func notifySymlink() async throws {
        try await withDirectory { dir in
            let path = dir + "/store.db"
            let store = try await EmbeddedKeyValueStore.open(path: path)
            await store.close()
            try FileManager.default.removeItem(atPath: path + "-notify")
            #expect(symlink(dir + "/elsewhere", path + "-notify") == 0)
            await expectRefusal(path, path + "-notify", "symbolic link")
            #expect(!FileManager.default.fileExists(atPath: dir + "/elsewhere"))
        }
    }

    @Test("a -notify sibling that is no regular file (a FIFO) is refused")
    func notifyFIFO() async throws {
        try await withDirectory { dir in
            let path = dir + "/store.db"
            #expect(mkfifo(path + "-notify", 0o600) == 0)
            await expectRefusal(path, path + "-notify", "not a regular file")
        }
    }

    @Test("a -notify sibling of another user is refused (run as root)", .enabled(if: geteuid() == 0))
    func notifyOfAnotherUser() async throws {
        try await withDirectory { dir in
            let path = dir + "/store.db"
            let store = try await EmbeddedKeyValueStore.open(path: path)
            await store.close()
            #expect(chown(path + "-notify", 65534, 65534) == 0)
            await expectRefusal(path, path + "-notify", "belongs to user 65534")
        }
    }
}
