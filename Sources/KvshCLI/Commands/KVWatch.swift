import ArgumentParser
import Dispatch
import KeyValue
import Shell
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct KVWatch: KvshCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Print the latest values, then every change, until Ctrl-C (or --count, --wait)",
        discussion: "--count N stops after N entries, --wait D after D (fewer than --count by then fails).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name", completion: .bucket) var bucket: String
    @Argument(help: "Key filters such as 'orders.>' (default: every key)", completion: .keyFilter)
    var filters: [String] = []
    @Flag(name: .customLong("history"), help: "Start with every kept revision, not only the latest")
    var includeHistory = false
    @Flag(name: .customLong("updates"), help: "Only changes made from now on") var updatesOnly = false
    @Flag(inversion: .prefixedNo, help: "Show deletes and purges") var deletes = true
    @Option(help: "Start at this revision") var revision: String?
    @Option(help: ArgumentHelp("Stop after this many entries (those printed)", valueName: "n")) var count: Int?
    // Not `--timeout`: that is every command's connection timeout (natscli's flag).
    @Option(help: ArgumentHelp("Stop after this long, e.g. 5s; with --count, fewer entries by then fails",
                               valueName: "duration"))
    var wait: String?

    func run() async throws { try await runOneShot(streamsOutput: true) }

    /// Prints until interrupted — SIGINT/SIGTERM for a one-shot command, cancellation of the
    /// running task (Ctrl-C at the prompt) in the shell — or until `--count` entries or `--wait`
    /// has passed, and then returns normally: null, or with `--count`/`--wait` the list of the
    /// entries seen. Throws `CommandError` when `--wait` passes before `--count` entries.
    func execute(_ ctx: CommandExecution) async throws -> Value {
        try KeyNames.validateBucket(bucket)
        for f in filters { try KeyNames.validateFilter(f) }
        if includeHistory && updatesOnly { throw ValidationError("--history and --updates exclude each other") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        let deadline = try wait.map { Duration.nanoseconds(try parseDuration($0)) }
        if deadline == .zero { throw ValidationError("--wait must be more than 0") }
        let bounded = count != nil || deadline != nil
        if ctx.captured && !bounded {
            throw ArgumentError("kv watch prints until Ctrl-C and has no result to bind: run it without 'let', "
                                + "or give --count or --wait")
        }
        let options = WatchOptions(includeHistory: includeHistory, updatesOnly: updatesOnly,
                                   ignoreDeletes: !deletes, fromRevision: try revision.map(parseRevision))
        let json = ctx.json
        let output = ctx.output
        let captured = ctx.captured
        let backend = try await ctx.backend()
        let watch = try await backend.store.bucket(bucket).watch(filters: filters, options: options)
        defer { watch.stop() }
        // A watch outlives outages; say so on stderr rather than going quiet.
        let observer = backend.connection?.addEventObserver { event in
            switch event {
            case .disconnected(let url): output.writeError("nats: disconnected from \(url), reconnecting\n")
            case .reconnected(let url): output.writeError("nats: reconnected to \(url)\n")
            default: break
            }
        }
        defer { if let observer { backend.connection?.removeEventObserver(observer) } }
        let tally = WatchTally(keepsEntries: captured)
        let limit = count
        let printEvents: @Sendable () async throws -> Void = {
            for try await event in watch {
                guard case .entry(let e) = event else { continue }
                if !captured {
                    output.write(json ? jsonEntry(e) + "\n" : renderWatchLine(e) + "\n")
                    if let failure = output.writeFailure { throw failure }
                }
                if tally.add(e) == limit { return }
            }
        }
        let body: @Sendable () async throws -> Void = if let deadline {
            { if try await !finishes(printEvents, within: deadline) { tally.markTimedOut() } }
        } else {
            printEvents
        }
        switch ctx.mode {
        case .oneShot:
            try await untilInterrupted(body)
        case .shell:
            // Cancelling the task ends the watch's sequence (or throws CancellationError):
            // either way the watch is over and the command succeeded.
            do {
                try await body()
            } catch is CancellationError {
                return bounded ? tally.result : .null
            }
        }
        if let count, let wait, tally.timedOut, tally.count < count {
            throw CommandError("kv watch: \(tally.count) of \(count) entries within \(wait)")
        }
        return bounded ? tally.result : .null
    }
}

/// What a bounded watch has seen so far (shared with the task that reads the watch, which may
/// be cancelled before it returns).
private final class WatchTally: Sendable {
    private let state = Mutex<(count: Int, entries: [Entry], timedOut: Bool)>((0, [], false))
    /// Under `let`: the entries are the result. Otherwise only counted.
    private let keepsEntries: Bool

    init(keepsEntries: Bool) { self.keepsEntries = keepsEntries }

    /// Counts `entry` (and keeps it under `let`); returns how many have been seen.
    func add(_ entry: Entry) -> Int {
        state.withLock { state in
            state.count += 1
            if keepsEntries { state.entries.append(entry) }
            return state.count
        }
    }

    func markTimedOut() { state.withLock { $0.timedOut = true } }

    var count: Int { state.withLock { $0.count } }
    var timedOut: Bool { state.withLock { $0.timedOut } }
    var result: Value { .list(state.withLock { $0.entries }.map(Value.entry)) }
}

/// Runs `body` for at most `limit`: true when it ended by itself, false when the time ran out
/// (it is then cancelled, and awaited).
func finishes(_ body: @escaping @Sendable () async throws -> Void, within limit: Duration) async throws -> Bool {
    try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask {
            try await body()
            return true
        }
        group.addTask {
            try await Task.sleep(for: limit)
            return false
        }
        defer { group.cancelAll() }
        return try await group.next() ?? true
    }
}

/// Runs `body` until it ends or SIGINT/SIGTERM arrives; a signal ends it cleanly.
func untilInterrupted(_ body: @escaping @Sendable () async throws -> Void) async throws {
    let signals = await InterruptSignals()
    defer { signals.stop() }
    // Not a child task: the signal handler must reach it. Awaited here, so it ends with the call.
    let work = Task { try await body() }
    signals.onSignal { work.cancel() }
    do {
        try await work.value
    } catch is CancellationError {
        return
    }
}

/// While it is listening, SIGINT and SIGTERM call the action given to `onSignal` instead of
/// ending the process; one that arrives before the action is set is kept and acted on when it
/// is set. After `stop()` they are still caught, and do nothing.
///
/// On Linux a signal source works through a handler that libdispatch installs with
/// `sigaction` when it registers the first source for that signal, on its manager thread, and
/// never again. `init` returns only once both sources are registered: whoever saves the
/// disposition after that and restores it later (libedit does, around every line it reads)
/// saves and restores that handler, and not the `SIG_IGN` that stands in until then (a
/// restored `SIG_IGN` would make the kernel drop every later SIGINT and SIGTERM).
struct InterruptSignals: @unchecked Sendable {
    // @unchecked: dispatch sources are safe to use from any thread; the rest is Sendable.
    private let sources: [any DispatchSourceSignal]
    private let target = Target()

    init() async {
        // Until libdispatch's handler is in place the default action would end the process.
        // Only a default is replaced: a handler is libdispatch's from an earlier listener.
        for number in [SIGINT, SIGTERM] where Self.isDefault(number) { signal(number, SIG_IGN) }
        let sources = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0, queue: .global()) }
        self.sources = sources
        let target = self.target
        let registered = DispatchGroup()
        for source in sources {
            source.setEventHandler { target.fire() }
            registered.enter()
            source.setRegistrationHandler { registered.leave() }
            source.resume()
        }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            registered.notify(queue: .global()) { done.resume() }
        }
    }

    private static func isDefault(_ number: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(number, nil, &current) == 0 else { return false }
        #if canImport(Glibc)
        return current.__sigaction_handler.sa_handler == nil
        #else
        return current.__sigaction_u.__sa_handler == nil
        #endif
    }

    /// What a signal does from now on (at once if one has arrived already).
    func onSignal(_ action: @escaping @Sendable () -> Void) { target.set(action) }

    /// Stops listening.
    func stop() { sources.forEach { $0.cancel() } }

    /// Forgets the action and any signal seen so far (the REPL reuses one listener for every
    /// command: installing a second one would reset the signal disposition under the first).
    func reset() { target.reset() }

    private final class Target: Sendable {
        private let state = Mutex<(action: (@Sendable () -> Void)?, fired: Bool)>((nil, false))

        func set(_ action: @escaping @Sendable () -> Void) {
            let fired = state.withLock { state in
                state.action = action
                return state.fired
            }
            if fired { action() }
        }

        func reset() { state.withLock { $0 = (nil, false) } }

        func fire() {
            let action = state.withLock { state in
                state.fired = true
                return state.action
            }
            action?()
        }
    }
}
