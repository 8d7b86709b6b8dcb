#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hooks
import KeyValue
import ServeMetrics
import Shell
import Synchronization

/// What `kvsh serve` tells the outside about its hooks: the metrics `--metrics` serves and,
/// with `--log-format json`, one JSON line on stderr per event of a hook. Fed by the hooks'
/// `HookReporter`; a hook's series are looked up once, when it registers, so a run only
/// bumps atomics.
final class ServeObservability: Sendable {
    let registry = MetricsRegistry()
    private let handled: Family<Counter>
    private let failed: Family<Counter>
    private let retried: Family<Counter>
    private let durations: Family<Histogram>
    private let pending: Family<Gauge>
    private let live: Family<Gauge>
    private let watchReopens: Family<Counter>
    private let partitions: Family<Gauge>
    private let members: Family<Gauge>
    /// The store connection's reconnects (no labels).
    let connectionReconnects: Counter
    let json: Bool
    private let hooks = Mutex<[Int: Series]>([:])

    /// One hook's series.
    private struct Series: Sendable {
        var labels: [String]
        var handled: Counter
        var failed: Counter
        var retried: Counter
        var duration: Histogram
        var pending: Gauge
        var live: Gauge
        var reopens: Counter
        /// A group member's only.
        var partitions: Gauge?
        var members: Gauge?
    }

    static let labelNames = ["hook", "bucket", "durable"]
    static let durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    init(logFormat: ServeOptions.LogFormat) {
        json = logFormat == .json
        let labels = Self.labelNames
        handled = registry.counter("kvsh_hook_events_handled_total", help: "Events whose run succeeded.", labels: labels)
        failed = registry.counter("kvsh_hook_events_failed_total",
                                  help: "Events whose runs failed for good (after every retry).", labels: labels)
        retried = registry.counter("kvsh_hook_runs_retried_total", help: "Failed runs tried again.", labels: labels)
        durations = registry.histogram("kvsh_hook_run_duration_seconds", help: "Wall time of each run, retries included.",
                                       labels: labels, buckets: Self.durationBuckets)
        pending = registry.gauge("kvsh_hook_pending_events",
                                 help: "Events received or announced by the store but not yet handled.", labels: labels)
        live = registry.gauge("kvsh_hook_watch_live", help: "1 while the hook's watch is open, else 0.", labels: labels)
        watchReopens = registry.counter("kvsh_hook_watch_reopens_total",
                                        help: "Times the hook's watch ended by itself and was opened again.", labels: labels)
        partitions = registry.gauge("kvsh_hook_group_partitions_owned",
                                    help: "Partitions of its --group this member owns now (of 12).", labels: labels)
        members = registry.gauge("kvsh_hook_group_members", help: "Live members of the hook's --group this member sees.",
                                 labels: labels)
        connectionReconnects = registry.counter("kvsh_connection_reconnects_total",
                                                help: "Times the NATS connection was restored after a loss.", labels: [])
            .series([])
    }

    /// Sets the pending gauges from `hooks list` at each scrape.
    func collectPending(from registry: HookRegistry) {
        self.registry.addCollector { [weak self] in
            guard let self else { return }
            let series = self.hooks.withLock { $0 }
            for info in registry.list() {
                series[info.id]?.pending.set(Int64(clamping: info.pending))
                series[info.id]?.partitions?.set(Int64(info.partitions.count))
                series[info.id]?.members?.set(Int64(info.members.count))
            }
        }
    }

    /// nil when every hook's watch is live, else why not (`/ready`).
    func readiness() -> String? {
        let all = hooks.withLock { $0 }
        if all.isEmpty { return "no hook is registered yet" }
        let down = all.filter { $0.value.live.current == 0 }.keys.sorted()
        if down.isEmpty { return nil }
        return "the watch of hook " + down.map(String.init).joined(separator: ", ") + " is not live"
    }

    /// The `HookReporter`.
    func report(_ report: HookReport) {
        switch report {
        case .registered(let hook):
            let labels = [String(hook.id), hook.bucket, hook.durable ?? ""]
            let series = Series(labels: labels, handled: handled.series(labels), failed: failed.series(labels),
                                retried: retried.series(labels), duration: durations.series(labels),
                                pending: pending.series(labels), live: live.series(labels),
                                reopens: watchReopens.series(labels),
                                partitions: hook.group.map { _ in partitions.series(labels) },
                                members: hook.group.map { _ in members.series(labels) })
            series.live.set(1)
            hooks.withLock { $0[hook.id] = series }
            writeLog("info", "hook.registered", hook)
        case .stopped(let hook):
            if let series = hooks.withLock({ $0.removeValue(forKey: hook.id) }) {
                for family in [handled, failed, retried, watchReopens] { family.remove(series.labels) }
                for family in [pending, live, partitions, members] { family.remove(series.labels) }
                durations.remove(series.labels)
            }
            writeLog("info", "hook.stopped", hook)
        case .runFinished(let hook, let run):
            if let series = hooks.withLock({ $0[hook.id] }) {
                series.duration.observe(run.seconds)
                if run.succeeded {
                    series.handled.increment()
                } else if run.willRetry {
                    series.retried.increment()
                } else {
                    series.failed.increment()
                }
            }
            if json {
                var fields: [JSONValue.Member] = [
                    .init("revision", .int(Int64(clamping: run.revision))), .init("key", .string(run.key)),
                    .init("op", .string(run.operation.rawValue)), .init("duration_s", .double(run.seconds)),
                    .init("outcome", .string(run.outcome)), .init("attempt", .int(Int64(run.attempt))),
                    .init("will_retry", .bool(run.willRetry)),
                ]
                if let status = run.exitStatus { fields.append(.init("exit_status", .int(Int64(status)))) }
                writeLog(run.succeeded ? "info" : (run.willRetry ? "warning" : "error"),
                    run.succeeded ? "hook.run.ok" : "hook.run.failed", hook, fields)
            }
        case .watchLost(let hook, let reason):
            hooks.withLock { $0[hook.id] }?.live.set(0)
            writeLog("warning", "hook.watch.lost", hook, [.init("reason", .string(reason))])
        case .watchRestored(let hook):
            if let series = hooks.withLock({ $0[hook.id] }) {
                series.live.set(1)
                series.reopens.increment()
            }
            writeLog("info", "hook.watch.restored", hook)
        }
    }

    /// A connection event as a log line (and the reconnect counter).
    func connectionRestored() {
        connectionReconnects.increment()
        if json { Terminal.err(line("info", "connection.restored", [])) }
    }

    /// Without the reason: it may name a server URL, and URLs may hold credentials.
    func connectionLost() {
        if json { Terminal.err(line("warning", "connection.lost", [])) }
    }

    /// Writes a line when the format is json; text mode keeps the hooks' own report lines.
    func writeLog(_ level: String, _ event: String, _ hook: HookIdentity, _ fields: [JSONValue.Member] = []) {
        guard json else { return }
        var all: [JSONValue.Member] = [.init("hook", .int(Int64(hook.id))), .init("bucket", .string(hook.bucket))]
        if let durable = hook.durable { all.append(.init("durable", .string(durable))) }
        if let group = hook.group { all.append(.init("group", .string(group))) }
        Terminal.err(line(level, event, all + fields))
    }

    /// A line of the JSON log, stamped now.
    func line(_ level: String, _ event: String, _ fields: [JSONValue.Member]) -> String {
        JSONLogLine(timestamp: Timestamp.rfc3339(Date()), level: level, event: event, fields: fields).text
    }
}

/// `kvsh serve`'s own options at work, before the script runs: nothing without `--metrics` or
/// `--log-format json`; else the observability and, with `--metrics`, its HTTP server, whose
/// address (the port chosen for 0 included) goes to stderr. Throws one message for a bad
/// option or an address that cannot be bound.
func startObservability(_ words: [String]) async throws -> (ServeObservability?, MetricsServer?) {
    let options: (metrics: MetricsAddress?, logFormat: ServeOptions.LogFormat)
    do {
        options = try ServeOptions.parse(words).resolved()
    } catch let error as ArgumentError {
        throw error
    } catch {
        throw ArgumentError(ServeOptions.message(for: error))
    }
    guard options.metrics != nil || options.logFormat == .json else { return (nil, nil) }
    let observability = ServeObservability(logFormat: options.logFormat)
    guard let address = options.metrics else { return (observability, nil) }
    let server: MetricsServer
    do {
        server = try await MetricsServer.start(at: address, registry: observability.registry,
                                               readiness: { observability.readiness() })
    } catch {
        throw ArgumentError("--metrics \(address): cannot listen: \(ErrorMessage.line(for: error))")
    }
    let url = "http://\(server.boundAddress)/metrics"
    if options.logFormat == .json {
        Terminal.err(observability.line("info", "metrics.listening", [.init("url", .string(url))]))
    } else {
        Terminal.err("kvsh: serve: metrics at \(url)\n")
    }
    return (observability, server)
}

/// Where hooks print under `--log-format json`: their stderr (the hooks' text reports, their
/// runs' stderr lines) as `stderr` events, one a line, so that stderr stays all JSON; stdout
/// is unchanged.
struct JSONErrorOutput: ShellOutput {
    let observability: ServeObservability

    func write(_ text: String) { Terminal.out(text) }
    func writeBytes(_ bytes: [UInt8]) { Terminal.outBytes(bytes) }
    var writeFailure: OutputFailed? { Terminal.outputFailure }

    func writeError(_ text: String) {
        for line in text.split(separator: "\n") {
            Terminal.err(observability.line("warning", "stderr", [.init("text", .string(String(line)))]))
        }
    }
}
