import KeyValue
import Shell
import Synchronization

extension HookRegistry {
    /// Opens the watch of one hook (resuming after its checkpoint when `durable` names one)
    /// and starts serving it. `accepts` keeps the keys of a group's partition; `makeID` gives
    /// the hook its id once nothing can fail any more.
    func start(_ spec: HookSpec, durable: String?, store: any KeyValueStore, bucket: any KeyValueBucket,
               output: any ShellOutput, accepts: (@Sendable (String) -> Bool)?,
               makeID: () -> Int) async throws -> HookGroup.PartitionRun {
        var options = WatchOptions(ignoreDeletes: spec.trigger == .put)
        let filters = spec.pattern.map { [$0] } ?? []
        var resumeAfter: UInt64?
        var skip = Set<UInt64>()
        var checkpoints: (bucket: any KeyValueBucket, saved: Checkpoint?)?
        if let name = durable {
            let checkpointBucket = try await Checkpoint.bucket(in: store, like: bucket)
            var saved = try await Checkpoint.load(name, from: checkpointBucket)
            if saved == nil && !spec.initial {
                // The first start: remember where "now" is, so that a stop before the first
                // event still resumes without missing what was written meanwhile.
                let start = Checkpoint(watermark: try await Self.lastRevision(bucket, filters: filters))
                _ = try await checkpointBucket.put(name, Array(start.text.utf8))
                saved = start
            }
            if let saved {
                resumeAfter = saved.watermark
                skip = Set(saved.done)
                options.fromRevision = try saved.nextRevision(durable: name)
            }
            checkpoints = (checkpointBucket, saved)
        } else if !spec.initial {
            options.updatesOnly = true
        }
        let watch = try await bucket.watch(filters: filters, options: options)
        if options.updatesOnly {
            // Registered means listening: a write made after `on` returns must fire. The
            // marker comes once the backend's subscription is in place.
            var events = watch.makeAsyncIterator()
            guard case .initialValuesDone? = try await events.next() else {
                watch.stop()
                throw CommandError("on: the watch of \(spec.bucket) ended before it started")
            }
        }

        let id = makeID()
        let holder = HookHolder()
        let errorMessage = self.errorMessage
        let writer = checkpoints.map { checkpoints in
            CheckpointWriter(bucket: checkpoints.bucket, name: durable ?? "", saved: checkpoints.saved,
                             current: { holder.hook?.checkpoint }, errorMessage: errorMessage,
                             report: { output.writeError("[hook \(id)] \(DisplayText.escapingControls($0))\n") })
        }
        let hook = Hook(id: id, spec: spec, output: output, resumeAfter: resumeAfter, checkpoints: writer,
                        errorMessage: errorMessage, reporter: reporter, accepts: accepts)
        holder.hook = hook
        _ = hook.setWatch(watch)
        let firstOptions = options
        let reopen: @Sendable (UInt64?) async throws -> KeyWatch = { next in
            var again = firstOptions
            if let next {
                again.fromRevision = next
                again.updatesOnly = false
            }
            return try await bucket.watch(filters: filters, options: again)
        }
        // Before the task starts, so that no run is reported before the hook. A group's
        // partitions report their runs under the group, which registers once.
        if accepts == nil { reporter?(.registered(hook.identity)) }
        // Kept by the caller: whoever stops the hook awaits it.
        let task = Task { await hook.serve(first: watch, skip: skip, open: reopen) }
        return HookGroup.PartitionRun(hook: hook, task: task)
    }

    /// The highest revision among the keys `filters` select (0 for none), read as a watch of
    /// the latest values without their data.
    private static func lastRevision(_ bucket: any KeyValueBucket, filters: [String]) async throws -> UInt64 {
        let scan = try await bucket.watch(filters: filters, options: WatchOptions(metaOnly: true))
        defer { scan.stop() }
        var last: UInt64 = 0
        for try await event in scan {
            switch event {
            case .entry(let entry): last = max(last, entry.revision)
            case .initialValuesDone: return last
            }
        }
        return last
    }
}

/// Lets a hook's checkpoint writer read the hook created after it.
private final class HookHolder: Sendable {
    private let value = Mutex<Hook?>(nil)
    var hook: Hook? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
