#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A file opened for `> FILE`, `>> FILE` or `2> FILE`, written unbuffered with `write(2)` so
/// that what a statement wrote is in the file when the next one runs. The first failed write
/// is kept; later writes are dropped.
final class RedirectFile: Sendable {
    let path: String
    /// -1 once closed.
    private let descriptor: Mutex<Int32>
    private let failure = Mutex<OutputFailed?>(nil)

    /// Opens `path` for writing (created with mode 0666 less the umask), truncated or appended
    /// to. Throws the system's reason, e.g. `No such file or directory`.
    init(path: String, append: Bool) throws(RedirectError) {
        self.path = path
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        let fd = open(path, flags, 0o666)
        if fd < 0 { throw RedirectError(path: path, verb: "open", errno: errno) }
        descriptor = Mutex(fd)
    }

    var writeFailure: OutputFailed? { failure.withLock { $0 } }

    func write(_ bytes: some Collection<UInt8>) {
        let fd = descriptor.withLock { $0 }
        guard writeFailure == nil, fd >= 0 else { return }
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let n = array.withUnsafeBytes { buffer in
                systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = RedirectError(path: path, verb: "write to", errno: errno)
                failure.withLock { $0 = OutputFailed(message: reason.description, status: 1) }
                return
            }
            offset += n
        }
    }

    /// Closes the file; later writes are dropped.
    func close() {
        let fd = descriptor.withLock { fd in
            defer { fd = -1 }
            return fd
        }
        if fd >= 0 { systemClose(fd) }
    }

    deinit { close() }
}

// The methods above are named `write` and `close`: these reach the system calls.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
private func systemClose(_ fd: Int32) { _ = close(fd) }

/// Why a redirection's file could not be opened, read or written.
struct RedirectError: Error, CustomStringConvertible {
    let path: String
    let verb: String
    let reason: String

    init(path: String, verb: String, errno code: Int32) {
        self.path = path
        self.verb = verb
        reason = String(cString: strerror(code))
    }

    init(path: String, verb: String, reason: String) {
        self.path = path
        self.verb = verb
        self.reason = reason
    }

    var description: String { "cannot \(verb) '\(Value.escapingControls(path))': \(reason)" }
}

/// The output of a statement with redirections: each stream to its file, or where it went
/// before (`base`).
struct RedirectedOutput: ShellOutput {
    let base: any ShellOutput
    let standardOutput: RedirectFile?
    let standardError: RedirectFile?
    /// `2>&1`: errors go wherever standard output goes.
    let errorsToOutput: Bool

    func write(_ text: String) {
        if let standardOutput { standardOutput.write(text.utf8) } else { base.write(text) }
    }

    func writeBytes(_ bytes: [UInt8]) {
        if let standardOutput { standardOutput.write(bytes) } else { base.writeBytes(bytes) }
    }

    func writeError(_ text: String) {
        if errorsToOutput {
            write(text)
        } else if let standardError {
            standardError.write(text.utf8)
        } else {
            base.writeError(text)
        }
    }

    var writeFailure: OutputFailed? {
        standardOutput?.writeFailure ?? standardError?.writeFailure ?? base.writeFailure
    }
}

/// `quiet`: everything a statement prints goes nowhere.
struct QuietOutput: ShellOutput {
    func write(_ text: String) {}
    func writeError(_ text: String) {}
    func writeBytes(_ bytes: [UInt8]) {}
}

/// Reads the whole of a `< FILE` redirection. Values are bounded, so a file larger than
/// `limit` is refused rather than read into memory.
func readRedirectInput(_ path: String, limit: Int = 64 << 20) throws(RedirectError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    if descriptor < 0 { throw RedirectError(path: path, verb: "read", errno: errno) }
    defer { _ = close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { throw RedirectError(path: path, verb: "read", errno: errno) }
        if n == 0 { return bytes }
        bytes += chunk[..<n]
        if bytes.count > limit {
            throw RedirectError(path: path, verb: "read", reason: "larger than \(limit >> 20) MiB, the most a value may hold")
        }
    }
}
