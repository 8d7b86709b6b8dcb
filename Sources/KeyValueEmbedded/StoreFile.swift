import KeyValue

/// A bucket's row: its settings and running totals.
struct BucketRow: Sendable {
    var id: Int64
    var config: BucketConfig
    var createdNanos: Int64
    /// The last revision handed out (kept when entries go, as a stream's last sequence is).
    var lastSeq: UInt64
    /// Time of the last write; new entries are never stamped earlier, so time order is
    /// revision order and expiry removes a prefix of the revisions.
    var lastNanos: Int64
    var msgs: Int64
    var bytes: Int64

    /// Entries created at or before this instant have expired.
    func cutoff(now: Int64) -> Int64 {
        guard let ttl = config.ttlNanos, ttl > 0 else { return Int64.min }
        return now - ttl
    }
}

/// One stored revision.
struct StoredEntry: Sendable {
    var seq: UInt64
    var key: String
    var op: Operation
    var value: [UInt8]
    var createdNanos: Int64
}

/// What a write requires of the key's latest revision.
enum WriteGuard: Sendable {
    case none
    /// `create`: no entry, or a delete/purge marker.
    case absent
    /// `update` and guarded delete/purge: the latest revision (0 = none at all).
    case revision(UInt64)
}

/// How many bytes an entry counts towards a bucket's size: its key, its value and a fixed
/// 16 bytes, JetStream's memory-store formula without the `$KV.<bucket>.` subject prefix and
/// the KV headers (so a bucket that fits on a server fits here too).
func entrySize(key: String, value: [UInt8]) -> Int64 { Int64(key.utf8.count + value.count + 16) }

private func opCode(_ op: Operation) -> Int64 {
    switch op {
    case .put: 0
    case .delete: 1
    case .purge: 2
    }
}

/// A store file whose numbers no kvsh could have written (edited by hand, or by another
/// program): reported instead of trapping on them.
func damagedStore(_ detail: String) -> KeyValueError {
    .backend("the store file is damaged: \(detail) (kvsh never writes that; restore a backup or remove the bucket)")
}

/// `a + b`, or the damaged-store error when totals read from the file overflow.
private func sum(_ a: Int64, _ b: Int64, _ what: String) throws(KeyValueError) -> Int64 {
    let (result, overflow) = a.addingReportingOverflow(b)
    if overflow { throw damagedStore("\(what) out of range") }
    return result
}

/// A revision read from the file: never negative.
private func revision(_ n: Int64, _ what: String) throws(KeyValueError) -> UInt64 {
    guard n >= 0 else { throw damagedStore("\(what) is \(n)") }
    return UInt64(n)
}

private func operation(_ code: Int64) -> Operation {
    switch code {
    case 1: .delete
    case 2: .purge
    default: .put
    }
}

/// The store's operations as SQL, run on the connection's queue. Writes happen inside
/// `BEGIN IMMEDIATE`, so each check-then-write is atomic across processes. Lookups by key
/// name the key index: without statistics SQLite prefers the (bucket, seq) primary key and
/// would scan the whole bucket.
extension SQLiteConnection {
    private static let bucketColumns = """
        id, name, description, history, ttl_ns, max_value_size, max_bytes, storage, replicas, compression,
        created_ns, last_seq, last_ns, msgs, bytes
        """

    private func bucketRow(_ row: Row) throws -> BucketRow {
        var config = BucketConfig(bucket: row.text(1))
        config.description = row.optionalText(2)
        config.history = Int(row.int(3))
        config.ttlNanos = row.optionalInt(4)
        config.maxValueSize = row.optionalInt(5).map { Int32(clamping: $0) }
        config.maxBucketSize = row.optionalInt(6)
        config.storage = StorageKind(rawValue: row.text(7)) ?? .file
        config.replicas = Int(row.int(8))
        config.compression = row.int(9) != 0
        let shown = DisplayText.quoted(config.bucket)
        // The name is shown (escaped) rather than refused, so a listing still names the bucket.
        var settings = config
        settings.bucket = "b"
        do {
            try settings.validate()
        } catch {
            throw damagedStore("bucket \(shown) has settings kvsh refuses: \(error)")
        }
        let lastSeq = try revision(row.int(11), "the last revision of bucket \(shown)")
        // Room for one more revision, as a signed 64-bit SQLite integer, is checked by writes.
        let msgs = row.int(13), bytes = row.int(14)
        guard msgs >= 0, bytes >= 0 else {
            throw damagedStore("bucket \(shown) counts \(msgs) entries of \(bytes) bytes")
        }
        return BucketRow(id: row.int(0), config: config, createdNanos: row.int(10), lastSeq: lastSeq,
                         lastNanos: row.int(12), msgs: msgs, bytes: bytes)
    }

    func bucket(named name: String) throws -> BucketRow? {
        var found: BucketRow?
        try query("SELECT \(Self.bucketColumns) FROM buckets WHERE name = ?", [.text(name)]) { found = try bucketRow($0) }
        return found
    }

    func requireBucket(_ name: String) throws -> BucketRow {
        guard let row = try bucket(named: name) else { throw KeyValueError.bucketNotFound(name) }
        return row
    }

    func allBuckets() throws -> [BucketRow] {
        var rows: [BucketRow] = []
        try query("SELECT \(Self.bucketColumns) FROM buckets ORDER BY name") { rows.append(try bucketRow($0)) }
        return rows
    }

    func insertBucket(_ c: BucketConfig, now: Int64) throws {
        try run("""
            INSERT INTO buckets(name, description, history, ttl_ns, max_value_size, max_bytes, storage, replicas,
                                compression, created_ns)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(c.bucket), c.description.map { .text($0) } ?? .null, .int(Int64(c.history)),
                  c.ttlNanos.flatMap { $0 > 0 ? .int($0) : nil } ?? .null,
                  c.maxValueSize.map { .int(Int64($0)) } ?? .null, c.maxBucketSize.map { .int($0) } ?? .null,
                  .text(c.storage.rawValue), .int(Int64(c.replicas)), .int(c.compression ? 1 : 0), .int(now)])
    }

    func removeBucket(_ row: BucketRow) throws {
        try run("DELETE FROM entries WHERE bucket = ?", [.int(row.id)])
        try run("DELETE FROM replaced WHERE bucket = ?", [.int(row.id)])
        try run("DELETE FROM buckets WHERE id = ?", [.int(row.id)])
    }

    /// Deletes expired entries (a prefix of the revisions) and updates the totals.
    func reclaimExpired(_ row: inout BucketRow, now: Int64) throws {
        let cutoff = row.cutoff(now: now)
        guard cutoff != Int64.min, row.msgs > 0 else { return }
        // Cheap test first: is the oldest entry expired at all?
        guard let oldest = try scalar("SELECT created_ns FROM entries WHERE bucket = ? ORDER BY seq LIMIT 1",
                                      [.int(row.id)]), oldest <= cutoff else { return }
        var count: Int64 = 0
        var bytes: Int64 = 0
        try query("""
            DELETE FROM entries WHERE bucket = ?1 AND seq < COALESCE(
                (SELECT seq FROM entries WHERE bucket = ?1 AND created_ns > ?2 ORDER BY seq LIMIT 1), ?3)
            RETURNING size
            """, [.int(row.id), .int(cutoff), .int(Int64(clamping: row.lastSeq + 1))]) { r in
            count += 1
            bytes = try sum(bytes, r.int(0), "the size of expired entries")
        }
        row.msgs = max(0, row.msgs - count)
        row.bytes = try sum(row.bytes, -max(0, bytes), "the size of bucket \(DisplayText.quoted(row.config.bucket))")
        try saveTotals(row)
    }

    private func saveTotals(_ row: BucketRow) throws {
        try run("UPDATE buckets SET last_seq = ?, last_ns = ?, msgs = ?, bytes = ? WHERE id = ?",
                [.int(Int64(row.lastSeq)), .int(row.lastNanos), .int(row.msgs), .int(row.bytes), .int(row.id)])
    }

    /// Opens a write transaction's work on a bucket: reclaims what expired by `now` and
    /// forgets old replaced revisions. Once per transaction — nothing a batch writes at `now`
    /// can have expired or aged by then.
    func beginWrites(_ row: inout BucketRow, now: Int64) throws {
        try reclaimExpired(&row, now: now)
        try forgetReplaced(now: now)
    }

    /// Writes one revision of `key` in an open write transaction, after `beginWrites`;
    /// returns its revision.
    func writeEntry(_ row: inout BucketRow, key: String, op: Operation, value: [UInt8], guard check: WriteGuard,
                    now: Int64) throws -> UInt64 {
        if let max = row.config.maxValueSize, value.count > Int(max) {
            throw KeyValueError.valueTooLarge(size: value.count, limit: Int(max))
        }
        var latestSeq: UInt64 = 0
        var latestOp = Operation.put
        var count: Int64 = 0
        try query("SELECT MAX(seq), op, COUNT(*) FROM entries INDEXED BY entries_by_key WHERE bucket = ? AND key = ?",
                  [.int(row.id), .text(key)]) { r in
            count = r.int(2)
            if count > 0 {
                latestSeq = try revision(r.int(0), "a revision of key \(DisplayText.quoted(key))")
                latestOp = operation(r.int(1))
            }
        }
        switch check {
        case .none:
            break
        case .absent:
            if count > 0 && latestOp == .put {
                throw KeyValueError.keyExists(bucket: row.config.bucket, key: key, lastRevision: latestSeq)
            }
        case .revision(let expected):
            if expected != latestSeq {
                throw KeyValueError.wrongLastRevision(bucket: row.config.bucket, key: key, expected: expected,
                                                      actual: latestSeq)
            }
        }
        let size = entrySize(key: key, value: value)
        let shown = DisplayText.quoted(row.config.bucket)
        let bytesAfter = try sum(row.bytes, size, "the size of bucket \(shown)")
        // Discard-new, as KV buckets are: a write that would pass the size limit fails, unless
        // it replaces the key's oldest revision because the key is at its history limit.
        if let max = row.config.maxBucketSize, bytesAfter > max, count < Int64(row.config.history) {
            throw KeyValueError.bucketFull(row.config.bucket)
        }
        // SQLite integers are signed: the last revision a file can hold is Int64.max.
        guard row.lastSeq < UInt64(Int64.max) else {
            throw KeyValueError.backend("bucket \(shown) has used every revision up to \(row.lastSeq)")
        }
        let seq = row.lastSeq + 1
        let created = Swift.max(now, row.lastNanos)
        try run("INSERT INTO entries(bucket, seq, key, op, value, created_ns, size) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [.int(row.id), .int(Int64(seq)), .text(key), .int(opCode(op)), .blob(value), .int(created),
                 .int(size)])
        row.lastSeq = seq
        row.lastNanos = created
        row.msgs = try sum(row.msgs, 1, "the entry count of bucket \(shown)")
        row.bytes = bytesAfter
        // A purge keeps only its marker; otherwise keep the newest `history` revisions.
        let drop = op == .purge ? count : Swift.max(0, count + 1 - Int64(row.config.history))
        if drop > 0 {
            var removed: [StoredEntry] = []
            try query("""
                DELETE FROM entries WHERE bucket = ?1 AND seq IN
                    (SELECT seq FROM entries INDEXED BY entries_by_key WHERE bucket = ?1 AND key = ?2 ORDER BY seq LIMIT ?3)
                RETURNING seq, key, op, value, created_ns, size
                """, [.int(row.id), .text(key), .int(drop)]) { r in
                removed.append(try storedEntry(r))
                row.msgs = max(0, row.msgs - 1)
                row.bytes = max(0, try sum(row.bytes, -max(0, r.int(5)), "the size of bucket \(shown)"))
            }
            for e in removed {
                try run("INSERT INTO replaced(bucket, seq, key, op, value, created_ns, replaced_ns) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [.int(row.id), .int(Int64(e.seq)), .text(e.key), .int(opCode(e.op)), .blob(e.value),
                         .int(e.createdNanos), .int(now)])
            }
        }
        try saveTotals(row)
        return seq
    }

    /// How long removed revisions stay readable for live watches.
    static let replacedRetentionNanos: Int64 = 60_000_000_000

    /// Forgets replaced revisions older than the retention, in every bucket.
    func forgetReplaced(now: Int64) throws {
        try run("DELETE FROM replaced WHERE replaced_ns < ?", [.int(now - Self.replacedRetentionNanos)])
    }

    // MARK: Reads

    private func storedEntry(_ r: Row) throws -> StoredEntry {
        StoredEntry(seq: try revision(r.int(0), "an entry's revision"), key: r.text(1), op: operation(r.int(2)),
                    value: r.blob(3), createdNanos: r.int(4))
    }

    /// The newest unexpired entry of `key`, markers included.
    func latest(_ row: BucketRow, key: String, now: Int64) throws -> StoredEntry? {
        var found: StoredEntry?
        try query("""
            SELECT seq, key, op, value, created_ns FROM entries INDEXED BY entries_by_key
            WHERE bucket = ? AND key = ? AND created_ns > ? ORDER BY seq DESC LIMIT 1
            """, [.int(row.id), .text(key), .int(row.cutoff(now: now))]) { found = try storedEntry($0) }
        return found
    }

    func entry(_ row: BucketRow, seq: UInt64, now: Int64) throws -> StoredEntry? {
        guard seq <= UInt64(Int64.max) else { return nil }
        var found: StoredEntry?
        try query("SELECT seq, key, op, value, created_ns FROM entries WHERE bucket = ? AND seq = ? AND created_ns > ?",
                  [.int(row.id), .int(Int64(seq)), .int(row.cutoff(now: now))]) { found = try storedEntry($0) }
        return found
    }

    func history(_ row: BucketRow, key: String, now: Int64) throws -> [StoredEntry] {
        var entries: [StoredEntry] = []
        try query("""
            SELECT seq, key, op, value, created_ns FROM entries INDEXED BY entries_by_key
            WHERE bucket = ? AND key = ? AND created_ns > ? ORDER BY seq
            """, [.int(row.id), .text(key), .int(row.cutoff(now: now))]) { entries.append(try storedEntry($0)) }
        return entries
    }

    /// Keys whose latest unexpired entry is a value, sorted.
    func liveKeys(_ row: BucketRow, now: Int64) throws -> [String] {
        var keys: [String] = []
        // SQLite takes the bare `op` from the row that has MAX(seq).
        try query("""
            SELECT key, op, MAX(seq) FROM entries WHERE bucket = ? AND created_ns > ? GROUP BY key ORDER BY key
            """, [.int(row.id), .int(row.cutoff(now: now))]) { r in
            if r.int(1) == 0 { keys.append(r.text(0)) }
        }
        return keys
    }

    /// The latest unexpired entry of every key, in revision order.
    func latestPerKey(_ row: BucketRow, now: Int64) throws -> [StoredEntry] {
        var entries: [StoredEntry] = []
        try query("""
            SELECT MAX(seq), key, op, value, created_ns FROM entries
            WHERE bucket = ? AND created_ns > ? GROUP BY key ORDER BY 1
            """, [.int(row.id), .int(row.cutoff(now: now))]) { entries.append(try storedEntry($0)) }
        return entries
    }

    /// Unexpired entries with `from <= seq <= through`, in revision order, at most `limit`.
    func entries(_ row: BucketRow, from: UInt64, through: UInt64, limit: Int, now: Int64) throws -> [StoredEntry] {
        var entries: [StoredEntry] = []
        let from = Int64(clamping: from)
        let through = Int64(clamping: through)
        try query("""
            SELECT seq, key, op, value, created_ns FROM entries
            WHERE bucket = ? AND seq >= ? AND seq <= ? AND created_ns > ? ORDER BY seq LIMIT ?
            """, [.int(row.id), .int(from), .int(through), .int(row.cutoff(now: now)), .int(Int64(limit))]) {
            entries.append(try storedEntry($0))
        }
        return entries
    }

    /// What a live watch reads: unexpired revisions after `after`, retained or recently
    /// replaced, in revision order, at most `limit`.
    func changes(_ row: BucketRow, after: UInt64, limit: Int, now: Int64) throws -> [StoredEntry] {
        var entries: [StoredEntry] = []
        try query("""
            SELECT seq, key, op, value, created_ns FROM entries WHERE bucket = ?1 AND seq > ?2 AND created_ns > ?3
            UNION ALL
            SELECT seq, key, op, value, created_ns FROM replaced WHERE bucket = ?1 AND seq > ?2 AND created_ns > ?3
            ORDER BY 1 LIMIT ?4
            """, [.int(row.id), .int(Int64(clamping: after)), .int(row.cutoff(now: now)), .int(Int64(limit))]) {
            entries.append(try storedEntry($0))
        }
        return entries
    }
}
