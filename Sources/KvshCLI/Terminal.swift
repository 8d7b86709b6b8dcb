#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CStartup
import Shell
import Synchronization

/// Where command output goes. Binary-safe; errors go to stderr.
///
/// A write that fails is remembered (the first failure per stream), never ignored: the command
/// that wrote checks `outputFailure` and fails (status 1, one message), or ends quietly with
/// status 141 when a reader closed the pipe (`kvsh kv ls | head -1`), as a Unix tool killed by
/// SIGPIPE does.
enum Terminal {
    static func out(_ text: String) {
        var text = text
        text.withUTF8 { write(1, $0) }
    }

    static func outBytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write(1, $0) }
    }

    static func err(_ text: String) {
        var text = text
        text.withUTF8 { write(2, $0) }
    }

    /// stdin is a terminal (so a missing value should not be read from it).
    static var stdinIsTerminal: Bool { isatty(0) != 0 }
    static var stdoutIsTerminal: Bool { isatty(1) != 0 }
    static var stderrIsTerminal: Bool { isatty(2) != 0 }

    /// The first failed write to stdout or stderr, if any.
    static var outputFailure: OutputFailed? { state.withLock { $0.failure } }

    /// Whether the last byte kvsh wrote to a terminal ended a line: the prompt starts on a fresh
    /// row only if it did (see `InteractiveShell`).
    static var atLineStart: Bool { state.withLock { $0.atLineStart } }

    /// Marks the cursor as at the start of a row (the prompt has just been drawn, or cleared).
    static func assumeLineStart() { state.withLock { $0.atLineStart = true } }

    /// Descriptors 0, 1 and 2 that were closed at start (`kvsh … >&-`). `CStartup` pointed
    /// them at /dev/null before anything else ran, so no store or socket could take their
    /// numbers; writes to them fail here, and reads of them (`readAllStdin`).
    private static let closedAtStart: Set<Int32> = {
        let mask = kvsh_startup_closed_descriptors()
        return Set((0...2).filter { mask & (1 << $0) != 0 }.map(Int32.init))
    }()

    /// All of stdin, binary-safe. A read error fails (nothing partial is returned as if it were
    /// the whole input); an inherited non-blocking descriptor is waited on, not taken for the end.
    static func readAllStdin() throws(InputFailure) -> [UInt8] {
        if closedAtStart.contains(0) { throw InputFailure(errno: EBADF) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, 65536) }
            if n > 0 {
                out.append(contentsOf: chunk[0..<n])
                continue
            }
            if n == 0 { return out }
            let error = errno
            switch error {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                var ready = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
                _ = poll(&ready, 1, -1)
            default:
                throw InputFailure(errno: error)
            }
        }
    }

    private struct State {
        var failure: OutputFailed?
        var atLineStart = true
    }

    private static let state = Mutex(State())
    /// Asked once: a write should not cost an extra system call.
    private static let isTerminal = (stdout: isatty(1) != 0, stderr: isatty(2) != 0)

    private static func write(_ fd: Int32, _ buf: UnsafeBufferPointer<UInt8>) {
        guard buf.count > 0 else { return }
        if closedAtStart.contains(fd) {
            record(fd: fd, errno: EBADF)
            return
        }
        var offset = 0
        while offset < buf.count {
            #if canImport(Glibc)
            let n = Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
            #else
            let n = Darwin.write(fd, buf.baseAddress! + offset, buf.count - offset)
            #endif
            if n < 0 {
                let error = errno
                if error == EINTR { continue }
                if error == EAGAIN || error == EWOULDBLOCK {
                    var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&ready, 1, -1)
                    continue
                }
                record(fd: fd, errno: error)
                return
            }
            offset += n
        }
        if fd == 1 ? isTerminal.stdout : isTerminal.stderr {
            let ended = buf[buf.count - 1] == UInt8(ascii: "\n")
            state.withLock { $0.atLineStart = ended }
        }
    }

    private static func record(fd: Int32, errno: Int32) {
        state.withLock { state in
            if state.failure == nil { state.failure = failure(fd: fd, errno: errno) }
        }
    }

    /// The failed write as the shell and the command line report it: a closed pipe (EPIPE)
    /// ends quietly with 141 (128 + SIGPIPE), as a program killed by SIGPIPE; anything else
    /// says what failed and leaves 1.
    static func failure(fd: Int32, errno: Int32) -> OutputFailed {
        let stream: OutputFailed.Stream = fd == 1 ? .standardOutput : .standardError
        guard errno != EPIPE else { return OutputFailed(stream: stream, message: nil, status: ExitStatus.closedPipe) }
        let name = fd == 1 ? "standard output" : "standard error"
        let reason = errno == EBADF ? "it is closed" : String(cString: strerror(errno))
        return OutputFailed(stream: stream, message: "cannot write to \(name): \(reason)", status: ExitStatus.failure)
    }
}

/// A read of stdin that failed.
struct InputFailure: Error, Sendable, CustomStringConvertible {
    let errno: Int32

    /// Why, e.g. `Is a directory`, `it is closed`.
    var reason: String { errno == EBADF ? "it is closed" : String(cString: strerror(errno)) }

    var description: String { "cannot read the value from standard input: \(reason) (nothing was written)" }
}
