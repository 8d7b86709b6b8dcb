import Synchronization

/// Long-lived tasks that belong to one owner (a store's watch pumps, the prompt's completion
/// lookups): each leaves the set when it ends, and the owner's `close()` cancels the others
/// and returns only once every one has ended, so nothing the owner started outlives it.
public final class TaskSet: Sendable {
    private struct State {
        var tasks: [Int: Task<Void, Never>] = [:]
        var nextID = 0
        var closed = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Runs `body` as a task of the set, on `executor` when one is given (else the global
    /// pool). Returns its handle (to cancel it early), or nil once the set is closed: then
    /// nothing runs.
    @discardableResult
    public func start(on executor: (any TaskExecutor)? = nil,
                      _ body: @escaping @Sendable () async -> Void) -> Task<Void, Never>? {
        state.withLock { s -> Task<Void, Never>? in
            guard !s.closed else { return nil }
            let id = s.nextID
            s.nextID += 1
            // Made under the lock, so the task cannot leave the set before it is in it.
            let task = Task(executorPreference: executor) {
                await body()
                self.state.withLock { _ = $0.tasks.removeValue(forKey: id) }
            }
            s.tasks[id] = task
            return task
        }
    }

    /// How many tasks of the set are running.
    public var count: Int { state.withLock { $0.tasks.count } }

    /// Refuses new tasks, cancels the running ones and waits until all have ended.
    public func close() async {
        let tasks = state.withLock { s in
            s.closed = true
            return Array(s.tasks.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}
