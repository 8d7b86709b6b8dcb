#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KeyValue
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buckets in one local SQLite file, with JetStream KV semantics: per-bucket revisions,
/// per-key history, TTL, size limits, delete and purge markers, and watches that see writes
/// from every process using the same file.
public final class EmbeddedKeyValueStore: KeyValueStore {
    /// The store file.
    public let path: String
    let db: Database
    let notifier: ChangeNotifier
    /// Every watch's pump: `close` ends them before it stops the notifier they wait on.
    let watches = TaskSet()

    private init(path: String, db: Database, notifier: ChangeNotifier) {
        self.path = path
        self.db = db
        self.notifier = notifier
    }

    /// Opens the store at `path`, creating the file (mode 0600) when it does not exist. The
    /// directory must exist. A store made by an earlier kvsh is marked as a kvsh store on the way.
    /// - Throws: `KeyValueError.backend`, with the file left untouched, when it is not a kvsh
    ///   store (another program's SQLite database, or no database at all), has a newer schema
    ///   than this kvsh knows, is not a regular file, or it or its `-notify` sibling belongs to
    ///   another user (the sibling must not be a symbolic link either).
    public static func open(path: String) async throws -> EmbeddedKeyValueStore {
        do {
            let (db, notifier) = try await Database.open(path: path)
            return EmbeddedKeyValueStore(path: path, db: db, notifier: notifier)
        } catch let error as SQLiteError {
            throw KeyValueError.backend("cannot open the store \(path): \(error.message)")
        }
    }

    public func createBucket(_ config: BucketConfig) async throws -> BucketStatus {
        try config.validate()
        guard config.replicas == 1 else {
            throw KeyValueError.invalidConfig("replicas > 1 not supported by the embedded store")
        }
        guard config.limitMarkerTTLNanos == nil else {
            throw KeyValueError.invalidConfig("limit markers and per-key TTL not supported by the embedded store")
        }
        guard config.placement == nil else {
            throw KeyValueError.invalidConfig("placement on a cluster or by tags not supported by the embedded store")
        }
        let wanted = Self.normalized(config)
        let status = try await write { c in
            if let existing = try c.bucket(named: config.bucket) {
                guard Self.normalized(existing.config) == wanted else { throw KeyValueError.bucketExists(config.bucket) }
                return Self.status(existing)
            }
            try c.insertBucket(wanted, now: wallClockNanos())
            return Self.status(try c.requireBucket(config.bucket))
        }
        return status
    }

    public func bucket(_ name: String) async throws -> any KeyValueBucket {
        try KeyNames.validateBucket(name)
        _ = try await read { c in try c.requireBucket(name) }
        return EmbeddedBucket(store: self, name: name)
    }

    public func deleteBucket(_ name: String) async throws {
        try KeyNames.validateBucket(name)
        try await write { c in try c.removeBucket(try c.requireBucket(name)) }
    }

    public func bucketStatuses() async throws -> [BucketStatus] {
        try await write { c in
            let now = wallClockNanos()
            return try c.allBuckets().map { row in
                var row = row
                try c.reclaimExpired(&row, now: now)
                return Self.status(row)
            }
        }
    }

    /// Ends the watches, then stops listening for commits.
    public func close() async {
        await watches.close()
        notifier.stop()
    }

    /// Totals of the whole store, for `account info`.
    public struct Info: Sendable, Equatable {
        public var path: String
        public var buckets: Int
        /// Entries in every bucket, history and markers included.
        public var entries: UInt64
        /// Bytes the entries count for (see `BucketStatus.bytes`).
        public var bytes: UInt64
        /// Size of the database file and its write-ahead log on disk.
        public var fileBytes: UInt64
        public var sqliteVersion: String
    }

    public func info() async throws -> Info {
        let statuses = try await bucketStatuses()
        var fileBytes: UInt64 = 0
        for file in [path, path + "-wal"] {
            var st = stat()
            if stat(file, &st) == 0 { fileBytes += UInt64(st.st_size) }
        }
        // Saturating: each total fits in 63 bits, their sum over many buckets need not.
        func total(_ values: [UInt64]) -> UInt64 {
            values.reduce(0) { let (s, o) = $0.addingReportingOverflow($1); return o ? .max : s }
        }
        return Info(path: path, buckets: statuses.count, entries: total(statuses.map(\.values)),
                    bytes: total(statuses.map(\.bytes)), fileBytes: fileBytes, sqliteVersion: sqliteVersion)
    }

    /// SQLite's `PRAGMA integrity_check` of the file: "ok" when it is sound.
    public func checkIntegrity() async throws -> String {
        try await read { c in
            var lines: [String] = []
            try c.query("PRAGMA integrity_check") { lines.append($0.text(0)) }
            return lines.joined(separator: "\n")
        }
    }

    // MARK: Internals

    /// A read on the store's queue; SQLite failures become readable errors.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await mapped { try await db.run { c in try c.transaction(write: false) { try body(c) } } }
    }

    /// A write transaction (`BEGIN IMMEDIATE`); watchers everywhere are told after the commit.
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let notifier = self.notifier
        return try await mapped {
            try await db.run { c in
                let result = try c.transaction(write: true) { try body(c) }
                notifier.didCommit()
                return result
            }
        }
    }

    private func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SQLiteError {
            let hint = error.isBusy ? " (another process holds the store's write lock)" : ""
            throw KeyValueError.backend("store \(path): \(error.message)\(hint)")
        }
    }

    /// Settings as stored: no TTL and an empty description are absent.
    static func normalized(_ c: BucketConfig) -> BucketConfig {
        var c = c
        if let ttl = c.ttlNanos, ttl <= 0 { c.ttlNanos = nil }
        if c.description?.isEmpty == true { c.description = nil }
        return c
    }

    static func status(_ row: BucketRow) -> BucketStatus {
        let c = row.config
        var s = BucketStatus(bucket: c.bucket, values: UInt64(max(0, row.msgs)), history: c.history,
                             bytes: UInt64(max(0, row.bytes)), storage: c.storage, backingStore: "embedded")
        s.description = c.description
        s.ttlNanos = c.ttlNanos
        s.maxValueSize = c.maxValueSize
        s.maxBucketSize = c.maxBucketSize
        s.replicas = c.replicas
        s.compressed = c.compression
        s.created = date(row.createdNanos)
        s.lastUpdate = row.lastNanos > 0 ? date(row.lastNanos) : nil
        return s
    }
}

func date(_ nanos: Int64) -> Date {
    Date(timeIntervalSince1970: Double(nanos / 1_000_000_000) + Double(nanos % 1_000_000_000) / 1e9)
}
