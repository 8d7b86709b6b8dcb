import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tells watchers that some process committed to the store, without polling.
///
/// Every committing writer rewrites 8 bytes of a small file next to the database
/// (`<store>-notify`). On Linux each process watches that file with inotify, so an idle
/// watcher sleeps in the kernel until a write happens anywhere. Elsewhere it falls back to a
/// timer (every 50 ms). Watchers then read the entries past the last revision they saw.
final class ChangeNotifier: Sendable {
    private let path: String
    /// The notify file; -1 once stopped, so a late commit never writes to a reused descriptor.
    private let fd: Mutex<Int32>
    private let signal = ChangeSignal()
    private let counter = Atomic<UInt64>(0)
    /// The inotify (or timer) source, made by the first watch: one-shot commands need none.
    private let source = Mutex<(any DispatchSourceProtocol)?>(nil)
    private let stopped = Atomic<Bool>(false)

    /// - Throws: `KeyValueError.backend` when `<store>-notify` is a symbolic link, not a regular
    ///   file or another user's.
    init(storePath: String) throws {
        path = Self.path(forStore: storePath)
        fd = Mutex(try StoreFileGuard.openNotifyFile(path))
    }

    static func path(forStore storePath: String) -> String { storePath + "-notify" }

    /// Called after a commit: wakes watchers in this process at once and in others through
    /// the file.
    func didCommit() {
        var n = counter.wrappingAdd(1, ordering: .relaxed).newValue
        fd.withLock { fd in
            guard fd >= 0 else { return }
            _ = withUnsafeBytes(of: &n) { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        signal.bump()
    }

    /// Starts listening for other processes' commits (once); call before reading `generation`.
    func listen() {
        source.withLock { source in
            guard source == nil, !stopped.load(ordering: .relaxed) else { return }
            source = makeSource()
        }
    }

    private func makeSource() -> any DispatchSourceProtocol {
        let queue = DispatchQueue(label: "kvsh.embedded.notify")
        let signal = self.signal
        #if os(Linux)
        let watchFD = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if watchFD >= 0, inotify_add_watch(watchFD, path, UInt32(IN_MODIFY)) >= 0 {
            let readSource = DispatchSource.makeReadSource(fileDescriptor: watchFD, queue: queue)
            readSource.setEventHandler {
                // Drain the events; which ones arrived does not matter, only that one did.
                var buffer = [UInt8](repeating: 0, count: 4096)
                while buffer.withUnsafeMutableBytes({ read(watchFD, $0.baseAddress, $0.count) }) > 0 {}
                signal.bump()
            }
            readSource.setCancelHandler { close(watchFD) }
            readSource.resume()
            return readSource
        }
        if watchFD >= 0 { close(watchFD) }
        #endif
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(50), repeating: .milliseconds(50))
        timer.setEventHandler { signal.bump() }
        timer.resume()
        return timer
    }

    /// A number that grows with every wake-up; read it before looking for changes.
    var generation: UInt64 { signal.generation }

    /// Returns once `generation` has passed `seen`, or the task is cancelled.
    func wait(beyond seen: UInt64) async { await signal.wait(beyond: seen) }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        source.withLock { source in
            source?.cancel()
            source = nil
        }
        fd.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }
}

/// A generation counter that tasks can wait on.
final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    func bump() {
        let waiters = state.withLock { s in
            s.generation &+= 1
            let all = s.waiters
            s.waiters = [:]
            return all
        }
        for waiter in waiters.values { waiter.resume() }
    }

    func wait(beyond seen: UInt64) async {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.generation != seen || Task.isCancelled { return true }
                    s.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
