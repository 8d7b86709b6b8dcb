import ArgumentParser
import ServeMetrics

/// `kvsh serve`'s own options, given after `serve` and before the script. `--log-format` is
/// here rather than global: only an unattended run has events to log (`kvsh lock` declares
/// its own, for lock events, and reads it with `LogFormat.parse`).
struct ServeOptions: DeclaredArguments {
    @Option(help: ArgumentHelp("Serve /metrics, /ready and /healthz over HTTP on host:port ([::1]:port for IPv6; "
                               + "port 0: any free one, logged)", valueName: "host:port"))
    var metrics: String?

    @Option(help: ArgumentHelp("Hook events on stderr as text, or as json (one object a line)", valueName: "format"))
    var logFormat: String?

    /// How the hooks' events are written.
    enum LogFormat: String, CaseIterable {
        case text, json

        /// `--log-format`'s value (text when not given). Throws `ArgumentError` for another word.
        static func parse(_ word: String?) throws -> LogFormat {
            guard let word else { return .text }
            guard let known = LogFormat(rawValue: word) else {
                throw ArgumentError("--log-format \(word): expected text or json")
            }
            return known
        }
    }

    /// The spellings that take a value, from the declaration: `shellInvocation` moves them
    /// (and their values) out of the words after `serve`.
    static var valued: [String] {
        CommandTable.arguments(of: ServeOptions.self).filter { $0.kind == .option }.flatMap(\.spellings)
    }

    /// The checked options: one clear error (naming the option) before the script runs.
    func resolved() throws -> (metrics: MetricsAddress?, logFormat: LogFormat) {
        let format = try LogFormat.parse(logFormat)
        guard let metrics else { return (nil, format) }
        do {
            return (try MetricsAddress(parsing: metrics), format)
        } catch {
            throw ArgumentError(String(describing: error))
        }
    }
}
