import KeyValue
import Shell
import Synchronization

/// One registered hook at work: a dispatcher reads the watch in revision order and hands each
/// matching event to a lane (one per `--parallel` slot, chosen by key, so a key's events stay in
/// order); a lane runs its events one at a time. Lanes hold a few events each and the dispatcher
/// waits when a lane is full, so a slow hook slows its own watch (and, through flow control,
/// the server) instead of growing memory or holding up anything else.
final class Hook: Sendable {
    let id: Int
    let spec: HookSpec
    private let output: any ShellOutput
    private let lanes: [BoundedQueue<Entry>]
    private let state: Mutex<State>
    private let checkpoints: CheckpointWriter?
    /// A failure as one line (the registry's `errorMessage`).
    private let errorMessage: @Sendable (any Error) -> String
    /// The keys this hook handles among those its watch delivers (a group's partition); nil for all.
    private let accepts: (@Sendable (String) -> Bool)?
    /// Where runs and watch changes are reported (the registry's `reporter`).
    private let reporter: HookReporter?

    /// Events a lane may hold beyond the one it runs.
    static let laneCapacity = 16
    /// Values larger than this, or not UTF-8 text, or holding NUL, are left out of `KVSH_VALUE`.
    static let environmentValueLimit = 4096
    /// Revisions the hook reads past its oldest unfinished run before it waits for that run:
    /// bounds the progress kept in memory and the `--durable` checkpoint (each save writes at
    /// most this many revisions, so saves stay linear in the events handled).
    static let progressWindow = 1024

    struct State {
        var fired = 0
        var failed = 0
        var queued = 0
        var running = 0
        /// Events the store says are still to come after the last one received.
        var remotePending: UInt64 = 0
        var progress: Progress
        var watch: KeyWatch?
        var stopping = false
        /// The dispatcher, while `progressWindow` revisions are open.
        var windowWaiter: CheckedContinuation<Void, Never>?
    }

    /// Counters for `hooks`.
    struct Snapshot: Sendable {
        var fired: Int
        var failed: Int
        var lastHandled: UInt64?
        var pending: UInt64
    }

    init(id: Int, spec: HookSpec, output: any ShellOutput, resumeAfter: UInt64?, checkpoints: CheckpointWriter?,
         errorMessage: @escaping @Sendable (any Error) -> String, reporter: HookReporter? = nil,
         accepts: (@Sendable (String) -> Bool)? = nil) {
        self.id = id
        self.reporter = reporter
        self.accepts = accepts
        self.errorMessage = errorMessage
        self.spec = spec
        self.output = output
        self.checkpoints = checkpoints
        lanes = (0..<spec.parallel).map { _ in BoundedQueue<Entry>(capacity: Self.laneCapacity) }
        state = Mutex(State(progress: Progress(watermark: resumeAfter)))
    }

    var snapshot: Snapshot {
        state.withLock {
            Snapshot(fired: $0.fired, failed: $0.failed, lastHandled: $0.progress.watermark,
                     pending: $0.remotePending.addingReportingOverflow(UInt64($0.queued + $0.running)).overflow
                        ? .max : $0.remotePending &+ UInt64($0.queued + $0.running))
        }
    }

    var checkpoint: Checkpoint? { state.withLock { $0.progress.checkpoint } }

    var identity: HookIdentity { HookIdentity(id: id, bucket: spec.bucket, durable: spec.durable, group: spec.group) }

    // MARK: Running

    /// Serves the hook until `stop`: the dispatcher on this task, the lanes as child tasks.
    /// `open(from)` opens the watch again (from a revision, or as at first when nil) after it
    /// ended by itself; `skip` are revisions a durable checkpoint says are done already.
    func serve(first: KeyWatch, skip: Set<UInt64>,
               open: @escaping @Sendable (UInt64?) async throws -> KeyWatch) async {
        await withTaskGroup(of: Void.self) { group in
            for lane in lanes {
                group.addTask { await self.runLane(lane) }
            }
            await dispatch(first: first, skip: skip, open: open)
            for lane in lanes { lane.finish() }
            await group.waitForAll()
        }
        await checkpoints?.flush()
    }

    private func dispatch(first: KeyWatch, skip: Set<UInt64>,
                          open: @escaping @Sendable (UInt64?) async throws -> KeyWatch) async {
        var watch = first
        var next: UInt64?
        var pause = Duration.milliseconds(200)
        while true {
            var failure: (any Error)?
            do {
                for try await event in watch {
                    guard case .entry(let entry) = event else { continue }
                    // After a reopen, never hand out a revision twice.
                    if let next, entry.revision < next { continue }
                    if !(await waitForWindow()) { return }
                    // The largest revision there is: handled, then the hook stops, since
                    // nothing can follow it (nor could a reopen say where to resume).
                    let (following, isLast) = entry.revision.addingReportingOverflow(1)
                    next = following
                    // A name no client may write (a doctored store, a foreign client) is never
                    // handed to a command: it is reported, and counts as handled.
                    if KeyNames.isValidKey(entry.key) {
                        pause = .milliseconds(200)
                        let matches = spec.trigger.matches(entry.operation) && !skip.contains(entry.revision)
                            && accepts?(entry.key) != false
                        let lane = lanes[Self.lane(for: entry.key, count: lanes.count)]
                        state.withLock {
                            $0.remotePending = entry.delta
                            if matches {
                                $0.progress.dispatched(entry.revision)
                                $0.queued += 1
                            } else {
                                $0.progress.skipped(entry.revision)
                            }
                        }
                        if matches, !(await lane.send(entry)) { return }
                    } else {
                        reportError("revision \(entry.revision) skipped: its key \(DisplayText.quoted(entry.key)) "
                                    + "is not a valid key")
                        state.withLock { $0.progress.skipped(entry.revision) }
                    }
                    if isLast {
                        reportError("watch of \(spec.bucket) delivered revision \(entry.revision), the largest "
                                    + "possible; the hook stops")
                        return
                    }
                }
            } catch {
                failure = error
            }
            if isStopping { return }
            // The watch ended by itself (the backend gave up): open it again after the last
            // revision received, with growing pauses, until it works or the hook stops.
            reporter?(.watchLost(identity, reason: failure.map(errorMessage) ?? "the watch ended"))
            while true {
                // The reason may quote the server (an API error): `errorMessage` makes it one line.
                let reason = failure.map(errorMessage) ?? "the watch ended"
                reportError("watch of \(spec.bucket) stopped (\(reason)); resuming"
                            + (next.map { " at revision \($0)" } ?? "") + " in \(pause.shortText)")
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(30))
                if isStopping { return }
                do {
                    watch = try await open(next)
                    if !setWatch(watch) { return }
                    reporter?(.watchRestored(identity))
                    break
                } catch {
                    failure = error
                }
            }
        }
    }

    /// Keeps the watch so that `stop` can end it; false when the hook is stopping already.
    func setWatch(_ watch: KeyWatch) -> Bool {
        let accepted = state.withLock { s -> Bool in
            guard !s.stopping else { return false }
            s.watch = watch
            return true
        }
        if !accepted { watch.stop() }
        return accepted
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    /// Waits while `progressWindow` revisions are open (a run hangs while later ones finish);
    /// false when the hook stops meanwhile.
    private func waitForWindow() async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if s.stopping || s.progress.openCount < Self.progressWindow { return true }
                s.windowWaiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        return !isStopping
    }

    private func runLane(_ lane: BoundedQueue<Entry>) async {
        while let entry = try? await lane.next() {
            state.withLock {
                // A stop clears `queued`; a lane may have taken this event just before it.
                $0.queued = max(0, $0.queued - 1)
                $0.running += 1
            }
            let ok = await handle(entry)
            if Task.isCancelled {
                // Stopped past the grace: this event was not handled; a durable hook runs it again.
                state.withLock { $0.running -= 1 }
                return
            }
            let dispatcher = state.withLock { s -> CheckedContinuation<Void, Never>? in
                s.running -= 1
                s.fired += 1
                if !ok { s.failed += 1 }
                s.progress.completed(entry.revision)
                guard s.progress.openCount < Self.progressWindow else { return nil }
                defer { s.windowWaiter = nil }
                return s.windowWaiter
            }
            dispatcher?.resume()
            await checkpoints?.save()
        }
    }

    /// Runs the action for one event, retrying failures; true when a run succeeded.
    private func handle(_ entry: Entry) async -> Bool {
        var pause = Duration.milliseconds(100)
        for attempt in 0...spec.retries {
            let started = ContinuousClock.now
            let outcome = await runOnce(entry)
            if let reporter {
                let elapsed = (ContinuousClock.now - started).components
                var status: Int32?
                if case .exited(let code) = outcome { status = code }
                reporter(.runFinished(identity, HookRun(
                    revision: entry.revision, key: entry.key, operation: entry.operation,
                    seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18,
                    succeeded: outcome.succeeded, exitStatus: status, outcome: outcome.description, attempt: attempt,
                    willRetry: !outcome.succeeded && attempt < spec.retries && !Task.isCancelled)))
            }
            if outcome.succeeded { return true }
            if Task.isCancelled { return false }
            var message = "revision \(entry.revision) (\(entry.operation.rawValue) \(entry.key)) failed: "
                + outcome.description
            if outcome == .timedOut, let timeout = spec.timeout { message += " after \(timeout.shortText)" }
            if attempt < spec.retries {
                reportError(message + "; retry \(attempt + 1) of \(spec.retries) in \(pause.shortText)")
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(10))
                if Task.isCancelled { return false }
            } else {
                reportError(message + (spec.retries > 0 ? " (gave up after \(spec.retries + 1) attempts)" : ""))
            }
        }
        return false
    }

    private func runOnce(_ entry: Entry) async -> RunOutcome {
        let lines = HookLines(hook: id, output: output)
        switch spec.action {
        case .shell(let text):
            return await ChildProcess.run(text, environment: Self.environment(for: entry, hook: id),
                                          stdin: entry.value, timeout: spec.timeout, lines: lines)
        case .block(let block):
            return await Self.runBlock(block, entry: entry, timeout: spec.timeout, lines: lines)
        }
    }

    /// What ended a block's run: the block itself (its status), or its timeout.
    private enum BlockPart: Sendable {
        case finished(Int32)
        case timedOut
        case timerCancelled
    }

    /// Runs the block and its timeout as child tasks: the first to end cancels the other, and
    /// a stop of the hook (cancelling this task) cancels both.
    private static func runBlock(_ block: CommandBlock, entry: Entry, timeout: Duration?,
                                 lines: HookLines) async -> RunOutcome {
        let (status, timedOut) = await withTaskGroup(of: BlockPart.self) { group -> (Int32, Bool) in
            group.addTask { .finished(await block.run(binding: ["event": .entry(entry)], output: lines)) }
            if let timeout {
                group.addTask {
                    do {
                        try await Task.sleep(for: timeout)
                        return .timedOut
                    } catch {
                        return .timerCancelled
                    }
                }
            }
            var status: Int32 = 0
            var timedOut = false
            for await part in group {
                switch part {
                case .finished(let code): status = code
                case .timedOut: timedOut = true
                case .timerCancelled: break
                }
                group.cancelAll()
            }
            return (status, timedOut)
        }
        lines.flush()
        if timedOut { return .timedOut }
        if Task.isCancelled { return .stopped }
        return .exited(status)
    }

    /// The event as environment variables; `KVSH_VALUE` is removed (not inherited) when the
    /// value cannot be one.
    static func environment(for entry: Entry, hook: Int) -> [String: String?] {
        var value: String?
        if entry.value.count <= environmentValueLimit, !entry.value.contains(0) { value = entry.valueString }
        return [
            "KVSH_HOOK": String(hook),
            "KVSH_OP": entry.operation.rawValue,
            "KVSH_BUCKET": entry.bucket,
            "KVSH_KEY": entry.key,
            "KVSH_REVISION": String(entry.revision),
            "KVSH_CREATED": Timestamp.rfc3339(entry.created),
            "KVSH_VALUE": value,
        ]
    }

    /// FNV-1a of the key: the same key always goes to the same lane.
    static func lane(for key: String, count: Int) -> Int {
        guard count > 1 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }

    // MARK: Stopping

    /// No new runs: ends the watch and drops queued events. Runs under way go on; call
    /// `abandonRuns` when their grace is over.
    func beginStop() {
        let (watch, dispatcher) = state.withLock { s -> (KeyWatch?, CheckedContinuation<Void, Never>?) in
            s.stopping = true
            s.queued = 0
            defer { s.windowWaiter = nil }
            return (s.watch, s.windowWaiter)
        }
        watch?.stop()
        dispatcher?.resume()
        for lane in lanes { lane.cancel() }
    }

    func reportError(_ text: String) { output.writeError("[hook \(id)] \(text)\n") }
}
