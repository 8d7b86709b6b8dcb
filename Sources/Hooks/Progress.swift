/// Which revisions a hook has handled, as a watermark: every revision up to `watermark` is
/// done, plus `finished` above it. Events are dispatched in revision order but may finish out
/// of order (`--parallel`); the watermark only passes a revision once it and all before it are done.
struct Progress: Sendable {
    private(set) var watermark: UInt64?
    /// Dispatched or skipped revisions above the watermark, in order.
    private var open: [UInt64] = []
    private var head = 0
    private var finished: Set<UInt64> = []

    init(watermark: UInt64? = nil) { self.watermark = watermark }

    /// Revisions dispatched or skipped above the watermark: what the checkpoint lists, bounded
    /// by the hook (`Hook.progressWindow`) so a run that hangs cannot make it grow for ever.
    var openCount: Int { open.count - head }

    /// A revision handed to a run.
    mutating func dispatched(_ revision: UInt64) { open.append(revision) }

    /// A revision the hook does not handle (another operation): done at once.
    mutating func skipped(_ revision: UInt64) {
        if head == open.count {
            watermark = revision
        } else {
            open.append(revision)
            finished.insert(revision)
        }
    }

    /// A dispatched revision whose run ended (success, or failure after its retries).
    mutating func completed(_ revision: UInt64) {
        finished.insert(revision)
        while head < open.count, finished.remove(open[head]) != nil {
            watermark = open[head]
            head += 1
        }
        if head > 256 && head * 2 > open.count {
            open.removeFirst(head)
            head = 0
        }
    }

    /// What a durable hook saves; nil before anything was handled.
    var checkpoint: Checkpoint? {
        guard let watermark else { return nil }
        return Checkpoint(watermark: watermark, done: finished.sorted())
    }
}
