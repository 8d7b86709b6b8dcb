#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KeyValue
import Synchronization

/// Takes a lock: `create` on the first free slot key. A waiter does not poll: a watch on the
/// slot keys wakes it when one is deleted or purged, and a timer when the earliest holder's
/// lease would have run out (an expiry by maximum age sends no event).
public struct LockAcquirer: Sendable {
    public init() {}

    /// The held lock, once a slot is free. Throws `LockError.notAcquired` when `request.wait`
    /// runs out, another `LockError` when the bucket cannot give a lease, what the store throws
    /// otherwise, and `CancellationError` when the task is cancelled while waiting.
    public func acquire(_ request: LockRequest) async throws -> HeldLock {
        let timing = try LeaseTiming(ttl: request.ttl, limit: request.limit, status: try await request.bucket.status())
        let record = HolderRecord.current()
        let deadline = request.wait.map { Date().addingTimeInterval(LeaseTiming.seconds($0)) }
        if let held = try await tryEachSlot(request, record, timing) { return held }
        if request.wait == .zero { throw await notAcquired(request) }

        let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let holders = Mutex<[String: Entry]>([:])
        let watch = try await request.bucket.watch(filters: request.keys, options: WatchOptions())
        let reader = Task {
            do {
                for try await event in watch {
                    switch event {
                    case .entry(let entry):
                        holders.withLock { $0[entry.key] = entry }
                        if entry.operation != .put { wake.yield() }
                    case .initialValuesDone:
                        wake.yield()
                    }
                }
            } catch {}
            wake.finish()
        }
        // Every way out stops the watch and awaits its reader: no task outlives the call.
        let outcome: Result<HeldLock, any Error>
        do {
            outcome = .success(try await waitForSlot(request, record, timing, deadline: deadline,
                                                     wakes: wakes, wake: wake, holders: holders))
        } catch {
            outcome = .failure(error)
        }
        watch.stop()
        reader.cancel()
        await reader.value
        return try outcome.get()
    }

    /// Tries the slots each time the watch or the timer wakes it, until one is free, the wait
    /// runs out or the watch ends.
    private func waitForSlot(_ request: LockRequest, _ record: HolderRecord, _ timing: LeaseTiming, deadline: Date?,
                             wakes: AsyncStream<Void>, wake: AsyncStream<Void>.Continuation,
                             holders: borrowing Mutex<[String: Entry]>) async throws -> HeldLock {
        var iterator = wakes.makeAsyncIterator()
        while true {
            if let held = try await tryEachSlot(request, record, timing) { return held }
            let now = Date()
            if let deadline, now >= deadline { throw await notAcquired(request) }
            let expiries = holders.withLock { $0.values.filter { $0.operation == .put }.map { timing.expiry(ofRevisionCreated: $0.created) } }
            let pause = LeaseTiming.nextTry(holderExpiries: expiries, now: now, deadline: deadline)
            let timer = pause.map { pause in Task { try? await Task.sleep(for: pause); wake.yield() } }
            let woke = await iterator.next() != nil
            timer?.cancel()
            await timer?.value
            try Task.checkCancellation()
            // The watch ended (its store closed): one more try, then say so.
            if !woke {
                if let held = try await tryEachSlot(request, record, timing) { return held }
                throw await notAcquired(request)
            }
        }
    }

    private func tryEachSlot(_ request: LockRequest, _ record: HolderRecord, _ timing: LeaseTiming) async throws -> HeldLock? {
        let value = record.encoded()
        for slot in 0..<request.limit {
            let key = request.key(slot: slot)
            do {
                let revision = try await request.bucket.create(key, value, ttl: timing.perKeyTTL)
                return HeldLock(bucket: request.bucket, name: request.name, key: key, slot: slot, limit: request.limit,
                                revision: revision, record: record, timing: timing)
            } catch KeyValueError.keyExists {
                continue
            }
        }
        return nil
    }

    private func notAcquired(_ request: LockRequest) async -> LockError {
        var holders: [String] = []
        for key in request.keys {
            guard let entry = try? await request.bucket.get(key, revision: nil) else { continue }
            holders.append(HolderRecord.decode(entry.value)?.summary ?? "an unknown holder")
        }
        return .notAcquired(name: request.name, holders: holders)
    }
}
