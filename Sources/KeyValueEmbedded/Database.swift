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

    /// Opens (creating when missing) the store file and its `-notify` sibling, and brings the
    /// schema up to date. A file that is not a kvsh store is refused before anything is written.
    static func open(path: String) async throws -> (Database, ChangeNotifier) {
        let queue = DispatchQueue(label: "kvsh.embedded.open")
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    try StoreFileGuard.checkNotifyFile(ChangeNotifier.path(forStore: path))
                    try StoreFileGuard.prepareStore(at: path)
                    let connection = try SQLiteConnection(path: path, create: false)
                    let found: Schema.Found
                    do {
                        found = try Schema.inspect(connection, path: path)
                    } catch {
                        // Not ours: closing must not checkpoint another program's log into its file.
                        connection.skipCheckpointOnClose()
                        throw error
                    }
                    let notifier = try ChangeNotifier(storePath: path)
                    try Schema.prepare(connection, found: found, path: path)
                    return (Database(path: path, connection: connection), notifier)
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

/// The tables of a store file: `application_id` 0x6B767368 ("kvsh") marks the file as a
/// kvsh store, `user_version` is the schema version (1).
///
/// `buckets` holds each bucket's settings and running totals (last revision, entries, bytes);
/// `entries` every retained revision, keyed by bucket and revision, with an index by key;
/// `replaced` the revisions that history limits and purges removed in the last minute, which
/// only live watches read, so a watcher that wakes after a quick overwrite still sees every
/// revision (a server pushes each one as it is stored).
enum Schema {
    static let version: Int64 = 1
    static let applicationID: UInt32 = 0x6B76_7368

    /// What an open file holds, read before anything is written.
    enum Found: Equatable {
        /// No pages yet: a new store.
        case empty
        /// A marked kvsh store with this schema version (at most `version`).
        case store(version: Int64)
        /// A store written before stores were marked: kvsh's tables, no `application_id`.
        case unmarked
    }

    /// Reads the file's marks and tables without writing.
    /// - Throws: `KeyValueError.backend` naming the file when it is another program's database,
    ///   or a kvsh store of a newer schema than this binary knows.
    static func inspect(_ db: SQLiteConnection, path: String) throws -> Found {
        // Another process may be creating the schema right now: wait for it rather than fail.
        db.setBusyTimeout(milliseconds: 30_000)
        let found: Found?
        do {
            found = try db.transaction(write: false) { try classify(db) }
        } catch let error as SQLiteError where error.isNotADatabase {
            throw KeyValueError.backend("\(path) is not a kvsh store (not an SQLite database); it was left "
                                        + "untouched. Choose another file with --store.")
        }
        guard let found else {
            throw KeyValueError.backend("\(path) is an SQLite database of another program, not a kvsh store; "
                                        + "it was left untouched. Choose another file with --store.")
        }
        if case .store(let v) = found, v > version {
            throw KeyValueError.backend("the store \(path) has schema version \(v), newer than this kvsh "
                                        + "knows (\(version)); use a newer kvsh.")
        }
        return found
    }

    /// nil: not a kvsh store. A file is empty when it has no pages; in a write transaction
    /// (whose start gives a new file its first page) `headerOnly` also counts a file with no
    /// schema and no marks as empty.
    private static func classify(_ db: SQLiteConnection, headerOnly: Bool = false) throws -> Found? {
        let id = UInt32(truncatingIfNeeded: try db.scalar("PRAGMA application_id") ?? 0)
        let userVersion = try db.scalar("PRAGMA user_version") ?? 0
        if id == applicationID { return userVersion >= 1 ? .store(version: userVersion) : nil }
        guard id == 0 else { return nil }
        if try db.scalar("PRAGMA page_count") == 0 { return .empty }
        if headerOnly, userVersion == 0, try db.scalar("SELECT count(*) FROM sqlite_master") == 0 { return .empty }
        guard userVersion == 1 else { return nil }
        var tables: [String: [String]] = [:]
        try db.query("""
            SELECT m.name, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p
            WHERE m.type = 'table' ORDER BY m.name, p.cid
            """) { tables[$0.text(0), default: []].append($0.text(1)) }
        return tables == unmarkedTables ? .unmarked : nil
    }

    /// The tables (and their columns, in order) of a store made before stores were marked.
    private static let unmarkedTables: [String: [String]] = [
        "buckets": ["id", "name", "description", "history", "ttl_ns", "max_value_size", "max_bytes", "storage",
                    "replicas", "compression", "created_ns", "last_seq", "last_ns", "msgs", "bytes"],
        "entries": ["bucket", "seq", "key", "op", "value", "created_ns", "size"],
        "replaced": ["bucket", "seq", "key", "op", "value", "created_ns", "replaced_ns"],
        "sqlite_sequence": ["name", "seq"],
    ]

    /// Creates the tables of a new store, marks an unmarked one, and switches to WAL.
    static func prepare(_ db: SQLiteConnection, found: Found, path: String) throws {
        if found != .store(version: version) {
            try db.transaction(write: true) {
                // Checked again under the write lock: another process may have won the race.
                switch try classify(db, headerOnly: found == .empty) {
                case .empty: try create(db)
                case .unmarked: try db.execute("PRAGMA application_id=\(applicationID)")
                case .store(let v) where v == version: break
                default:
                    throw KeyValueError.backend("the store \(path) was changed by another program while "
                                                + "kvsh opened it; nothing was written.")
                }
            }
        }
        // WAL: readers never block the writer; FULL: a commit is on disk before it is
        // acknowledged (fsync of the log on every commit).
        try db.execute("PRAGMA journal_mode=WAL")
        try db.execute("PRAGMA synchronous=FULL")
        try db.execute("PRAGMA foreign_keys=OFF")
    }

    private static func create(_ db: SQLiteConnection) throws {
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
            PRAGMA application_id=\(applicationID);
            PRAGMA user_version=\(version);
            """)
    }
}

/// Nanoseconds since the Unix epoch, from the real-time clock.
func wallClockNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
