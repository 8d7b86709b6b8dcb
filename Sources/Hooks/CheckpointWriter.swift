import KeyValue

/// Saves a durable hook's checkpoint after each handled event. Saves never overlap and
/// always write the newest progress (read when the write starts), so a slow write is
/// followed by one write of everything that finished meanwhile, never by an older state.
actor CheckpointWriter {
    private let bucket: any KeyValueBucket
    private let name: String
    private let current: @Sendable () -> Checkpoint?
    private let errorMessage: @Sendable (any Error) -> String
    private let report: @Sendable (String) -> Void
    private var saved: Checkpoint?
    private var writing = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(bucket: any KeyValueBucket, name: String, saved: Checkpoint?,
         current: @escaping @Sendable () -> Checkpoint?, errorMessage: @escaping @Sendable (any Error) -> String,
         report: @escaping @Sendable (String) -> Void) {
        self.bucket = bucket
        self.name = name
        self.saved = saved
        self.current = current
        self.errorMessage = errorMessage
        self.report = report
    }

    /// Returns once the progress as it is now (or newer) is stored.
    func save() async {
        if writing {
            await withCheckedContinuation { waiters.append($0) }
            // The write under way may have read the progress before this caller's event ended.
            if current() != saved { await save() }
            return
        }
        writing = true
        while let wanted = current(), wanted != saved {
            await write(wanted)
            saved = wanted
        }
        writing = false
        let woken = waiters
        waiters = []
        for waiter in woken { waiter.resume() }
    }

    /// The last save before the hook ends.
    func flush() async { await save() }

    /// Puts the checkpoint, retrying while the store is away (a lane waits meanwhile, so
    /// nothing runs whose completion could not be recorded). Gives up after about a minute.
    private func write(_ checkpoint: Checkpoint) async {
        var pause = Duration.milliseconds(100)
        var waited = Duration.zero
        while true {
            do {
                _ = try await bucket.put(name, Array(checkpoint.text.utf8))
                return
            } catch {
                if waited >= .seconds(60) {
                    report("cannot save the --durable checkpoint \(name) (revision \(checkpoint.watermark)): "
                           + errorMessage(error))
                    return
                }
                try? await Task.sleep(for: pause)
                waited += pause
                pause = min(pause * 2, .seconds(2))
            }
        }
    }
}
