import KeyValue
import Synchronization

/// A key this process holds: a keep-alive task renews it every third of the lease until
/// `release()`, or until the lease is lost, which `loss` reports.
public final class HeldLock: Sendable {
    public let bucket: any KeyValueBucket
    public let name: String
    public let key: String
    public let slot: Int
    public let limit: Int
    /// The fencing token: the revision of the create that took the key. Keep-alives write
    /// newer revisions but never change it, so a later holder always has a larger one.
    public let revision: UInt64
    public let record: HolderRecord
    public let timing: LeaseTiming
    private let latest: Mutex<UInt64>
    private let keepAlive: Mutex<Task<LockError?, Never>?>
    private let lost = Mutex<LockError?>(nil)

    init(bucket: any KeyValueBucket, name: String, key: String, slot: Int, limit: Int,
         revision: UInt64, record: HolderRecord, timing: LeaseTiming) {
        self.bucket = bucket
        self.name = name
        self.key = key
        self.slot = slot
        self.limit = limit
        self.revision = revision
        self.record = record
        self.timing = timing
        latest = Mutex(revision)
        keepAlive = Mutex(nil)
        let task = Task { [self] in
            let loss = await renew()
            lost.withLock { $0 = loss }
            return loss
        }
        keepAlive.withLock { $0 = task }
    }

    /// The revision the key had at the last keep-alive that got through.
    public var latestRevision: UInt64 { latest.withLock { $0 } }

    /// Returns the reason once the lease is lost; nil when the lock was released first.
    public var loss: LockError? {
        get async {
            guard let task = keepAlive.withLock({ $0 }) else { return nil }
            return await task.value
        }
    }

    /// The loss, if the keep-alive has ended with one by now; never waits.
    public var lossSoFar: LockError? { lost.withLock { $0 } }

    /// Stops the keep-alives and deletes the key, guarded by its latest revision so that a key
    /// someone else holds by now is left alone. Throws what the store throws.
    public func release() async throws {
        let task = keepAlive.withLock { $0 }
        task?.cancel()
        if let lost = await task?.value { throw lost }
        do {
            _ = try await bucket.delete(key, revision: latestRevision)
        } catch KeyValueError.wrongLastRevision {
            // A keep-alive cut short by the release may have been stored: still ours if the
            // latest value is our record.
            let entry = try? await bucket.get(key, revision: nil)
            if let entry, entry.operation == .put, HolderRecord.decode(entry.value) == record {
                _ = try await bucket.delete(key, revision: entry.revision)
            }
        }
    }

    private func renew() async -> LockError? {
        let clock = ContinuousClock()
        var renewed = clock.now
        let value = record.encoded()
        while true {
            do { try await Task.sleep(for: timing.keepAliveInterval) } catch { return nil }
            do {
                let revision = try await bucket.update(key, value, revision: latestRevision, ttl: timing.perKeyTTL)
                latest.withLock { $0 = revision }
                renewed = clock.now
            } catch KeyValueError.wrongLastRevision(_, _, _, let actual) {
                let now = actual.map { " (its revision is now \($0))" } ?? ""
                return .lost(key: key, reason: "the key was expired, deleted or taken by someone else\(now)")
            } catch KeyValueError.keyNotFound {
                return .lost(key: key, reason: "the key was expired or deleted")
            } catch {
                if Task.isCancelled { return nil }
                if timing.isLost(lastRenewed: renewed, now: clock.now) {
                    return .lost(key: key, reason: "no keep-alive got through for \(LeaseTiming.text(timing.lease)): \(error)")
                }
            }
        }
    }
}
