import KeyValue

/// What a hook reports as it works, for whoever watches an unattended run (`kvsh serve
/// --metrics`, `--log-format json`): the command line turns these into metrics and log lines,
/// so Hooks needs neither. Names, revisions and outcomes only — never a value.
public enum HookReport: Sendable {
    /// Registered, its watch open (live).
    case registered(HookIdentity)
    /// Ended: its watch closed and its runs over.
    case stopped(HookIdentity)
    /// One run of one event ended (each attempt reports).
    case runFinished(HookIdentity, HookRun)
    /// The watch ended by itself; the hook reopens it after a pause.
    case watchLost(HookIdentity, reason: String)
    /// The watch was opened again.
    case watchRestored(HookIdentity)
}

/// The hook a report is about.
public struct HookIdentity: Sendable, Equatable {
    public var id: Int
    public var bucket: String
    public var durable: String?
    /// The hook's `--group`, for a member of one.
    public var group: String?
}

/// One run of a hook's action for one event.
public struct HookRun: Sendable {
    public var revision: UInt64
    public var key: String
    public var operation: Operation
    /// The run's wall time, in seconds.
    public var seconds: Double
    /// True when the action exited with status 0.
    public var succeeded: Bool
    /// The exit status, when the action exited (nil when it was killed, timed out, or never started).
    public var exitStatus: Int32?
    /// How the run ended, as `hooks` reports it ("exit status 3", "timed out").
    public var outcome: String
    /// 0 for the first attempt, then 1, 2, … for the retries.
    public var attempt: Int
    /// True when a failed run will be tried again.
    public var willRetry: Bool
}

/// Receives a hook's reports; called on the hook's own tasks, so it must be quick.
public typealias HookReporter = @Sendable (HookReport) -> Void
