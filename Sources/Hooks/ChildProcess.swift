#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Subprocess
import SystemPackage
import Synchronization

/// How a run of a hook's command ended.
enum RunOutcome: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)
    /// Stopped after the hook's `--timeout`.
    case timedOut
    /// Could not start (or the block could not be run), with the reason.
    case couldNotStart(String)
    /// The hook was stopped while the run was going on, and its grace ran out.
    case stopped

    var succeeded: Bool { self == .exited(0) }

    var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        case .timedOut: "timed out"
        case .couldNotStart(let reason): "could not start: \(reason)"
        case .stopped: "stopped with the hook"
        }
    }
}

/// Runs `/bin/sh -c TEXT` (or, for plain words, the program directly: `DirectCommand`) for one
/// event, in a process group of its own, with the event in its
/// environment and the value on stdin (a memory file, so a command that never reads stdin
/// neither blocks kvsh nor gets a broken pipe). Output arrives line by line at `lines`.
enum ChildProcess {
    /// How long a process group has between SIGTERM and SIGKILL.
    static let killGrace: Duration = .seconds(2)

    static func run(_ text: String, environment: [String: String?], stdin value: [UInt8],
                    timeout: Duration?, lines: HookLines) async -> RunOutcome {
        let input: Int32
        do {
            input = try memoryFile(holding: value)
        } catch {
            return .couldNotStart("\(error)")
        }
        var platform = PlatformOptions()
        // 0: a new group whose id is the child's pid, so one signal reaches its children too.
        platform.processGroupID = 0
        var updates: [Environment.Key: String?] = [:]
        for (name, value) in environment { updates[Environment.Key(stringLiteral: name)] = value }
        let pathValue = getenv("PATH").map { String(cString: $0) }
        let configuration: Configuration
        if let direct = DirectCommand.resolve(text, path: pathValue) {
            configuration = Configuration(executable: .path(FilePath(direct.program)),
                                          arguments: Arguments(direct.arguments),
                                          environment: .inherit.updating(updates), platformOptions: platform)
        } else {
            configuration = Configuration(executable: .path("/bin/sh"), arguments: ["-c", text],
                                          environment: .inherit.updating(updates), platformOptions: platform)
        }
        let group = ProcessGroup()
        let timedOut = Mutex(false)
        let killer = Task {
            guard let timeout else { return }
            try await Task.sleep(for: timeout)
            timedOut.withLock { $0 = true }
            await terminate(group)
        }
        let result = await withTaskCancellationHandler {
            do {
                return Result<ExecutionResult<Void, SequenceOutput, SequenceOutput>, any Error>.success(
                    try await Subprocess.run(configuration, input: .fileDescriptor(.init(rawValue: input), closeAfterSpawningProcess: true),
                                             output: .sequence, error: .sequence) { execution in
                        group.set(execution.processIdentifier.value)
                        async let out: Void = pump(execution.standardOutput, lines, isError: false)
                        async let err: Void = pump(execution.standardError, lines, isError: true)
                        _ = await (out, err)
                    })
            } catch {
                return .failure(error)
            }
        } onCancel: {
            Task { await terminate(group) }
        }
        killer.cancel()
        lines.flush()
        switch result {
        case .failure(let error):
            return .couldNotStart("\(error)")
        case .success(let execution):
            if timedOut.withLock({ $0 }) { return .timedOut }
            if Task.isCancelled { return .stopped }
            switch execution.terminationStatus {
            case .exited(let code): return .exited(Int32(code))
            case .signaled(let signal): return .signaled(Int32(signal))
            }
        }
    }

    /// SIGTERM to the whole group, then SIGKILL after the grace (a child that ignores TERM).
    private static func terminate(_ group: ProcessGroup) async {
        guard let pid = group.get() else { return }
        _ = kill(-pid, SIGTERM)
        try? await Task.sleep(for: killGrace)
        _ = kill(-pid, SIGKILL)
    }

    private static func pump(_ sequence: SubprocessOutputSequence, _ lines: HookLines, isError: Bool) async {
        do {
            for try await buffer in sequence {
                buffer.withUnsafeBytes { lines.append(Array($0), isError: isError) }
            }
        } catch {
            // The pipe failed: what was read is kept; the exit status tells the rest.
        }
    }

    struct FileError: Error, CustomStringConvertible {
        var description: String
    }

    /// A descriptor of an anonymous file holding `bytes`, positioned at its start.
    private static func memoryFile(holding bytes: [UInt8]) throws -> Int32 {
        // Unlinked at once: nothing is left behind, whatever happens to kvsh.
        let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((directory + "/kvsh-hook-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd >= 0 {
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            // Not inherited by the children of other runs started meanwhile.
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        guard fd >= 0 else { throw FileError(description: "cannot create a file for the value: errno \(errno)") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                throw FileError(description: "cannot write the value: errno \(code)")
            }
            offset += n
        }
        _ = lseek(fd, 0, SEEK_SET)
        return fd
    }
}

/// The process group of a run, once it started.
private final class ProcessGroup: Sendable {
    private let pid = Mutex<pid_t?>(nil)
    func set(_ value: pid_t) { pid.withLock { $0 = value } }
    func get() -> pid_t? { pid.withLock { $0 } }
}
