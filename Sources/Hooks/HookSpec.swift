import KeyValue
import Shell

/// What a hook reacts to and what it runs: everything `on …` said, checked.
public struct HookSpec: Sendable {
    /// The operations that fire the hook.
    public enum Trigger: String, Sendable, CaseIterable {
        case put, del, purge, any

        func matches(_ operation: Operation) -> Bool {
            switch self {
            case .any: true
            case .put: operation == .put
            case .del: operation == .delete
            case .purge: operation == .purge
            }
        }
    }

    /// What runs for an event.
    public enum Action: Sendable {
        /// `run 'TEXT'`: `/bin/sh -c TEXT`, the text fixed now; the event arrives only in the
        /// environment and on stdin.
        case shell(String)
        /// `{ … }`: kvsh code with `$event` bound to the event's entry.
        case block(CommandBlock)
    }

    public var trigger: Trigger
    public var bucket: String
    /// A key or a pattern (`orders.*`, `orders.>`); nil for every key.
    public var pattern: String?
    public var action: Action
    /// A run longer than this is stopped (its whole process group); nil for no limit.
    public var timeout: Duration?
    /// How many times a failed run is tried again, with growing pauses.
    public var retries = 0
    /// Also fire for the values present when the hook starts.
    public var initial = false
    /// Keep the last handled revision in the store under this name, and resume after it.
    public var durable: String?
    /// How many events may run at once; events of one key always run in revision order.
    public var parallel = 1
    /// Share the work with every process that registers the same group on the same bucket
    /// (docs/hooks.md, "Hook groups"); its partitions keep their own checkpoints.
    public var group: String?
    /// How long a group member's partitions stay its own without a keep-alive.
    public var lease = HookSpec.defaultLease

    public init(trigger: Trigger, bucket: String, pattern: String? = nil, action: Action) {
        self.trigger = trigger
        self.bucket = bucket
        self.pattern = pattern
        self.action = action
    }

    /// The longest `--timeout`, and the most `--retry` and `--parallel` allow.
    static let maximumTimeoutNanoseconds: Int64 = 24 * 3600 * 1_000_000_000
    static let maximumRetries = 100
    static let maximumParallel = 64
    /// A group's lease: a member killed with SIGKILL keeps its partitions this long at most.
    public static let defaultLease = Duration.seconds(10)
    static let minimumLeaseNanoseconds: Int64 = 1_000_000_000
    static let maximumLeaseNanoseconds: Int64 = 300 * 1_000_000_000

    static let usage = "on put|del|purge|any BUCKET [KEY-PATTERN] [OPTIONS] run 'SHELL COMMAND'  or  "
        + "on put|del|purge|any BUCKET [KEY-PATTERN] [OPTIONS] { … }; "
        + "OPTIONS: --timeout DUR, --retry N, --initial, --durable NAME, --parallel N, --group NAME, --lease DUR"

    /// Reads the words after `on` (and the block, if one was written). Every mistake is one
    /// `CommandError` (status 64, a usage error) naming it; a bad bucket name or key pattern
    /// reads as `errorMessage` words the key-value error (as the store commands say it).
    public static func parse(_ words: [String], block: CommandBlock?,
                             errorMessage: (any Error) -> String = HookRegistry.plainMessage) throws -> HookSpec {
        var operands: [String] = []
        var command: String?
        var timeout: Duration?
        var retries = 0
        var initial = false
        var durable: String?
        var parallel = 1
        var group: String?
        var lease: Duration?
        var index = 0
        func value(of option: String, inline: String?) throws -> String {
            if let inline { return inline }
            index += 1
            guard index < words.count else { throw usageError("\(option) needs a value") }
            return words[index]
        }
        while index < words.count {
            let word = words[index]
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            let name = word.hasPrefix("--") ? parts[0] : word
            let inline = word.hasPrefix("--") && parts.count == 2 ? parts[1] : nil
            switch name {
            case "run":
                guard command == nil else { throw usageError("'run' is given twice") }
                guard index + 1 < words.count else {
                    throw usageError("'run' needs the shell command, quoted as one word: run 'echo $KVSH_KEY'")
                }
                index += 1
                command = words[index]
            case "--timeout":
                let text = try value(of: name, inline: inline)
                guard let nanos = DurationText.nanoseconds(text), nanos > 0,
                      nanos <= maximumTimeoutNanoseconds else {
                    throw usageError("--timeout: invalid duration '\(text)': use a positive duration up to 24h, "
                                     + "such as 500ms, 30s or 5m")
                }
                timeout = .nanoseconds(nanos)
            case "--retry":
                let text = try value(of: name, inline: inline)
                guard let n = Int(text), n >= 0, n <= maximumRetries else {
                    throw usageError("--retry: '\(text)' is not a number of retries from 0 to \(maximumRetries)")
                }
                retries = n
            case "--parallel":
                let text = try value(of: name, inline: inline)
                guard let n = Int(text), n >= 1, n <= maximumParallel else {
                    throw usageError("--parallel: '\(text)' is not a number of runs from 1 to \(maximumParallel)")
                }
                parallel = n
            case "--durable":
                let text = try value(of: name, inline: inline)
                guard KeyNames.isValidKey(text), !text.contains(".") else {
                    throw usageError("--durable: '\(text)' is not a valid name: use letters, digits, '-', '_' and '='")
                }
                durable = text
            case "--group":
                let text = try value(of: name, inline: inline)
                guard (try? KeyNames.validateBucket("kvsh_group_" + text)) != nil else {
                    throw usageError("--group: '\(text)' is not a valid name: use letters, digits, '-' and '_'")
                }
                group = text
            case "--lease":
                let text = try value(of: name, inline: inline)
                guard let nanos = DurationText.nanoseconds(text), nanos >= minimumLeaseNanoseconds,
                      nanos <= maximumLeaseNanoseconds else {
                    throw usageError("--lease: invalid duration '\(text)': use 1s to 5m, such as 10s")
                }
                lease = .nanoseconds(nanos)
            case "--initial":
                guard inline == nil else { throw usageError("--initial takes no value") }
                initial = true
            default:
                if word.hasPrefix("-") && word.count > 1 { throw usageError("unknown option '\(word)'") }
                // After the command only options may follow: `run echo hi` is a quoting mistake.
                if command != nil {
                    throw usageError("too many words: '\(word)' (quote the shell command after 'run' as one word)")
                }
                operands.append(word)
            }
            index += 1
        }
        guard let first = operands.first else { throw usageError("expected an operation: put, del, purge or any") }
        guard let trigger = Trigger(rawValue: first) else {
            throw usageError("unknown operation '\(first)': use put, del, purge or any")
        }
        guard operands.count >= 2 else { throw usageError("expected a bucket after '\(first)'") }
        guard operands.count <= 3 else {
            throw usageError("too many words: '\(operands[3])' (quote the shell command after 'run' as one word)")
        }
        if group != nil, durable != nil {
            throw usageError("--group and --durable exclude each other: a group keeps a checkpoint per partition")
        }
        if lease != nil, group == nil { throw usageError("--lease is the lease of a --group: give --group NAME too") }
        let bucket = operands[1]
        do {
            try KeyNames.validateBucket(bucket)
            if operands.count == 3 { try KeyNames.validateFilter(operands[2]) }
        } catch {
            throw CommandError(errorMessage(error), status: usageStatus)
        }
        let action: Action
        switch (command, block) {
        case (let text?, nil):
            guard !text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" }) else {
                throw usageError("the command after 'run' is empty")
            }
            action = .shell(text)
        case (nil, let block?): action = .block(block)
        case (nil, nil): throw usageError("expected what to run: run 'SHELL COMMAND' or a { … } block")
        case (_?, _?): throw usageError("give either run 'COMMAND' or a { … } block, not both")
        }
        var spec = HookSpec(trigger: trigger, bucket: bucket, pattern: operands.count == 3 ? operands[2] : nil,
                            action: action)
        spec.timeout = timeout
        spec.retries = retries
        spec.initial = initial
        spec.durable = durable
        spec.parallel = parallel
        spec.group = group
        spec.lease = lease ?? defaultLease
        return spec
    }

    /// Usage errors leave status 64, as those of the store commands do.
    static let usageStatus: Int32 = 64

    static func usageError(_ problem: String) -> CommandError {
        CommandError("on: \(problem) (usage: \(usage))", status: usageStatus)
    }

    /// What the hook runs, for `hooks`: the command text, or where the block is.
    var actionSummary: String {
        switch action {
        case .shell(let text): text
        case .block(let block): "{ … } at \(block.position)"
        }
    }
}

extension Duration {
    /// `500ms`, `2s`, `1.5s`, `90s`: how hook messages show pauses and timeouts.
    var shortText: String {
        let (seconds, attoseconds) = components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds / 1000).\(milliseconds % 1000 / 100)s"
    }
}
