import Synchronization

/// The `finally` blocks running in tasks of their own because an interruption cancelled the
/// task that ran their `try`. `interrupt()` (a later signal) cancels the ones running; the
/// signal handler calls it before it cancels the script, so the cleanups that this signal's
/// cancellation starts are not among them.
final class CleanupTasks: Sendable {
    private let state = Mutex<(nextTicket: Int, running: [Int: @Sendable () -> Void])>((0, [:]))

    /// Registers a running cleanup's cancel action; returns the ticket to remove it with.
    func register(_ cancel: @escaping @Sendable () -> Void) -> Int {
        state.withLock { state in
            state.nextTicket += 1
            state.running[state.nextTicket] = cancel
            return state.nextTicket
        }
    }

    func remove(_ ticket: Int) {
        _ = state.withLock { $0.running.removeValue(forKey: ticket) }
    }

    func interrupt() {
        let cancels = state.withLock { Array($0.running.values) }
        cancels.forEach { $0() }
    }
}
