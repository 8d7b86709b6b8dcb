#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// natscli's context files, where jsm.go's file backend keeps them: `<config>/nats/context/
/// NAME.json`, the selected name in `<config>/nats/context.txt` and the one before it in
/// `previous-context.txt`, `<config>` being `$XDG_CONFIG_HOME`, else `~/.config`. kvsh reads
/// the contexts and writes only the selection, the way natscli writes it, so the two tools stay
/// in step.
struct ContextDirectory: Sendable {
    /// `<config>/nats`.
    let root: String

    init(root: String) { self.root = root }

    /// The directory the environment names; nil when neither `XDG_CONFIG_HOME` nor `HOME` is set.
    init?(environment: (String) -> String?) {
        if let config = environment("XDG_CONFIG_HOME") {
            root = config + "/nats"
        } else if let home = environment("HOME") {
            root = home + "/.config/nats"
        } else {
            return nil
        }
    }

    var contextsDirectory: String { root + "/context" }
    var selectionFile: String { root + "/context.txt" }
    var previousSelectionFile: String { root + "/previous-context.txt" }

    func file(for name: String) -> String { contextsDirectory + "/" + name + ".json" }

    /// jsm's rule (`ValidateName`): dots and spaces are fine, a path is not.
    static func validate(_ name: String) throws(ContextError) {
        if name.isEmpty { throw .invalidName(name, reason: "the name is empty") }
        if name.contains("..") { throw .invalidName(name, reason: "it may not contain \"..\"") }
        if name.contains("/") || name.contains("\\") {
            throw .invalidName(name, reason: "it may not contain \"/\" or \"\\\"")
        }
    }

    /// The selected name (`context.txt`, whitespace trimmed); nil when the file is missing or
    /// empty. Throws `ContextError.selectionFile` when it is there but cannot be read.
    func selection() throws(ContextError) -> String? {
        try Self.selection(in: selectionFile)
    }

    /// The name in `previous-context.txt`, as `selection()` reads `context.txt`.
    func previousSelection() throws(ContextError) -> String? {
        try Self.selection(in: previousSelectionFile)
    }

    private static func selection(in path: String) throws(ContextError) -> String? {
        switch FileBytes.contents(of: path) {
        case .success(let bytes):
            let name = String(decoding: bytes, as: UTF8.self).trimmingSpaceAndNewlines()
            return name.isEmpty ? nil : name
        case .failure(let failure) where failure.code == ENOENT:
            return nil
        case .failure(let failure):
            throw .selectionFile(path: path, reason: failure.reason)
        }
    }

    /// The names of the contexts, sorted, as jsm lists them: `*.json` files that are not
    /// empty and whose names are valid (directories and other files skipped).
    func names() -> [String] {
        guard let dir = opendir(contextsDirectory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let file = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard file.hasSuffix(".json") else { continue }
            let name = String(file.dropLast(".json".count))
            guard (try? Self.validate(name)) != nil else { continue }
            var info = stat()
            guard stat(contextsDirectory + "/" + file, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
                  info.st_size > 0 else { continue }
            names.append(name)
        }
        return names.sorted()
    }

    /// Reads context `name`. `selectedIn` names the `context.txt` the name came from, for the
    /// message when it is gone. Throws `ContextError`.
    func load(_ name: String, selectedIn: String? = nil,
              environment: (String) -> String?) throws(ContextError) -> NATSContext {
        try Self.validate(name)
        let path = file(for: name)
        switch FileBytes.contents(of: path) {
        case .success(let bytes):
            return try NATSContext(name: name, path: path, json: bytes, environment: environment)
        case .failure(let failure) where failure.code == ENOENT:
            throw .notFound(name: name, path: path, selectedIn: selectedIn)
        case .failure(let failure):
            throw .unreadable(name: name, path: path, reason: failure.reason)
        }
    }

    /// Reads the context file at `path` (natscli's `--context FILE.json`); its name is the
    /// file's base name. Throws `ContextError`.
    static func load(file path: String, environment: (String) -> String?) throws(ContextError) -> NATSContext {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let name = String(base.dropLast(".json".count))
        switch FileBytes.contents(of: path) {
        case .success(let bytes):
            return try NATSContext(name: name, path: path, json: bytes, environment: environment)
        case .failure(let failure):
            throw .unreadable(name: name, path: path, reason: failure.reason)
        }
    }

    /// True when `value` (of `--context` or `NATS_CONTEXT`) names a context file rather than a
    /// context: natscli's rule, a path ending in `.json` that exists.
    static func namesFile(_ value: String) -> Bool {
        value.hasSuffix(".json") && access(value, F_OK) == 0
    }

    // MARK: Writing the selection

    /// Makes `name` the selected context, as `nats context select` does: the old selection
    /// goes to `previous-context.txt`, the name (no newline) to `context.txt`, each written
    /// atomically with mode 0600 under a 0700 directory. The caller checks that the context
    /// loads first. Throws `ContextError.selectionFile`.
    func select(_ name: String) throws(ContextError) {
        try keepPrevious()
        try FileBytes.writeAtomically(Array(name.utf8), to: selectionFile)
    }

    /// Clears the selection (`nats context unselect`): the old one is kept in
    /// `previous-context.txt`, `context.txt` is removed. Throws `ContextError.selectionFile`.
    func unselect() throws(ContextError) {
        guard access(selectionFile, F_OK) == 0 else { return }  // nothing to clear, nothing written
        try keepPrevious()
        if unlink(selectionFile) != 0, errno != ENOENT {
            throw .selectionFile(path: selectionFile, reason: String(cString: strerror(errno)))
        }
    }

    private func keepPrevious() throws(ContextError) {
        try FileBytes.makeDirectories(root)
        if let previous = try selection() {
            try FileBytes.writeAtomically(Array(previous.utf8), to: previousSelectionFile)
        }
    }
}

/// Whole small files, read and written with the system calls alone (no Foundation on the cold path).
enum FileBytes {
    struct Failure: Error {
        let code: Int32
        var reason: String { String(cString: strerror(code)) }
    }

    /// Files larger than this are not contexts (natscli's are a few hundred bytes).
    static let limit = 1 << 20

    static func contents(of path: String) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Failure(code: errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(code: errno))
            }
            if n == 0 { return .success(bytes) }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { return .failure(Failure(code: EFBIG)) }
        }
    }

    /// `mkdir -p` with mode 0700 for what it creates (Go's `MkdirAll(dir, 0700)`: the mode
    /// of a directory already there is left alone).
    static func makeDirectories(_ dir: String) throws(ContextError) {
        var prefix = dir.hasPrefix("/") ? "" : "."
        for part in dir.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw .selectionFile(path: prefix, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// A temporary file beside `path` (mode 0600), written, synced and renamed over `path`;
    /// then the directory is synced, best effort. A reader sees the old bytes or the new ones.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ContextError) {
        let slash = path.lastIndex(of: "/") ?? path.startIndex
        let dir = path[..<slash].isEmpty ? "." : String(path[..<slash])
        var template = Array(dir.utf8) + Array("/.kvsh-selection-XXXXXX".utf8) + [0]
        let fd = template.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { mkstemp($0.baseAddress!) }
        }
        guard fd >= 0 else { throw .selectionFile(path: path, reason: String(cString: strerror(errno))) }
        let temporary = String(decoding: template.dropLast(), as: UTF8.self)
        var failed: Int32 = fchmod(fd, 0o600) == 0 ? 0 : errno
        var written = 0
        while failed == 0 && written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                written += n
            } else if n < 0 && errno != EINTR {
                failed = errno
            } else if n == 0 {
                failed = EIO
            }
        }
        if failed == 0 && fsync(fd) != 0 { failed = errno }
        close(fd)
        if failed == 0 && rename(temporary, path) != 0 { failed = errno }
        guard failed == 0 else {
            unlink(temporary)
            throw .selectionFile(path: path, reason: String(cString: strerror(failed)))
        }
        let dirFD = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs, CR and LF (Go's `strings.TrimSpace` for the
    /// text a selection file holds).
    func trimmingSpaceAndNewlines() -> String {
        let isText: (Character) -> Bool = { !($0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n") }
        guard let first = firstIndex(where: isText), let last = lastIndex(where: isText) else { return "" }
        return String(self[first...last])
    }
}
