#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// The command `kvsh lock` runs: spawned in a process group of its own (so one signal reaches
/// its children too) with kvsh's stdin, stdout and stderr, SIGINT/SIGTERM/SIGPIPE back at
/// their defaults. Signals go to the group only until the command's process has been reaped,
/// so the group id cannot belong to anyone else yet.
///
/// A SIGKILLed kvsh leaves the command running (posix_spawn cannot set PR_SET_PDEATHSIG); its
/// lock then expires by its lease while the command goes on unprotected.
final class LockedChild: Sendable {
    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    let pid: pid_t
    private let reaped = Mutex(false)

    /// Starts `arguments` (found on PATH like a shell does) with `environment` added to kvsh's.
    init(_ arguments: [String], environment: [String: String]) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGPIPE, SIGQUIT] { sigaddset(&defaults, number) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var merged: [String: String] = [:]
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") { merged[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
            index += 1
        }
        for (name, value) in environment { merged[name] = value }
        let envStrings = merged.map { "\($0.key)=\($0.value)" }

        var child: pid_t = 0
        let rc = withCStrings(arguments) { argv in
            withCStrings(envStrings) { envp in posix_spawnp(&child, argv[0]!, nil, &attributes, argv, envp) }
        }
        guard rc == 0 else {
            throw SpawnError(description: "cannot run \(arguments[0]): \(String(cString: strerror(rc)))")
        }
        pid = child
    }

    /// Sends `signal` to the command's group while its process is not reaped.
    func signalGroup(_ signal: Int32) {
        reaped.withLock { done in if !done { _ = kill(-pid, signal) } }
    }

    /// The command's exit status as a shell gives it (128 + N when signal N ended it).
    func exitStatus() async -> Int32 {
        let pid = self.pid
        return await withCheckedContinuation { (done: CheckedContinuation<Int32, Never>) in
            // A blocking wait, on a dispatch thread: off the cooperative pool.
            DispatchQueue.global().async {
                var info = siginfo_t()
                while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
                var status: Int32 = 0
                let code = self.reaped.withLock { done -> Int32 in
                    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                    done = true
                    return status
                }
                let exited = code & 0x7f == 0
                done.resume(returning: exited ? (code >> 8) & 0xff : 128 + (code & 0x7f))
            }
        }
    }
}

/// A C array of C strings, NULL-terminated, valid during `body`.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return body(pointers)
}
