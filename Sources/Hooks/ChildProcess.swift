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
/// event, in a process group of its own, with the event in its environment and the value on
/// stdin (a memory file, so a command that never reads stdin neither blocks kvsh nor gets a
/// broken pipe). Output arrives line by line at `lines`.
///
/// The timeout and a stop (cancelling the calling task) are hard limits: whichever comes first,
/// even before the process exists, ends the group — SIGTERM, then SIGKILL after `killGrace` or
/// as soon as the command's own process has exited, to whatever is left of its group. Every
/// signal is sent before swift-subprocess reaps that process, so the group's id cannot belong
/// to anyone else yet; and the run ends with the process, not with the end of its output, which
/// a daemonized child may hold open for ever.
enum ChildProcess {
    /// How long a process group has between SIGTERM and SIGKILL.
    static let killGrace: Duration = .seconds(2)

    /// Sends a signal to a process group (a parameter so tests can see when signals go out).
    typealias GroupSignaller = @Sendable (_ group: pid_t, _ signal: Int32) -> Void

    @Sendable static func signalGroup(_ group: pid_t, _ signal: Int32) { _ = kill(-group, signal) }

    static func run(_ text: String, environment: [String: String?], stdin value: [UInt8], timeout: Duration?,
                    lines: HookLines, signals: @escaping GroupSignaller = signalGroup) async -> RunOutcome {
        let input: Int32
        do {
            input = try valueFile(holding: value)
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
        let limit = RunLimit()
        // A task of its own, so swift-subprocess never sees a stop (it would SIGKILL the
        // command's process alone); the stop reaches the run through `limit`, as the timeout does.
        // Awaited below whatever happens: the run ends with it.
        let work = Task {
            do {
                let execution = try await Subprocess.run(
                    configuration, input: .fileDescriptor(.init(rawValue: input), closeAfterSpawningProcess: true),
                    output: .sequence, error: .sequence) { execution in
                    await supervise(execution.processIdentifier.value, output: execution.standardOutput,
                                    error: execution.standardError, limit: limit, lines: lines, signals: signals)
                }
                return Result<ExecutionResult<RunLimit.Reason?, SequenceOutput, SequenceOutput>, any Error>
                    .success(execution)
            } catch {
                return .failure(error)
            }
        }
        let result = await withTaskGroup(of: Void.self) { group in
            if let timeout {
                // A child task: cancelled (and awaited) once the run is over.
                group.addTask {
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    limit.reach(.timeout)
                }
            }
            let result = await withTaskCancellationHandler { await work.value } onCancel: { limit.reach(.stop) }
            group.cancelAll()
            return result
        }
        lines.flush()
        switch result {
        case .failure(let error):
            return .couldNotStart("\(error)")
        case .success(let execution):
            switch execution.closureResult {
            case .timeout?: return .timedOut
            case .stop?: return .stopped
            case nil:
                switch execution.terminationStatus {
                case .exited(let code): return .exited(Int32(code))
                case .signaled(let signal): return .signaled(Int32(signal))
                }
            }
        }
    }

    private enum Part: Sendable {
        case outputClosed
        case enforced(RunLimit.Reason?)
    }

    /// Reads the output and enforces the limit until the process `pid` has exited; returns the
    /// limit that ended the run, if one did. swift-subprocess reaps the process only after this
    /// returns, which is what makes signalling its group from here safe.
    private static func supervise(_ pid: pid_t, output: SubprocessOutputSequence, error: SubprocessOutputSequence,
                                  limit: RunLimit, lines: HookLines, signals: @escaping GroupSignaller) async
        -> RunLimit.Reason? {
        await withTaskGroup(of: Part.self) { group in
            group.addTask {
                await pump(output, lines, isError: false)
                return .outputClosed
            }
            group.addTask {
                await pump(error, lines, isError: true)
                return .outputClosed
            }
            group.addTask { .enforced(await enforce(limit, group: pid, signals: signals)) }
            var reason: RunLimit.Reason?
            var open = 2
            while open > 0, let part = await group.next() {
                switch part {
                case .outputClosed: open -= 1
                case .enforced(let r): reason = r
                }
            }
            // The output is closed (at the process's exit swift-subprocess ends the reads even when
            // a daemonized child holds the pipes), but the process may have closed it and run on.
            await waitForExit(pid)
            group.cancelAll()
            for await part in group {
                if case .enforced(let r) = part { reason = r }
            }
            return reason
        }
    }

    /// Waits for the limit, then ends the group: SIGTERM, and SIGKILL after the grace — or at
    /// once when the process exits meanwhile (this task is then cancelled), to what is left.
    private static func enforce(_ limit: RunLimit, group: pid_t, signals: GroupSignaller) async -> RunLimit.Reason? {
        guard let reason = await limit.reached() else { return nil }
        signals(group, SIGTERM)
        try? await Task.sleep(for: killGrace)
        signals(group, SIGKILL)
        return reason
    }

    /// Returns once `pid`, a child not yet reaped, has exited; looks without reaping it.
    private static func waitForExit(_ pid: pid_t) async {
        var pause = Duration.milliseconds(1)
        while true {
            var info = siginfo_t()
            let rc = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
            // si_signo stays 0 while the child runs; ECHILD: nothing left to wait for.
            if (rc == 0 && info.si_signo != 0) || (rc != 0 && errno != EINTR) { return }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
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

    /// A descriptor of an anonymous file holding `bytes`, positioned at its start, created
    /// close-on-exec (no run started meanwhile inherits another event's value). On Linux it is
    /// a memory file (`memfd_create`), so values never reach a disk.
    static func valueFile(holding bytes: [UInt8]) throws -> Int32 {
        var fd: Int32 = -1
        if let create = memoryFileCreate { fd = create("kvsh-hook-value", 1 /* MFD_CLOEXEC */) }
        if fd < 0 {
            // A fresh name, created close-on-exec in one call and unlinked at once: nothing is
            // left behind, whatever happens to kvsh.
            let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
            for _ in 0..<16 where fd < 0 {
                let path = directory + "/kvsh-hook-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
                fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
                if fd >= 0 { unlink(path) } else if errno != EEXIST { break }
            }
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

    /// `memfd_create(2)`, found at run time: Swift's Glibc module does not declare it.
    private static let memoryFileCreate: (@convention(c) (UnsafePointer<CChar>, UInt32) -> Int32)? = {
        #if os(Linux)
        guard let symbol = dlsym(nil, "memfd_create") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafePointer<CChar>, UInt32) -> Int32).self)
        #else
        return nil
        #endif
    }()
}
