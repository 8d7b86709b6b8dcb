// Runs a child process to completion with bounded time, collecting its output.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing to a pipe whose reader has gone away must produce EPIPE, not kill the test runner.
let ignoreSIGPIPEOnce: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
}()

func errnoDescription() -> String {
    String(cString: strerror(errno))
}

/// Runs `path` with `args`, feeds `stdin` (or /dev/null when nil), collects stdout and stderr
/// concurrently, and returns the exit status (the signal number if killed by a signal).
/// - Parameter env: when non-nil, the child's complete environment (not merged; see
///   `inheritedEnvironment(_:removing:)`); when nil the environment is inherited.
/// - Throws: `ProcessTimeoutError` when it runs longer than `timeout` seconds; the child and
///   its process group are then killed with SIGKILL.
public func runProcess(
    _ path: String,
    _ args: [String],
    env: [String: String]? = nil,
    stdin: Data? = nil,
    timeout: Double = 30
) throws -> (status: Int32, stdout: Data, stderr: Data) {
    _ = ignoreSIGPIPEOnce
    guard isExecutableRegularFile(path) else {
        throw TestSupportError("not an executable file: \(path)")
    }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = args
    if let env {
        process.environment = env
    }
    let stdoutPipe = Pipe()
    let stderrPipe = Pipe()
    let stdinPipe: Pipe? = stdin == nil ? nil : Pipe()
    process.standardOutput = stdoutPipe
    process.standardError = stderrPipe
    process.standardInput = stdinPipe ?? FileHandle.nullDevice

    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    do {
        try process.run()
    } catch {
        throw TestSupportError("cannot start \(path): \(error)")
    }

    let readers = DispatchGroup()
    let stdoutData = LockedBox(Data())
    let stderrData = LockedBox(Data())
    startReader(stdoutPipe.fileHandleForReading, into: stdoutData, group: readers)
    startReader(stderrPipe.fileHandleForReading, into: stderrData, group: readers)
    if let stdinPipe, let stdin {
        let handle = stdinPipe.fileHandleForWriting
        Thread.detachNewThread {
            writeAll(stdin, to: handle.fileDescriptor)
            try? handle.close()
        }
    }

    var timedOut = false
    if exited.wait(timeout: .now() + timeout) == .timedOut {
        timedOut = true
        // Foundation starts the child as leader of its own process group; killing the group
        // also takes down grandchildren that would otherwise keep the output pipes open.
        let pid = process.processIdentifier
        if getpgid(pid) == pid {
            kill(-pid, SIGKILL)
        }
        kill(pid, SIGKILL)
        _ = exited.wait(timeout: .now() + 10)
    }
    // EOF arrives once the child (and anything it spawned) has closed its ends.
    let drained = readers.wait(timeout: .now() + 10) == .success
    let out = stdoutData.withLock { $0 }
    let err = stderrData.withLock { $0 }
    // Close our ends now rather than whenever Foundation lets the handles go: a test run
    // starts thousands of children, and Foundation's Process.run crashes past ~1,300 open
    // descriptors.
    if drained {
        try? stdoutPipe.fileHandleForReading.close()
        try? stderrPipe.fileHandleForReading.close()
    }
    if timedOut {
        throw ProcessTimeoutError(path: path, arguments: args, timeout: timeout, stdout: out, stderr: err)
    }
    return (process.terminationStatus, out, err)
}

private func startReader(_ handle: FileHandle, into box: LockedBox<Data>, group: DispatchGroup) {
    group.enter()
    Thread.detachNewThread {
        defer { group.leave() }
        let fd = handle.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                box.withLock { $0.append(contentsOf: buffer[0..<count]) }
            } else if count < 0, errno == EINTR {
                continue
            } else {
                break
            }
        }
    }
}

private func writeAll(_ data: Data, to fd: Int32) {
    data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
        guard let base = raw.baseAddress else { return }
        var offset = 0
        while offset < raw.count {
            let written = write(fd, base + offset, raw.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0, errno == EINTR {
                continue
            } else {
                return  // EPIPE: the child stopped reading.
            }
        }
    }
}
