import KeyValue
import Locks
import Shell

/// `lock BUCKET NAME [--wait D] [--limit N] [--ttl D] { … }` in the language: the block runs
/// while the lock is held, with `$lock` (bucket name key revision slot limit), and the lock is
/// released when it ends however it ends. A lost lease cancels the block and fails the command
/// with the lock's name.
struct LockBlock {
    static let usage = "lock BUCKET NAME [--wait D] [--limit N] [--ttl D] { … }"

    let bucket: String
    let name: String
    var limit = 1
    var wait: Duration?
    var ttl: Duration?

    /// The words after `lock`. Throws a `CommandError` (status 64) for bad words.
    init(_ words: [String]) throws {
        var operands: [String] = []
        var rest = words[...]
        func value(_ option: String) throws -> String {
            guard let v = rest.popFirst() else { throw Self.usageError("\(option) needs a value") }
            return v
        }
        func duration(_ option: String) throws -> Duration {
            let text = try value(option)
            do { return .nanoseconds(try parseDuration(text)) } catch { throw Self.usageError(error.description) }
        }
        var limit = 1
        var wait: Duration?
        var ttl: Duration?
        while let word = rest.popFirst() {
            switch word {
            case "--wait": wait = try duration(word)
            case "--ttl": ttl = try duration(word)
            case "--limit":
                let text = try value(word)
                guard let n = Int(text), n >= 1 else { throw Self.usageError("--limit must be at least 1") }
                limit = n
            default:
                guard !word.hasPrefix("-") else { throw Self.usageError("unknown option \(word)") }
                operands.append(word)
            }
        }
        guard operands.count == 2 else { throw Self.usageError("expected a bucket and a lock name") }
        bucket = operands[0]
        name = operands[1]
        self.limit = limit
        self.wait = wait
        self.ttl = ttl
        do {
            try KeyNames.validateBucket(bucket)
            try KeyNames.validateKey(name)
        } catch {
            throw Self.usageError("\(error)")
        }
        if ttl == .zero { throw Self.usageError("--ttl must be longer than 0s") }
    }

    static func usageError(_ problem: String) -> CommandError {
        CommandError("lock: \(problem) (usage: \(usage))", status: 64)
    }

    /// Takes the lock, runs `block`, releases. Throws `CommandError` when the lock cannot be
    /// taken or is lost, or the block fails (its own message is printed already).
    func run(_ block: CommandBlock, store: any KeyValueStore, output: any ShellOutput) async throws {
        let request = LockRequest(bucket: try await store.bucket(bucket), name: name, limit: limit, wait: wait, ttl: ttl)
        let held = try await LockAcquirer().acquire(request)
        let record = Record([
            ("bucket", .string(bucket)), ("name", .string(name)), ("key", .string(held.key)),
            ("revision", .int(Int(clamping: held.revision))), ("slot", .int(held.slot)), ("limit", .int(limit)),
        ])
        // The script reports an interruption once, at the lock statement.
        let body = Task { await block.run(binding: ["lock": .record(record)], output: output, quietWhenInterrupted: true) }
        let watcher = Task { () -> LockError? in
            let loss = await held.loss
            if loss != nil { body.cancel() }
            return loss
        }
        let status = await withTaskCancellationHandler { await body.value } onCancel: { body.cancel() }
        watcher.cancel()
        if let loss = held.lossSoFar {
            _ = await watcher.value
            throw CommandError("\(loss)")
        }
        // The release ends the keep-alive, and with it the watcher, which is awaited either way.
        // It runs in a task of its own: after Ctrl-C or SIGTERM cancelled this one, the
        // delete must still go out rather than leave the key to its lease.
        do {
            try await Task { try await held.release() }.value
        } catch {
            _ = await watcher.value
            throw error
        }
        _ = await watcher.value
        try Task.checkCancellation()
        if status != 0 { throw CommandError("lock \(name): the block failed", status: status) }
    }
}

extension ShellHost {
    /// `lock … { … }`: the host takes the lock, so the language knows nothing of locks.
    nonisolated func runLock(_ words: [String], context: CommandContext) async throws -> CommandResult {
        let lock = try LockBlock(Array(words.dropFirst()))
        guard let block = context.block else { throw LockBlock.usageError("expected a { … } block to run while holding the lock") }
        do {
            try await lock.run(block, store: try await backend().store, output: context.output)
        } catch let error as CommandError {
            throw error
        } catch {
            throw Self.shellError(error)
        }
        return CommandResult()
    }
}
