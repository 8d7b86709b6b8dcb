import KeyValue
import Shell
import Synchronization

/// The hooks of one kvsh shell (a script or the prompt): registers them, lists them with their
/// counters, removes them, and stops them all at the end.
///
/// Each hook runs on a task of its own (its dispatcher, with its lanes as child tasks), which
/// the registry keeps and which `remove`, `shutdown` and a stopped `serve` await: a hook never
/// outlives the stop that ends it. Nothing else waits for a hook's runs, so the prompt and the
/// script go on while hooks work.
public final class HookRegistry: Sendable {
    /// How long runs under way may go on when their hook stops, before their process group
    /// is terminated (SIGTERM, then SIGKILL).
    public let stopGrace: Duration

    private let store: @Sendable () async throws -> any KeyValueStore
    /// A failure as one line of a report (see `init`).
    let errorMessage: @Sendable (any Error) -> String
    /// Told of every hook's registration, runs, watch changes and stop (see `HookReport`).
    let reporter: HookReporter?
    private let state: Mutex<State>

    private struct Entry {
        let worker: Worker
        /// `serve` of the hook or group, awaited by whoever stops it.
        let task: Task<Void, Never>
    }

    /// What a registration runs: one hook, or this member's part of a hook group.
    private enum Worker {
        case hook(Hook)
        case group(HookGroup)

        var id: Int {
            switch self {
            case .hook(let hook): hook.id
            case .group(let group): group.id
            }
        }

        var spec: HookSpec {
            switch self {
            case .hook(let hook): hook.spec
            case .group(let group): group.spec
            }
        }

        var failed: Int {
            switch self {
            case .hook(let hook): hook.snapshot.failed
            case .group(let group): group.snapshot.hook.failed
            }
        }

        var identity: HookIdentity {
            switch self {
            case .hook(let hook): hook.identity
            case .group(let group): HookIdentity(id: group.id, bucket: group.spec.bucket, durable: nil, group: group.name)
            }
        }

        func beginStop() {
            switch self {
            case .hook(let hook): hook.beginStop()
            case .group(let group): group.beginStop()
            }
        }
    }

    private struct State {
        var hooks: [Int: Entry] = [:]
        /// Hooks that `remove` or `shutdown` took out and is stopping: another `shutdown` waits
        /// for them too.
        var stopping: [Int: Entry] = [:]
        var nextID = 1
        var output: any ShellOutput
        /// `serve` calls waiting; resumed with true by `requestStop` (that call stops the hooks).
        var serving: [Int: CheckedContinuation<Bool, Never>] = [:]
        /// `serve` calls under way, stopping the hooks included.
        var servers = 0
        /// `requestStop` was called while `servers` > 0: a `serve` not yet waiting stops at once.
        var stopAsked = false
        var nextWaiter = 0
        /// Set once a `shutdown` has stopped the hooks: a later `serve` returns at once.
        var stopRequested = false
        /// Events that failed for good in hooks already stopped.
        var failedInStopped = 0
    }

    /// - Parameters:
    ///   - store: the store hooks watch; asked for when the first hook registers.
    ///   - output: where runs print (prefixed `[hook N] `) and failures are reported.
    ///   - stopGrace: see `stopGrace`.
    ///   - errorMessage: a failure as one line of a report (a watch that stopped, a checkpoint
    ///     not saved): the command line passes its own wording. Without it, the error's
    ///     description with controls escaped.
    ///   - reporter: told what the hooks do, for metrics and logs; nil for none.
    public init(store: @escaping @Sendable () async throws -> any KeyValueStore, output: any ShellOutput,
                stopGrace: Duration = .seconds(10),
                errorMessage: @escaping @Sendable (any Error) -> String = HookRegistry.plainMessage,
                reporter: HookReporter? = nil) {
        self.store = store
        self.reporter = reporter
        self.stopGrace = stopGrace
        self.errorMessage = errorMessage
        state = Mutex(State(output: output))
    }

    /// The default `errorMessage`: the description, one line.
    public static func plainMessage(_ error: any Error) -> String {
        DisplayText.escapingControls(String(describing: error))
    }

    /// Where hooks registered from now on print (the prompt prints above the line being edited).
    public func setOutput(_ output: any ShellOutput) { state.withLock { $0.output = output } }

    /// True when no hook is registered.
    public var isEmpty: Bool { state.withLock { $0.hooks.isEmpty } }

    /// How many hooks are registered.
    public var count: Int { state.withLock { $0.hooks.count } }

    /// Events whose runs failed for good (after every retry), in every hook this registry has
    /// had, stopped ones included: what `wait` and `kvsh serve` report in their exit status.
    public var failedEvents: Int {
        let (live, stopped) = state.withLock {
            ($0.hooks.values.map(\.worker) + $0.stopping.values.map(\.worker), $0.failedInStopped)
        }
        return live.reduce(stopped) { $0 + $1.failed }
    }

    /// Starts a hook and returns its id. Every problem (a missing bucket, a durable name in
    /// use, a damaged checkpoint) throws before anything runs; nothing is registered then.
    public func register(_ spec: HookSpec) async throws -> Int {
        let store = try await store()
        let bucket = try await store.bucket(spec.bucket)
        if spec.group != nil { return try await registerGroup(spec, store: store, bucket: bucket) }
        if let name = spec.durable,
           state.withLock({ $0.hooks.values.contains { $0.worker.spec.durable == name } }) {
            throw CommandError("on: --durable \(name) is already used by another hook of this shell")
        }
        var registered = 0
        let output = state.withLock { $0.output }
        let run = try await start(spec, durable: spec.durable, store: store, bucket: bucket, output: output,
                                  accepts: nil) {
            registered = self.takeID()
            return registered
        }
        state.withLock { $0.hooks[registered] = Entry(worker: .hook(run.hook), task: run.task) }
        return registered
    }

    private func takeID() -> Int {
        state.withLock { s in
            defer { s.nextID += 1 }
            return s.nextID
        }
    }

    /// Joins the group `spec.group`: one registration whose partitions start and stop as the
    /// group rebalances (`HookGroup`).
    private func registerGroup(_ spec: HookSpec, store: any KeyValueStore, bucket: any KeyValueBucket)
        async throws -> Int {
        let group = spec.group ?? ""
        if state.withLock({ $0.hooks.values.contains { $0.worker.spec.group == group } }) {
            throw CommandError("on: --group \(group) is already joined by another hook of this shell")
        }
        let leases = try await HookGroup.leaseBucket(for: spec, in: store, like: bucket)
        // The partitions' checkpoints: made now so that a missing bucket fails the registration.
        _ = try await Checkpoint.bucket(in: store, like: bucket)
        let id = takeID()
        let output = state.withLock { $0.output }
        let plan = GroupPlan()
        let member = HookGroup(
            id: id, spec: spec, leases: leases, member: HookGroup.newMemberName(), stopGrace: stopGrace,
            errorMessage: errorMessage,
            report: { output.writeError("[hook \(id)] \(DisplayText.escapingControls($0))\n") },
            startPartition: { [weak self] partition in
                guard let self else { throw CancellationError() }
                return try await self.start(spec, durable: HookGroup.checkpointName(group, partition: partition),
                                            store: store, bucket: bucket, output: output,
                                            accepts: { plan.partition(of: $0) == partition }) { id }
            })
        let worker = Worker.group(member)
        reporter?(.registered(worker.identity))
        let task = Task { await member.serve() }
        state.withLock { $0.hooks[id] = Entry(worker: worker, task: task) }
        return id
    }

    /// One line of `hooks`.
    public struct Info: Sendable, Equatable {
        public var id: Int
        public var trigger: String
        public var bucket: String
        public var pattern: String?
        public var action: String
        public var durable: String?
        public var fired: Int
        public var failed: Int
        public var lastRevision: UInt64?
        public var pending: UInt64
        /// For a hook group: its name, this member's partitions, and the members seen live.
        public var group: String?
        public var partitions: [Int] = []
        public var members: [String] = []
        /// This process's name in the group.
        public var member: String?
    }

    /// The registered hooks, by id.
    public func list() -> [Info] {
        let workers = state.withLock { $0.hooks.values.map(\.worker) }.sorted { $0.id < $1.id }
        return workers.map { worker in
            let spec = worker.spec
            var info = Info(id: worker.id, trigger: spec.trigger.rawValue, bucket: spec.bucket,
                            pattern: spec.pattern, action: spec.actionSummary, durable: spec.durable,
                            fired: 0, failed: 0, lastRevision: nil, pending: 0)
            let s: Hook.Snapshot
            switch worker {
            case .hook(let hook):
                s = hook.snapshot
            case .group(let group):
                let g = group.snapshot
                s = g.hook
                info.group = spec.group
                info.partitions = g.partitions
                info.members = g.members
                info.member = group.member
            }
            info.fired = s.fired
            info.failed = s.failed
            info.lastRevision = s.lastHandled
            info.pending = s.pending
            return info
        }
    }

    /// Stops a hook and forgets it: no new runs; a run under way may finish within `stopGrace`.
    /// Returns false when there is no hook `id`.
    @discardableResult
    public func remove(_ id: Int) async -> Bool {
        let taken = state.withLock { s -> Entry? in
            guard let entry = s.hooks.removeValue(forKey: id) else { return nil }
            s.stopping[id] = entry
            return entry
        }
        guard let taken else { return false }
        await stop([taken])
        return true
    }

    /// Stops every hook (as `remove` does each) and wakes `serve`. Returns once every hook has
    /// ended: those another `remove` or `shutdown` is stopping, and those registered meanwhile
    /// (by a block still running), included.
    public func shutdown() async {
        var awaited = Set<Int>()
        while true {
            let (mine, others) = state.withLock { s -> ([Entry], [Entry]) in
                let mine = Array(s.hooks.values)
                s.hooks = [:]
                for entry in mine { s.stopping[entry.worker.id] = entry }
                return (mine, s.stopping.values.filter { !awaited.contains($0.worker.id) })
            }
            if others.isEmpty { break }
            awaited.formUnion(others.map(\.worker.id))
            await stop(mine)
            for entry in others { await entry.task.value }
        }
        let waiting = state.withLock { s in
            defer { s.serving = [:] }
            s.stopRequested = true
            return s.serving.values
        }
        for waiter in waiting { waiter.resume(returning: false) }
    }

    /// Serves the hooks until `requestStop` (SIGINT/SIGTERM in a script), then stops them and
    /// returns once they have ended. Throws `CancellationError` when the calling task is
    /// cancelled first (the hooks keep running then).
    public func serve() async throws {
        let token = state.withLock { s in
            s.servers += 1
            defer { s.nextWaiter += 1 }
            return s.nextWaiter
        }
        defer {
            state.withLock { s in
                s.servers -= 1
                if s.servers == 0 { s.stopAsked = false }
            }
        }
        let stopAsked = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let now = state.withLock { s -> Bool? in
                    if s.stopAsked { return true }
                    if s.stopRequested || Task.isCancelled { return false }
                    s.serving[token] = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            state.withLock { $0.serving.removeValue(forKey: token) }?.resume(returning: false)
        }
        // The stop runs here, on the caller's task, so this returns only after it.
        if stopAsked { await shutdown() }
        try Task.checkCancellation()
    }

    /// Asks the `serve` calls under way to stop the hooks and return. False when nobody serves
    /// (the caller should interrupt the script instead); true also while a stop asked for
    /// earlier is still going on.
    public func requestStop() -> Bool {
        let waiting = state.withLock { s -> [CheckedContinuation<Bool, Never>]? in
            guard s.servers > 0 else { return nil }
            s.stopAsked = true
            defer { s.serving = [:] }
            return Array(s.serving.values)
        }
        guard let waiting else { return false }
        for waiter in waiting { waiter.resume(returning: true) }
        return true
    }

    /// Stops `entries` (already moved to `stopping`) and waits until they have ended.
    private func stop(_ entries: [Entry]) async {
        guard !entries.isEmpty else { return }
        for entry in entries { entry.worker.beginStop() }
        let grace = stopGrace
        // Not a child task, so the grace holds even when the caller is cancelled (Ctrl-C during
        // `off`); cancelled and awaited below once the hooks have ended.
        let deadline = Task {
            try await Task.sleep(for: grace)
            for entry in entries {
                if case .hook(let hook) = entry.worker {
                    hook.reportError("still running \(grace.shortText) after the stop: terminating it")
                }
                entry.task.cancel()
            }
        }
        for entry in entries { await entry.task.value }
        deadline.cancel()
        _ = await deadline.result
        let failed = entries.reduce(0) { $0 + $1.worker.failed }
        state.withLock { s in
            s.failedInStopped += failed
            for entry in entries { s.stopping[entry.worker.id] = nil }
        }
        if let reporter { for entry in entries { reporter(.stopped(entry.worker.identity)) } }
    }
}
