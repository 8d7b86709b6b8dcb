import CEditLine
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// libedit's history list plus the file it is persisted in.
///
/// The file is libedit's own format (`_HiStOrY_V2_` first line, entries vis-encoded, oldest
/// first), so other libedit programs can read it. It is rewritten whole after every entry,
/// through a temporary file created with mode 0600 and renamed over the old one: a crash never
/// leaves half a file, and the file is never readable by others, even for a moment. Several
/// sessions sharing one file follow "last writer wins".
///
/// Not thread-safe: used only by the thread that owns the ``LineEditor``.
final class HistoryStore {
    /// libedit's `History *`, for `EL_HIST`.
    let handle: OpaquePointer
    /// The history file, or nil when history is kept in memory only.
    let path: String?
    /// At most this many entries are kept (and saved).
    let limit: Int

    /// Creates the history, loading `path` when it exists.
    /// - Throws: ``LineEditorError/historyUnreadable(path:reason:)`` when the file exists but
    ///   is not readable or not a libedit history file (it is left untouched).
    init(path: String?, limit: Int) throws(LineEditorError) {
        guard let handle = history_init() else {
            throw .editorUnavailable(reason: "libedit could not allocate a history list")
        }
        self.handle = handle
        self.path = path.flatMap { $0.isEmpty ? nil : $0 }
        self.limit = max(0, min(limit, Int(Int32.max)))
        _ = kv_hist_setsize(handle, Int32(self.limit))
        _ = kv_hist_setunique(handle, 1)
        try load()  // on failure deinit releases the list (all properties are set by now)
    }

    deinit { history_end(handle) }

    /// The most recent entry, if any.
    var mostRecent: String? {
        kv_hist_first(handle).map { String(cString: $0) }
    }

    /// How many entries the history holds.
    var count: Int { Int(kv_hist_count(handle)) }

    /// Adds `line` unless it is blank or equal to the most recent entry, then saves the file.
    /// - Returns: whether the line was added.
    /// - Throws: ``LineEditorError/historyNotSaved(path:reason:)``; the entry stays in memory.
    @discardableResult
    func add(_ line: String) throws(LineEditorError) -> Bool {
        guard limit > 0, !line.allSatisfy(\.isWhitespace), line != mostRecent else { return false }
        guard kv_hist_enter(handle, line) >= 0 else { return false }
        try save()
        return true
    }

    private func load() throws(LineEditorError) {
        guard let path, limit > 0 else { return }
        var info = stat()
        guard stat(path, &info) == 0 else {
            let error = errno
            if error == ENOENT || error == ENOTDIR { return }
            throw .historyUnreadable(path: path, reason: Self.describe(error))
        }
        // A device such as /dev/null means "no history"; an empty file has no cookie yet.
        guard Self.isRegularFile(info.st_mode), info.st_size > 0 else { return }
        guard access(path, R_OK) == 0 else {
            throw .historyUnreadable(path: path, reason: Self.describe(errno))
        }
        guard kv_hist_load(handle, path) >= 0 else {
            throw .historyUnreadable(
                path: path, reason: "it is not a libedit history file (its first line is not _HiStOrY_V2_)")
        }
    }

    /// Writes the whole history to the file (see the type's documentation).
    func save() throws(LineEditorError) {
        guard let path, limit > 0 else { return }
        guard let target = try writableTarget(for: path) else { return }
        let temporary = "\(target).tmp.\(getpid())"
        _ = unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .historyNotSaved(path: path, reason: Self.describe(errno)) }
        guard let file = fdopen(fd, "w") else {
            let error = errno
            close(fd)
            _ = unlink(temporary)
            throw .historyNotSaved(path: path, reason: Self.describe(error))
        }
        let written = kv_hist_save_fp(handle, file)
        let flushed = fflush(file) == 0
        let error = errno
        let closed = fclose(file) == 0
        guard written >= 0, flushed, closed else {
            _ = unlink(temporary)
            throw .historyNotSaved(path: path, reason: Self.describe(error))
        }
        guard rename(temporary, target) == 0 else {
            let error = errno
            _ = unlink(temporary)
            throw .historyNotSaved(path: path, reason: Self.describe(error))
        }
    }

    /// The file to replace: `path` itself, or the file an existing symlink points to (dotfile
    /// setups link history files). Nil when `path` is not a regular file (e.g. `/dev/null`),
    /// which means "do not persist". Creates missing parent directories with mode 0700.
    private func writableTarget(for path: String) throws(LineEditorError) -> String? {
        var info = stat()
        if stat(path, &info) == 0 {
            guard Self.isRegularFile(info.st_mode) else { return nil }
            var link = stat()
            if lstat(path, &link) == 0, Self.isSymbolicLink(link.st_mode),
               let resolved = realpath(path, nil) {
                defer { free(resolved) }
                return String(cString: resolved)
            }
            return path
        }
        try Self.createDirectories(Self.directory(of: path), for: path)
        return path
    }

    /// `mkdir -p` with mode 0700 for the directories that do not exist yet.
    private static func createDirectories(_ directory: String, for path: String) throws(LineEditorError) {
        var prefix = directory.hasPrefix("/") ? "/" : ""
        for component in directory.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw .historyNotSaved(path: path, reason: "cannot create \(prefix): \(describe(errno))")
            }
            prefix += "/"
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func isRegularFile(_ mode: mode_t) -> Bool { mode & 0o170000 == 0o100000 }
    private static func isSymbolicLink(_ mode: mode_t) -> Bool { mode & 0o170000 == 0o120000 }

    static func describe(_ error: Int32) -> String {
        guard let message = strerror(error) else { return "error \(error)" }
        return String(cString: message).lowercased()
    }
}
