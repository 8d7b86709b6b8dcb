import ArgumentParser
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KeyValue
import Locks
import Shell
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `kvsh lock BUCKET NAME [--wait D] [--limit N] [--ttl D] -- COMMAND [ARG…]`: runs the
/// command while holding the lock (docs/locks.md). A command-line form: scripts use the
/// `lock … { }` block.
struct LockCommand: KvshCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Run a command while holding a lock (a key) in a bucket",
        usage: "kvsh [<options>] lock <bucket> <name> [--wait <d>] [--limit <n>] [--ttl <d>] -- <command> [<arg> ...]",
        discussion: """
            The lease is the bucket's maximum age (make a bucket with 'kvsh kv add locks --ttl 30s'), \
            or --ttl on a bucket that allows per-key TTLs; kvsh renews it every third of the lease. \
            The command gets KVSH_LOCK_BUCKET, KVSH_LOCK_KEY and KVSH_LOCK_REVISION (the fencing \
            token). Exits with the command's status; 1 when the lock is not acquired within --wait \
            or is lost (the command is then stopped: SIGTERM, SIGKILL after 2s); 130/143 after \
            SIGINT/SIGTERM, which stop the command and release the lock.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name", completion: .bucket) var bucket: String
    @Argument(help: "Lock name (the key; NAME.0… with --limit)", completion: .key) var name: String
    @Option(help: "How long to wait for the lock, e.g. 10s; 0 fails at once (default: for ever)") var wait: String?
    @Option(help: "How many may hold the lock at once") var limit: Int = 1
    @Option(help: "A per-key TTL as the lease (the bucket must allow per-key TTLs)") var ttl: String?
    @Option(help: ArgumentHelp("Lock events on stderr as text (failures only), or as json (one object a line: "
                               + "acquired, released, lost)", valueName: "format"))
    var logFormat: String?
    @Argument(parsing: .postTerminator, help: "The command to run and its arguments") var command: [String] = []

    func run() async throws { try await runOneShot(streamsOutput: true) }

    func execute(_ ctx: CommandExecution) async throws -> Value {
        guard ctx.mode == .oneShot else {
            throw ValidationError("kvsh lock runs from the command line; in a script use lock \(bucket) \(name) { … }")
        }
        try KeyNames.validateBucket(bucket)
        try KeyNames.validateKey(name)
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        guard !command.isEmpty else { throw ValidationError("missing command: kvsh lock \(bucket) \(name) -- COMMAND [ARG…]") }
        let waitFor = try wait.map { Duration.nanoseconds(try parseDuration($0)) }
        let ttlFor = try ttl.map { Duration.nanoseconds(try parseDuration($0)) }
        if ttlFor == .zero { throw ValidationError("--ttl must be longer than 0s") }
        let json = try ServeOptions.LogFormat.parse(logFormat) == .json

        let store = try await ctx.backend().store
        let request = LockRequest(bucket: try await store.bucket(bucket), name: name, limit: limit,
                                  wait: waitFor, ttl: ttlFor)
        let signals = await InterruptSignals()
        defer { signals.stop() }
        let caught = CaughtSignal()
        let acquiring = Task { try await LockAcquirer().acquire(request) }
        signals.onSignal { acquiring.cancel() }
        let sources = caught.listen()
        defer { sources.forEach { $0.cancel() } }
        let held: HeldLock
        do {
            held = try await acquiring.value
        } catch is CancellationError {
            throw ExitCode(caught.exitStatus)
        }
        let log = LockLog(json: json, bucket: bucket, key: held.key)
        log.write("info", "lock.acquired", [.init("revision", .uint(held.revision)), .init("slot", .int(Int64(held.slot)))])
        let status = try await run(holding: held, caught: caught, signals: signals, log: log)
        if status != 0 { throw ExitCode(status) }
        return .null
    }

    private enum Ending: Sendable {
        case exited(Int32)
        case lost(LockError)
        case signal
    }

    /// Runs the command to its end, a loss of the lease or a signal; returns kvsh's exit status.
    private func run(holding held: HeldLock, caught: CaughtSignal, signals: InterruptSignals,
                     log: LockLog) async throws -> Int32 {
        let child: LockedChild
        do {
            child = try LockedChild(command, environment: [
                "KVSH_LOCK_BUCKET": bucket, "KVSH_LOCK_KEY": held.key, "KVSH_LOCK_REVISION": String(held.revision),
            ])
        } catch {
            try? await held.release()
            throw error
        }
        let (endings, end) = AsyncStream<Ending>.makeStream()
        signals.onSignal { end.yield(.signal) }
        let waiter = Task { end.yield(.exited(await child.exitStatus())) }
        let watcher = Task { if let loss = await held.loss { end.yield(.lost(loss)) } }
        defer { watcher.cancel() }
        var iterator = endings.makeAsyncIterator()
        let first = await iterator.next() ?? .signal
        switch first {
        case .exited(let status):
            try await held.release()
            log.write("info", "lock.released", [.init("exit_status", .int(Int64(status)))])
            return status
        case .lost(let loss):
            stop(child)
            _ = await waiter.value
            if log.json {
                log.write("error", "lock.lost", [.init("reason", .string("\(loss)"))])
            } else {
                Terminal.err("nats: error: \(loss)\n")
            }
            return ExitStatus.failure
        case .signal:
            stop(child)
            _ = await waiter.value
            try? await held.release()
            log.write("info", "lock.released", [.init("signal", .int(Int64(caught.exitStatus - 128)))])
            return caught.exitStatus
        }
    }

    /// SIGTERM to the command's group, SIGKILL after the hooks' grace to what is left.
    private func stop(_ child: LockedChild) {
        child.signalGroup(SIGTERM)
        Task {
            try? await Task.sleep(for: .seconds(2))
            child.signalGroup(SIGKILL)
        }
    }
}

/// `--log-format json`: a line on stderr per lock event; text writes nothing here (failures
/// are the one error line they always are).
private struct LockLog {
    let json: Bool
    let bucket: String
    let key: String

    func write(_ level: String, _ event: String, _ fields: [JSONValue.Member]) {
        guard json else { return }
        let line = JSONLogLine(timestamp: Timestamp.rfc3339(Date()), level: level, event: event,
                               fields: [.init("bucket", .string(bucket)), .init("key", .string(key))] + fields)
        Terminal.err(line.text)
    }
}

/// Which of SIGINT and SIGTERM arrived, for the exit status (128 + its number).
private final class CaughtSignal: Sendable {
    private let number = Mutex<Int32>(SIGINT)

    var exitStatus: Int32 { 128 + number.withLock { $0 } }

    /// Extra sources beside `InterruptSignals`' (which has put libdispatch's handler in place).
    func listen() -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { signalNumber in
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in number.withLock { $0 = signalNumber } }
            source.resume()
            return source
        }
    }
}
