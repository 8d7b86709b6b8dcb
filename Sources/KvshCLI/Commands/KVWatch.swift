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
        commandName: "watch", abstract: "Print the latest values, then every change, until Ctrl-C")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name", completion: .bucket) var bucket: String
    @Argument(help: "Key filters such as 'orders.>' (default: every key)", completion: .keyFilter)
    var filters: [String] = []
    @Flag(name: .customLong("history"), help: "Start with every kept revision, not only the latest")
    var includeHistory = false
    @Flag(name: .customLong("updates"), help: "Only changes made from now on") var updatesOnly = false
    @Flag(inversion: .prefixedNo, help: "Show deletes and purges") var deletes = true
    @Option(help: "Start at this revision") var revision: String?

    func run() async throws { try await runOneShot(streamsOutput: true) }

    /// Prints until interrupted — SIGINT/SIGTERM for a one-shot command, cancellation of the
    /// running task (Ctrl-C at the prompt) in the shell — and then returns null normally.
    func execute(_ ctx: CommandExecution) async throws -> Value {
        try KeyNames.validateBucket(bucket)
        for f in filters { try KeyNames.validateFilter(f) }
        if includeHistory && updatesOnly { throw ValidationError("--history and --updates exclude each other") }
        if ctx.captured {
            throw ArgumentError("kv watch prints until Ctrl-C and has no result to bind: run it without 'let'")
        }
        let options = WatchOptions(includeHistory: includeHistory, updatesOnly: updatesOnly,
                                   ignoreDeletes: !deletes, fromRevision: try revision.map(parseRevision))
        let json = ctx.json
        let output = ctx.output
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
        let printEvents: @Sendable () async throws -> Void = {
            for try await event in watch {
                guard case .entry(let e) = event else { continue }
                output.write(json ? jsonEntry(e) + "\n" : renderWatchLine(e) + "\n")
                if let failure = output.writeFailure { throw failure }
            }
        }
        switch ctx.mode {
        case .oneShot:
            try await untilInterrupted(printEvents)
        case .shell:
            // Cancelling the task ends the watch's sequence (or throws CancellationError):
            // either way the watch is over and the command succeeded.
            do {
                try await printEvents()
            } catch is CancellationError {
                return .null
            }
        }
        return .null
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
