import Foundation
import KeyValue
import Shell
import Synchronization

/// This process's membership of a hook group (`on … --group NAME`): every process that
/// registers the same group on the same bucket shares its events. The keys fall into
/// `GroupPlan.partitionCount` partitions; a member owns a partition through a lease (a key
/// `partitions.<i>` it created in the group's bucket `kvsh_group_<NAME>`, whose max age is the
/// lease, renewed every third of it) and runs a durable hook for it, checkpointed as
/// `<NAME>.p<i>` in `kvsh_hooks`. Members announce themselves the same way (`members.<id>`).
///
/// A coordinator loop renews, then computes its moves from what the group bucket's watch shows
/// (`GroupPlan`): a member that dies stops renewing, its keys expire after the lease, and the
/// others claim its partitions at their next round (within lease + a third of it + the
/// server's expiry sweep); a member leaving cleanly releases at once.
final class HookGroup: Sendable {
    let id: Int
    let spec: HookSpec
    let name: String
    /// This member's name in the group: host, pid and a random part (unique per registration).
    let member: String
    private let leases: any KeyValueBucket
    private let plan = GroupPlan()
    private let startPartition: @Sendable (Int) async throws -> PartitionRun
    private let report: @Sendable (String) -> Void
    private let errorMessage: @Sendable (any Error) -> String
    private let stopGrace: Duration
    private let state = Mutex(State())

    /// A partition's hook at work.
    struct PartitionRun: Sendable {
        let hook: Hook
        let task: Task<Void, Never>
    }

    /// A lease this member holds; renewed from the `create` on, while its hook starts and
    /// while it stops for a hand-over too, so that nobody claims it before the hook ended.
    private struct Owned {
        var revision: UInt64
        var renewed: ContinuousClock.Instant
        var run: PartitionRun?
    }

    /// The latest value of a key of the group bucket, and when it was written (by the local clock).
    private struct Seen {
        var value: String
        var written: ContinuousClock.Instant
    }

    private struct State {
        var owned: [Int: Owned] = [:]
        var seen: [String: Seen] = [:]
        var memberRevision: UInt64?
        var memberRenewed: ContinuousClock.Instant?
        var stopping = false
        var wake: CheckedContinuation<Void, Never>?
        var woken = false
        /// Counters of partitions this member no longer runs.
        var firedBefore = 0
        var failedBefore = 0
    }


    init(id: Int, spec: HookSpec, leases: any KeyValueBucket, member: String, stopGrace: Duration,
         errorMessage: @escaping @Sendable (any Error) -> String, report: @escaping @Sendable (String) -> Void,
         startPartition: @escaping @Sendable (Int) async throws -> PartitionRun) {
        self.id = id
        self.spec = spec
        name = spec.group ?? ""
        self.leases = leases
        self.member = member
        self.stopGrace = stopGrace
        self.errorMessage = errorMessage
        self.report = report
        self.startPartition = startPartition
    }

    // MARK: Serving

    /// Serves until `beginStop`: watches the group bucket, renews and rebalances each round,
    /// then hands every partition back and leaves the group.
    func serve() async {
        let watch: KeyWatch
        do {
            watch = try await leases.watch(filters: [], options: WatchOptions())
        } catch {
            report("group \(name): cannot watch bucket \(Self.bucketName(name)): \(errorMessage(error))")
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.follow(watch) }
            // Renewals on a loop of their own: a release waiting for a run to finish must not
            // let the other leases run out.
            group.addTask { await self.keepAlive() }
            while !isStopping {
                await sleep(await round())
            }
            for partition in ownedPartitions.sorted() { await release(partition) }
            watch.stop()
            group.cancelAll()
            await group.waitForAll()
        }
        if let revision = state.withLock({ $0.memberRevision }) {
            await deleteLease(Self.memberKey(member), revision: revision)
        }
    }

    /// Renews the membership and the leases every sixth of the lease (each is due every third).
    private func keepAlive() async {
        while !Task.isCancelled {
            await renewMembership()
            await renewPartitions()
            try? await Task.sleep(for: spec.lease / 6)
        }
    }

    /// Keeps `seen` up to date; any change wakes the coordinator (a member left, a lease freed).
    private func follow(_ watch: KeyWatch) async {
        do {
            for try await event in watch {
                guard case .entry(let entry) = event else { continue }
                let now = ContinuousClock.now
                // An initial value may be old already: its age by the server's clock.
                let age = max(0, Date().timeIntervalSince(entry.created))
                let written = now - .milliseconds(Int64(min(age, 3600) * 1000))
                state.withLock { s in
                    if entry.operation == .put {
                        s.seen[entry.key] = Seen(value: entry.valueString ?? "", written: written)
                    } else {
                        s.seen[entry.key] = nil
                    }
                }
                wake()
            }
        } catch {
            if !isStopping { report("group \(name): the watch of \(Self.bucketName(name)) ended: \(errorMessage(error))") }
        }
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    /// One round: renew, then release above the target or claim below it. Returns when the
    /// next round is due: a third of the lease, or soon while a wanted partition was not free yet.
    private func round() async -> Duration {
        if state.withLock({ $0.memberRevision == nil }) { await renewMembership() }
        let now = ContinuousClock.now
        let (members, owners) = state.withLock { s -> (Set<String>, [Int: String]) in
            var members: Set<String> = [], owners: [Int: String] = [:]
            for (key, seen) in s.seen where now - seen.written < spec.lease {
                if key.hasPrefix("members.") {
                    members.insert(String(key.dropFirst("members.".count)))
                } else if key.hasPrefix("partitions."), let p = Int(key.dropFirst("partitions.".count)) {
                    owners[p] = seen.value
                }
            }
            for p in s.owned.keys { owners[p] = member }
            return (members, owners)
        }
        let moves = plan.moves(for: member, among: members, owners: owners)
        for partition in moves.release where !isStopping { await release(partition) }
        var missed = false
        for partition in moves.claim where !isStopping {
            if !(await claim(partition)) { missed = true }
        }
        // A partition the plan wants that is still leased (or expired here but not yet on the
        // server) is tried again soon, not a third of a lease later.
        let shortage = plan.target(of: member, among: members.union([member])) > ownedPartitions.count
        return missed || shortage ? min(spec.lease / 3, .milliseconds(500)) : spec.lease / 3
    }

    /// Renewals are due a third of a lease after the last one; rounds may come sooner.
    private func due(_ renewed: ContinuousClock.Instant?) -> Bool {
        renewed.map { ContinuousClock.now - $0 >= spec.lease / 3 } ?? true
    }

    private func renewMembership() async {
        let key = Self.memberKey(member), value = Array(member.utf8)
        let (revision, renewed) = state.withLock { ($0.memberRevision, $0.memberRenewed) }
        guard revision == nil || due(renewed) else { return }
        do {
            let next: UInt64
            if let revision {
                do {
                    next = try await leases.update(key, value, revision: revision)
                } catch KeyValueError.wrongLastRevision, KeyValueError.keyNotFound {
                    // It expired (this process stalled for a whole lease): announce it again.
                    next = try await leases.create(key, value)
                }
            } else {
                next = try await leases.create(key, value)
            }
            state.withLock { s in
                s.memberRevision = next
                s.memberRenewed = .now
            }
        } catch {
            // The store away, or this task cancelled: the next renewal tries again (a refused
            // update creates the key anew).
        }
    }

    /// Renews each owned lease; a lease another member holds now, or one not renewed for a
    /// whole lease (the store unreachable), is lost: its hook stops at once.
    private func renewPartitions() async {
        let owned = state.withLock { $0.owned.filter { due($0.value.renewed) }.mapValues(\.revision) }
        for (partition, revision) in owned.sorted(by: { $0.key < $1.key }) {
            do {
                let next = try await leases.update(Self.partitionKey(partition), Array(member.utf8), revision: revision)
                state.withLock { s in
                    // Released (or released and claimed anew) meanwhile: not this renewal's lease.
                    guard s.owned[partition]?.revision == revision else { return }
                    s.owned[partition]?.revision = next
                    s.owned[partition]?.renewed = .now
                }
            } catch {
                let lost = state.withLock { s -> Bool in
                    guard let owned = s.owned[partition], owned.revision == revision else { return false }
                    return Self.isRefusal(error) || ContinuousClock.now - owned.renewed >= spec.lease
                }
                if lost {
                    report("group \(name): lost partition \(partition): \(errorMessage(error))")
                    await lose(partition)
                }
            }
        }
    }

    /// The store says the lease is no longer this member's (someone else's revision, or gone).
    private static func isRefusal(_ error: any Error) -> Bool {
        switch error as? KeyValueError {
        case .wrongLastRevision?, .keyNotFound?: true
        default: false
        }
    }

    private var ownedPartitions: [Int] { state.withLock { Array($0.owned.keys) } }

    /// Leases `partition` and starts its hook; false when someone holds it.
    private func claim(_ partition: Int) async -> Bool {
        let key = Self.partitionKey(partition)
        guard let revision = try? await leases.create(key, Array(member.utf8)) else { return false }
        let kept = state.withLock { s -> Bool in
            guard !s.stopping else { return false }
            s.owned[partition] = Owned(revision: revision, renewed: .now, run: nil)
            return true
        }
        guard kept else {
            _ = try? await leases.delete(key, revision: revision)
            return false
        }
        do {
            let run = try await startPartition(partition)
            let adopted = state.withLock { s -> Bool in
                guard s.owned[partition] != nil else { return false }
                s.owned[partition]?.run = run
                return true
            }
            // Lost while it started: it stops at once.
            if !adopted { await finish(run, grace: .zero) }
            return adopted
        } catch {
            report("group \(name): cannot start partition \(partition): \(errorMessage(error))")
            await release(partition)
            return false
        }
    }

    /// Hands `partition` over: its hook stops (a run under way may finish within the grace,
    /// its checkpoint is saved) while the lease is still renewed; then the lease is deleted so
    /// that another member claims it.
    private func release(_ partition: Int) async {
        if let run = state.withLock({ $0.owned[partition]?.run }) { await finish(run, grace: stopGrace) }
        guard let owned = state.withLock({ $0.owned.removeValue(forKey: partition) }) else { return }
        await deleteLease(Self.partitionKey(partition), revision: owned.revision)
    }

    /// Deletes a key this member holds, guarded by its revision; a renewal under way at the
    /// same time may have written a newer one, still this member's.
    private func deleteLease(_ key: String, revision: UInt64) async {
        do {
            _ = try await leases.delete(key, revision: revision)
        } catch KeyValueError.wrongLastRevision {
            if let entry = try? await leases.get(key, revision: nil), entry.valueString == member {
                _ = try? await leases.delete(key, revision: entry.revision)
            }
        } catch {}
    }

    /// A lease that is no longer this member's: the hook stops at once (a run under way is
    /// terminated; the new owner runs it again).
    private func lose(_ partition: Int) async {
        guard let owned = state.withLock({ $0.owned.removeValue(forKey: partition) }) else { return }
        if let run = owned.run { await finish(run, grace: .zero) }
    }

    /// Stops a partition's hook and waits for it (terminating runs after `grace`).
    private func finish(_ run: PartitionRun, grace: Duration) async {
        run.hook.beginStop()
        let deadline = Task {
            try await Task.sleep(for: grace)
            run.task.cancel()
        }
        // The registry's own grace cancels the group's task: the partition ends then too.
        await withTaskCancellationHandler {
            await run.task.value
        } onCancel: {
            run.task.cancel()
        }
        deadline.cancel()
        _ = await deadline.result
        let counts = run.hook.snapshot
        state.withLock { s in
            s.firedBefore += counts.fired
            s.failedBefore += counts.failed
        }
    }

    // MARK: Stopping and waking

    /// No new rounds; `serve` releases every partition (each after its runs under way, within
    /// the stop grace) and leaves the group.
    func beginStop() {
        state.withLock { $0.stopping = true }
        wake()
    }

    private func wake() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.woken = true
            defer { s.wake = nil }
            return s.wake
        }
        waiter?.resume()
    }

    /// Waits `interval`, or less when the group bucket changed or a stop was asked for.
    private func sleep(_ interval: Duration) async {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: interval)
            self?.wake()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.woken || s.stopping { s.woken = false; return true }
                s.wake = continuation
                return false
            }
            if now { continuation.resume() }
        }
        state.withLock { $0.woken = false }
        timer.cancel()
        _ = await timer.result
    }

    // MARK: Listing

    /// What `hooks` shows: counters over every partition this member has run, the partitions it
    /// owns, the live members it sees.
    var snapshot: (hook: Hook.Snapshot, partitions: [Int], members: [String]) {
        let (runs, fired, failed, seen) = state.withLock { s in
            (s.owned.sorted { $0.key < $1.key }.compactMap(\.value.run), s.firedBefore, s.failedBefore, s.seen)
        }
        var total = Hook.Snapshot(fired: fired, failed: failed, lastHandled: nil, pending: 0)
        for run in runs {
            let s = run.hook.snapshot
            total.fired += s.fired
            total.failed += s.failed
            total.pending = total.pending.addingReportingOverflow(s.pending).overflow ? .max : total.pending + s.pending
            if let last = s.lastHandled { total.lastHandled = max(total.lastHandled ?? 0, last) }
        }
        let now = ContinuousClock.now
        let members = seen.filter { $0.key.hasPrefix("members.") && now - $0.value.written < spec.lease }
            .map { String($0.key.dropFirst("members.".count)) }
        return (total, ownedPartitions.sorted(), Array(Set(members + [member])).sorted())
    }
}
