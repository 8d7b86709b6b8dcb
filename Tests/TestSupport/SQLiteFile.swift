import CSQLite

/// Runs `sql` on the SQLite file at `path` through a connection of its own, as another
/// program editing a kvsh store would: for tests of stores with numbers kvsh never writes.
/// - Throws: `TestSupportError` with SQLite's message when the file or the SQL is refused.
public func editSQLiteFile(_ path: String, _ sql: String) throws {
    var handle: OpaquePointer?
    guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let handle else {
        sqlite3_close(handle)
        throw TestSupportError("cannot open \(path)")
    }
    defer { sqlite3_close(handle) }
    sqlite3_busy_timeout(handle, 10_000)
    var message: UnsafeMutablePointer<CChar>?
    guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
        let text = message.map { String(cString: $0) } ?? "unknown error"
        sqlite3_free(message)
        throw TestSupportError("\(sql): \(text)")
    }
}
