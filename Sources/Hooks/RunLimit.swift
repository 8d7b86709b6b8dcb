import Synchronization

/// The first of a run's limits — its timeout or its hook's stop — which may come before the
/// process exists; the run's supervisor waits for it once the process group is known.
final class RunLimit: Sendable {
    enum Reason: Sendable, Equatable {
        case timeout
        case stop
    }

    private struct State {
        var reason: Reason?
        var waiter: CheckedContinuation<Reason?, Never>?
    }

    private let state = Mutex(State())

    /// Records `reason` unless another came first, and wakes the waiter.
    func reach(_ reason: Reason) {
        let waiter = state.withLock { s -> CheckedContinuation<Reason?, Never>? in
            guard s.reason == nil else { return nil }
            s.reason = reason
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: reason)
    }

    /// The limit reached, once one is; nil when the (one) waiting task is cancelled first.
    func reached() async -> Reason? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Reason?, Never>) in
                let now = state.withLock { s -> Reason?? in
                    if let reason = s.reason { return .some(reason) }
                    if Task.isCancelled { return .some(nil) }
                    s.waiter = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { s in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
