import Dispatch
import KeyValue
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The store file: one SQLite connection used from one serial queue, so SQLite's blocking
/// calls (disk, waiting for another process's lock) never hold a Swift concurrency thread.
final class Database: @unchecked Sendable {
    let path: String
    private let queue = DispatchQueue(label: "kvsh.embedded.sqlite")
    // Touched only on `queue`.
    private let connection: SQLiteConnection

    private init(path: String, connection: SQLiteConnection) {
        self.path = path
        self.connection = connection
    }

    /// Opens (creating when missing) the store file and brings its schema up to date.
    static func open(path: String) async throws -> Database {
        let queue = DispatchQueue(label: "kvsh.embedded.open")
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    let existed = access(path, F_OK) == 0
                    let connection = try SQLiteConnection(path: path, create: true)
                    if !existed { chmod(path, 0o600) }
                    try Schema.prepare(connection)
                    return Database(path: path, connection: connection)
                })
            }
        }
    }

    /// Runs `body` on the connection's queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(self.connection) }) }
        }
    }
}

/// The tables of a store file (user_version 1).
///
/// `buckets` holds each bucket's settings and running totals (last revision, entries, bytes);
/// `entries` every retained revision, keyed by bucket and revision, with an index by key;
/// `replaced` the revisions that history limits and purges removed in the last minute, which
/// only live watches read, so a watcher that wakes after a quick overwrite still sees every
/// revision (a server pushes each one as it is stored).
enum Schema {
    static let version: Int64 = 1

    static func prepare(_ db: SQLiteConnection) throws {
        // Another process may be creating the schema right now: wait for it rather than fail.
        db.setBusyTimeout(milliseconds: 30_000)
        // WAL: readers never block the writer; FULL: a commit is on disk before it is
        // acknowledged (fsync of the log on every commit).
        try db.execute("PRAGMA journal_mode=WAL")
        try db.execute("PRAGMA synchronous=FULL")
        try db.execute("PRAGMA foreign_keys=OFF")
        let current = try db.scalar("PRAGMA user_version") ?? 0
        if current == version { return }
        guard current < version else {
            throw KeyValueError.backend("nats: the store file was written by a newer kvsh (schema \(current))")
        }
        try db.transaction(write: true) {
            // Checked again under the write lock: another process may have won the race.
            if try db.scalar("PRAGMA user_version") == version { return }
            try db.execute("""
                CREATE TABLE buckets(
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    description TEXT,
                    history INTEGER NOT NULL,
                    ttl_ns INTEGER,
                    max_value_size INTEGER,
                    max_bytes INTEGER,
                    storage TEXT NOT NULL,
                    replicas INTEGER NOT NULL,
                    compression INTEGER NOT NULL,
                    created_ns INTEGER NOT NULL,
                    last_seq INTEGER NOT NULL DEFAULT 0,
                    last_ns INTEGER NOT NULL DEFAULT 0,
                    msgs INTEGER NOT NULL DEFAULT 0,
                    bytes INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE entries(
                    bucket INTEGER NOT NULL,
                    seq INTEGER NOT NULL,
                    key TEXT NOT NULL,
                    op INTEGER NOT NULL,
                    value BLOB NOT NULL,
                    created_ns INTEGER NOT NULL,
                    size INTEGER NOT NULL,
                    PRIMARY KEY(bucket, seq)
                ) WITHOUT ROWID;
                CREATE INDEX entries_by_key ON entries(bucket, key, seq);
                CREATE TABLE replaced(
                    bucket INTEGER NOT NULL,
                    seq INTEGER NOT NULL,
                    key TEXT NOT NULL,
                    op INTEGER NOT NULL,
                    value BLOB NOT NULL,
                    created_ns INTEGER NOT NULL,
                    replaced_ns INTEGER NOT NULL,
                    PRIMARY KEY(bucket, seq)
                ) WITHOUT ROWID;
                CREATE INDEX replaced_by_time ON replaced(replaced_ns);
                PRAGMA user_version=\(version);
                """)
        }
    }
}

/// Nanoseconds since the Unix epoch, from the real-time clock.
func wallClockNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
