import CSQLite

/// A failure reported by SQLite, with its result code and message.
struct SQLiteError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "sqlite: \(message) (code \(code))" }

    var isBusy: Bool { code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED }
    var isNotADatabase: Bool { code & 0xFF == SQLITE_NOTADB }
}

/// A value bound to a statement parameter.
enum SQLValue {
    case int(Int64)
    case text(String)
    case blob([UInt8])
    case null
}

/// One open SQLite database connection and its prepared statements. Not thread-safe: the
/// owner (`Database`) uses it from one serial queue only.
final class SQLiteConnection {
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    /// Opens (creating when asked) the database at `path`.
    init(path: String, create: Bool) throws {
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        if create { flags |= SQLITE_OPEN_CREATE }
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Closing will not checkpoint the write-ahead log into the database file (for a file
    /// that is not kvsh's, which must stay as it was).
    func skipCheckpointOnClose() { kvsh_sqlite3_no_checkpoint_on_close(handle) }

    /// Waits up to `milliseconds` for another process's lock before reporting busy.
    func setBusyTimeout(milliseconds: Int32) { sqlite3_busy_timeout(handle, milliseconds) }

    /// Runs statements without parameters or results (schema, pragmas, transaction control).
    func execute(_ sql: String) throws {
        var errorText: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorText)
        if rc != SQLITE_OK {
            let message = errorText.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorText)
            throw SQLiteError(code: rc, message: message)
        }
    }

    /// Runs a statement with `arguments`, calling `row` for each result row.
    func query(_ sql: String, _ arguments: [SQLValue] = [], row: (Row) throws -> Void) throws {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        try bind(arguments, to: statement)
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw error(rc) }
            try row(Row(statement: statement))
        }
    }

    /// Runs a statement that returns nothing (or whose rows are not wanted).
    func run(_ sql: String, _ arguments: [SQLValue] = []) throws {
        try query(sql, arguments) { _ in }
    }

    /// The first column of the first row, as an integer; nil when there is no row or it is NULL.
    func scalar(_ sql: String, _ arguments: [SQLValue] = []) throws -> Int64? {
        var value: Int64?
        var seen = false
        try query(sql, arguments) { row in
            if !seen { value = row.optionalInt(0) }
            seen = true
        }
        return value
    }

    /// Runs `body` in a transaction: `BEGIN IMMEDIATE` takes the write lock at once (waiting up
    /// to the busy timeout), so a read-check-write sequence is atomic across processes.
    func transaction<T>(write: Bool, _ body: () throws -> T) throws -> T {
        try execute(write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw error(rc) }
        statements[sql] = statement
        return statement
    }

    private func bind(_ arguments: [SQLValue], to statement: OpaquePointer) throws {
        for (offset, value) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .int(let n):
                rc = sqlite3_bind_int64(statement, index, n)
            case .text(let s):
                var s = s
                rc = s.withUTF8 { kvsh_sqlite3_bind_text_copy(statement, index, $0.baseAddress, Int32($0.count)) }
            case .blob(let bytes):
                // An empty blob still binds as a zero-length blob, not NULL.
                rc = bytes.withUnsafeBytes { raw in
                    kvsh_sqlite3_bind_blob_copy(statement, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                                                Int32(raw.count))
                }
            case .null:
                rc = sqlite3_bind_null(statement, index)
            }
            guard rc == SQLITE_OK else { throw error(rc) }
        }
    }

    private func error(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)))
    }

    /// A result row, valid only inside the `query` callback.
    struct Row {
        let statement: OpaquePointer

        func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

        func optionalInt(_ column: Int32) -> Int64? {
            sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
        }

        func text(_ column: Int32) -> String {
            guard let p = sqlite3_column_text(statement, column) else { return "" }
            let count = Int(sqlite3_column_bytes(statement, column))
            return String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)
        }

        func optionalText(_ column: Int32) -> String? {
            sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : text(column)
        }

        func blob(_ column: Int32) -> [UInt8] {
            // The pointer first, then its size (SQLite's documented order).
            guard let p = sqlite3_column_blob(statement, column) else { return [] }
            let count = Int(sqlite3_column_bytes(statement, column))
            return Array(UnsafeRawBufferPointer(start: p, count: count))
        }
    }
}

/// The SQLite library's version, e.g. "3.40.1".
var sqliteVersion: String { String(cString: sqlite3_libversion()) }
