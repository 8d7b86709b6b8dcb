import KeyValue
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What kvsh checks about a store file and its `-notify` sibling before SQLite writes a byte:
/// both must be regular files owned by the user running kvsh, and a store file that exists
/// must hold SQLite's header with no other program's `application_id`. A file that fails is
/// left exactly as it was.
enum StoreFileGuard {
    /// Creates the store file (mode 0600) when it is missing, checks its owner and type, and
    /// checks the header of a file that is not empty (SQLite then reads the rest).
    /// - Throws: `KeyValueError.backend` naming the file when it cannot be opened, is not a
    ///   regular file, belongs to another user, is not an SQLite database or belongs to
    ///   another program (another `application_id`).
    static func prepareStore(at path: String) throws {
        var fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 && errno == EEXIST {
            // O_NONBLOCK: a FIFO under the name must not hang the open; it is refused below.
            fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        }
        guard fd >= 0 else {
            throw KeyValueError.backend("cannot open the store \(path): \(String(cString: strerror(errno))).")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw KeyValueError.backend("cannot read the store \(path): \(String(cString: strerror(errno))).")
        }
        try checkOwner(mode: info.st_mode, owner: info.st_uid, user: geteuid(), path: path, role: "the store")
        guard info.st_size > 0 else { return }
        var header = [UInt8](repeating: 0, count: 100)
        let count = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count == header.count else { throw notSQLite(path) }
        try checkHeader(header, path: path)
    }

    /// Reads SQLite's 100-byte file header: the magic string, then the big-endian
    /// `application_id` at offset 68.
    static func checkHeader(_ header: [UInt8], path: String) throws {
        guard header.count >= 100, header.prefix(16).elementsEqual(Array("SQLite format 3\0".utf8)) else {
            throw notSQLite(path)
        }
        let id = header[68..<72].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard id == 0 || id == Schema.applicationID else {
            throw KeyValueError.backend("\(path) is another program's SQLite database (application_id "
                                        + "0x\(String(id, radix: 16))), not a kvsh store; it was left untouched. "
                                        + "Choose another file with --store.")
        }
    }

    /// The unit-level rule for both files: a regular file owned by `user`.
    /// - Throws: `KeyValueError.backend` naming the file and what is wrong with it.
    static func checkOwner(mode: mode_t, owner: uid_t, user: uid_t, path: String, role: String) throws {
        guard mode & S_IFMT == S_IFREG else {
            throw KeyValueError.backend("\(role) \(path) is not a regular file; choose another file with --store.")
        }
        guard owner == user else {
            throw KeyValueError.backend("\(role) \(path) belongs to user \(owner), not to the user running kvsh "
                                        + "(\(user)); kvsh opens only its own user's stores. Run kvsh as that user "
                                        + "or choose another file with --store.")
        }
    }

    /// Refuses an existing `<store>-notify` that `openNotifyFile` would refuse, before the
    /// store file is created (`openNotifyFile` checks again on the descriptor it opens).
    /// - Throws: `KeyValueError.backend` naming the file.
    static func checkNotifyFile(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFLNK { throw notifyError(path, "is a symbolic link") }
        try checkOwner(mode: info.st_mode, owner: info.st_uid, user: geteuid(), path: path,
                       role: "the store's change file")
    }

    /// Opens (creating, mode 0600) `<store>-notify` for reading and writing, refusing a
    /// symbolic link, anything but a regular file, and a file of another user.
    /// - Throws: `KeyValueError.backend` naming the file.
    static func openNotifyFile(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw notifyError(path, errno == ELOOP ? "is a symbolic link"
                                                   : "cannot be opened: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        do {
            guard fstat(fd, &info) == 0 else {
                throw KeyValueError.backend("cannot read \(path): \(String(cString: strerror(errno))).")
            }
            try checkOwner(mode: info.st_mode, owner: info.st_uid, user: geteuid(), path: path,
                           role: "the store's change file")
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    private static func notifyError(_ path: String, _ reason: String) -> KeyValueError {
        .backend("the store's change file \(path) \(reason); remove it (kvsh makes a new one) or choose "
                 + "another file with --store.")
    }

    private static func notSQLite(_ path: String) -> KeyValueError {
        .backend("\(path) is not a kvsh store (not an SQLite database); it was left untouched. "
                 + "Choose another file with --store.")
    }
}
