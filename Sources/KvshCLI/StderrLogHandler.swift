#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KeyValue
import Logging

/// Writes each log message as one line on stderr (`Terminal.err`): local time, level,
/// message, then metadata. Controls in the text are escaped, so a subject from the wire cannot
/// move the cursor or end the line.
struct StderrLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = "\(Self.clockTime()) \(event.level) \(event.message)"
        let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in all.keys.sorted() { line += " \(key)=\(all[key]!)" }
        Terminal.err(DisplayText.escapingControls(line) + "\n")
    }

    /// `HH:MM:SS.mmm`, local time.
    static func clockTime() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let millis = Int(now.tv_nsec) / 1_000_000
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)"
    }
}

/// The logger of a session: `--trace` logs at trace level, else `KVSH_LOG` names the level;
/// without either nothing is logged (and no log text is built).
enum KvshLogging {
    static let environmentName = "KVSH_LOG"

    /// - Throws: `ArgumentError` when `KVSH_LOG` is not a level name.
    static func logger(_ options: GlobalOptions) throws -> Logger {
        let level: Logger.Level?
        if options.trace {
            level = .trace
        } else if let name = StoreBackend.environment(environmentName) {
            guard let named = Logger.Level(rawValue: name.lowercased()) else {
                let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw ArgumentError("\(environmentName) must be one of \(names), not \"\(DisplayText.escapingControls(name))\"")
            }
            level = named
        } else {
            level = nil
        }
        guard let level else { return Logger(label: "kvsh", factory: { _ in SwiftLogNoOpLogHandler() }) }
        return Logger(label: "kvsh", factory: { _ in StderrLogHandler(logLevel: level) })
    }
}
