import ArgumentParser
import Dispatch
import KeyValue
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct KVWatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Print the latest values, then every change, until Ctrl-C")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name") var bucket: String
    @Argument(help: "Key filters such as 'orders.>' (default: every key)") var filters: [String] = []
    @Flag(name: .customLong("history"), help: "Start with every kept revision, not only the latest")
    var includeHistory = false
    @Flag(name: .customLong("updates"), help: "Only changes made from now on") var updatesOnly = false
    @Flag(inversion: .prefixedNo, help: "Show deletes and purges") var deletes = true
    @Option(help: "Start at this revision") var revision: String?

    func run() async throws {
        try KeyNames.validateBucket(bucket)
        for f in filters { try KeyNames.validateFilter(f) }
        if includeHistory && updatesOnly { throw ValidationError("--history and --updates exclude each other") }
        let options = WatchOptions(includeHistory: includeHistory, updatesOnly: updatesOnly,
                                   ignoreDeletes: !deletes, fromRevision: try revision.map(parseRevision))
        let json = global.json
        try await withSession(global) { s in
            let watch = try await s.store.bucket(bucket).watch(filters: filters, options: options)
            // A watch outlives outages; say so on stderr rather than going quiet.
            s.connection.addEventObserver { event in
                switch event {
                case .disconnected(let url): Terminal.err("nats: disconnected from \(url), reconnecting\n")
                case .reconnected(let url): Terminal.err("nats: reconnected to \(url)\n")
                default: break
                }
            }
            try await untilInterrupted {
                for try await event in watch {
                    guard case .entry(let e) = event else { continue }
                    Terminal.out(json ? jsonEntry(e) + "\n" : renderWatchLine(e) + "\n")
                }
            }
            watch.stop()
        }
    }
}

/// Runs `body` until it ends or SIGINT/SIGTERM arrives; a signal ends it cleanly.
func untilInterrupted(_ body: @escaping @Sendable () async throws -> Void) async throws {
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    let sources = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0, queue: .global()) }
    defer { sources.forEach { $0.cancel() } }
    let work = Task { try await body() }
    for source in sources {
        source.setEventHandler { work.cancel() }
        source.resume()
    }
    do {
        try await work.value
    } catch is CancellationError {
        return
    }
}
