#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What libedit reads while a line is edited: keystrokes from standard input (UTF-8 decoded
/// here, since libedit's own decoding is replaced along with its read function), and wake-ups
/// from other threads through a self-pipe, so queued output can be shown between keystrokes.
///
/// `next()` runs on the editor thread only; `wake()` is safe from any thread.
final class EditorInput {
    enum Event: Equatable {
        case character(Unicode.Scalar)
        /// Another thread called `wake()`.
        case wake
        /// A signal interrupted the wait (window resize, job control, ...).
        case signal
        case endOfFile
        case failure(errno: Int32)
    }

    private let inputFD: Int32
    private let wakeReadFD: Int32
    private let wakeWriteFD: Int32
    /// A byte read while decoding that turned out to start the next character.
    private var pushback: UInt8?

    init(inputFD: Int32 = 0) throws(LineEditorError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw .editorUnavailable(reason: "cannot create a pipe: \(HistoryStore.describe(errno))")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        self.inputFD = inputFD
        wakeReadFD = fds[0]
        wakeWriteFD = fds[1]
    }

    deinit {
        close(wakeReadFD)
        close(wakeWriteFD)
    }

    /// Makes a waiting (or the next) `next()` return `.wake`. Never blocks: when the pipe is
    /// full a wake-up is already pending.
    func wake() {
        var byte: UInt8 = 1
        while write(wakeWriteFD, &byte, 1) < 0, errno == EINTR {}
    }

    /// Waits for the next keystroke or wake-up.
    func next() -> Event {
        while true {
            if let byte = pushback {
                pushback = nil
                if let event = decode(startingWith: byte) { return event }
                continue
            }
            var fds = [pollfd(fd: inputFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeReadFD, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { return .signal }
                return .failure(errno: errno)
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                drainWakeUps()
                return .wake
            }
            guard fds[0].revents != 0 else { continue }
            switch readByte() {
            case .byte(let byte):
                if let event = decode(startingWith: byte) { return event }
            case .endOfFile:
                return .endOfFile
            case .failure(let error):
                return .failure(errno: error)
            }
        }
    }

    private func drainWakeUps() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeReadFD, &buffer, buffer.count) > 0 {}
    }

    private enum ByteResult {
        case byte(UInt8)
        case endOfFile
        case failure(Int32)
    }

    private func readByte() -> ByteResult {
        var byte: UInt8 = 0
        while true {
            let count = read(inputFD, &byte, 1)
            if count == 1 { return .byte(byte) }
            if count == 0 { return .endOfFile }
            switch errno {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                var fd = pollfd(fd: inputFD, events: Int16(POLLIN), revents: 0)
                _ = poll(&fd, 1, -1)
            default:
                return .failure(errno)
            }
        }
    }

    /// Completes the UTF-8 sequence `lead` starts. Nil for an invalid sequence, which is
    /// dropped (as libedit does).
    private func decode(startingWith lead: UInt8) -> Event? {
        if lead < 0x80 { return .character(Unicode.Scalar(lead)) }
        let continuationCount: Int
        let minimum: UInt32
        switch lead {
        case 0xC2...0xDF: continuationCount = 1; minimum = 0x80
        case 0xE0...0xEF: continuationCount = 2; minimum = 0x800
        case 0xF0...0xF4: continuationCount = 3; minimum = 0x10000
        default: return nil
        }
        var value = UInt32(lead) & (0xFF >> (continuationCount + 2))
        for _ in 0..<continuationCount {
            switch readByte() {
            case .byte(let byte):
                guard byte & 0xC0 == 0x80 else {
                    pushback = byte
                    return nil
                }
                value = value << 6 | UInt32(byte & 0x3F)
            case .endOfFile:
                return .endOfFile
            case .failure(let error):
                return .failure(errno: error)
            }
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return .character(scalar)
    }
}
