// Support for the end-to-end tests that run the built `kvsh` executable as a child process
// against a real `nats-server` (see the CLI*Tests.swift files).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

/// What one `kvsh` run printed and how it ended.
struct CLIResult: CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let stdoutData: Data
    let stderrData: Data
    /// Wall-clock seconds from start to exit.
    let elapsed: Double

    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    var stderr: String { String(decoding: stderrData, as: UTF8.self) }
    /// stdout split into lines, without the empty string after a final newline.
    var lines: [String] {
        var lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// The value line of `kv get` output (heading, blank line, value, blank line).
    var shownValue: String? {
        let lines = lines
        return lines.count == 4 && lines[1].isEmpty && lines[3].isEmpty ? lines[2] : nil
    }

    /// stdout as JSON (object or array), or nil when it does not parse.
    var json: Any? { try? JSONSerialization.jsonObject(with: stdoutData) }

    var description: String {
        "kvsh \(arguments.joined(separator: " ")) → exit \(status) in \(String(format: "%.2f", elapsed))s\n"
            + "--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
    }
}

/// Runs the built `kvsh` against one server. The child's environment is the test runner's
/// with `TZ=UTC` (times print in UTC), `NATS_URL` pointing at the server (or removed), and
/// crash backtraces off (a crash should fail a test quickly, not spend seconds symbolicating).
struct Kvsh {
    /// The server URL, put in `NATS_URL` unless a run says otherwise.
    let url: String?

    init(url: String?) { self.url = url }
    init(_ server: NATSServerProcess) { url = server.url }

    static var path: String { KvshBinary.path() }

    /// Where children keep their default embedded store: never the real `~/.local/share`.
    static let dataHome: String = {
        (try? makeTempDir(prefix: "kvsh-cli-data-")) ?? NSTemporaryDirectory() + "/kvsh-cli-data"
    }()

    /// Environment for a child: `NATS_URL` is `natsURL` when given, else this runner's URL;
    /// `XDG_DATA_HOME` is a private temp directory.
    func environment(natsURL: String? = nil, extra: [String: String] = [:]) -> [String: String] {
        var overrides = ["TZ": "UTC", "SWIFT_BACKTRACE": "enable=no", "XDG_DATA_HOME": Self.dataHome]
        let effective = natsURL ?? url
        if let effective { overrides["NATS_URL"] = effective }
        overrides.merge(extra) { _, new in new }
        return inheritedEnvironment(overrides, removing: effective == nil ? ["NATS_URL"] : [])
    }

    /// Runs `kvsh args…` to completion (bounded by `timeout` seconds).
    @discardableResult
    func run(_ args: [String], stdin: Data? = nil, natsURL: String? = nil, useEnvironmentURL: Bool = true,
             timeout: Double = 20) throws -> CLIResult {
        var env = environment(natsURL: natsURL)
        if !useEnvironmentURL { env.removeValue(forKey: "NATS_URL") }
        let start = Date()
        let result = try runProcess(Self.path, args, env: env, stdin: stdin, timeout: timeout)
        return CLIResult(arguments: args, status: result.status, stdoutData: result.stdout,
                         stderrData: result.stderr, elapsed: Date().timeIntervalSince(start))
    }

    @discardableResult
    func callAsFunction(_ args: String..., stdin: Data? = nil) throws -> CLIResult {
        try run(args, stdin: stdin)
    }

    /// Runs a command that must succeed and returns its result; records a failure otherwise.
    @discardableResult
    func ok(_ args: String..., stdin: Data? = nil, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> CLIResult {
        let r = try run(args, stdin: stdin)
        #expect(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderr == "", "\(r)", sourceLocation: sourceLocation)
        return r
    }

    /// `kv status BUCKET --json` decoded; fails the test when that does not work.
    func status(_ bucket: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let r = try run(["kv", "status", bucket, "--json"])
        return try #require(r.json as? [String: Any], "\(r)", sourceLocation: sourceLocation)
    }

    /// The bucket names `kv ls --names` prints.
    func bucketNames(sourceLocation: SourceLocation = #_sourceLocation) throws -> Set<String> {
        let r = try run(["kv", "ls", "--names"])
        #expect(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return Set(r.lines)
    }

    /// The keys `kv keys BUCKET --json` reports.
    func keys(_ bucket: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let r = try run(["kv", "keys", bucket, "--json"])
        return try #require(r.json as? [String], "\(r)", sourceLocation: sourceLocation)
    }
}

/// Fails the test unless `r` is a clean failure: non-zero exit, nothing on stdout, and on
/// stderr exactly one `nats: error:` message that contains `message`.
func expectCleanFailure(_ r: CLIResult, contains message: String,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status != 0, "\(r)", sourceLocation: sourceLocation)
    #expect(r.stdout.isEmpty, "\(r)", sourceLocation: sourceLocation)
    #expect(r.stderr.hasPrefix("nats: error: "), "\(r)", sourceLocation: sourceLocation)
    #expect(r.stderr.components(separatedBy: "nats: error:").count == 2, "\(r)", sourceLocation: sourceLocation)
    #expect(r.stderr.contains(message), "expected \"\(message)\" in: \(r)", sourceLocation: sourceLocation)
    #expect(!r.stderr.contains("Fatal error"), "\(r)", sourceLocation: sourceLocation)
}

// MARK: - Patterns

/// `YYYY-MM-DD hh:mm:ss`, the local-time format of kvsh output.
let timePattern = #"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"#

/// The capture groups of the first match of `pattern` in `text` matched as a whole line
/// (`^…$` anchored), or nil.
func matchLine(_ pattern: String, _ text: String) -> [String]? {
    guard let regex = try? NSRegularExpression(pattern: "^" + pattern + "$") else { return nil }
    let range = NSRange(text.startIndex..., in: text)
    guard let match = regex.firstMatch(in: text, range: range) else { return nil }
    return (0..<match.numberOfRanges).map { i in
        Range(match.range(at: i), in: text).map { String(text[$0]) } ?? ""
    }
}

/// Escapes regex metacharacters in `text`.
func literal(_ text: String) -> String { NSRegularExpression.escapedPattern(for: text) }

/// Parses a `YYYY-MM-DD hh:mm:ss` time printed in UTC.
func parseUTC(_ text: String) -> Date? {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return formatter.date(from: text)
}

/// True when `text` (a printed UTC time) is within `slack` seconds of now.
func isRecentUTC(_ text: String, slack: Double = 300) -> Bool {
    guard let date = parseUTC(text) else { return false }
    return abs(date.timeIntervalSinceNow) < slack
}

// MARK: - Long-running child (kv watch)

/// A `kvsh` child that keeps running (e.g. `kv watch`): output is collected as it arrives,
/// signals can be sent, and the child is killed when the object goes away.
final class RunningKvsh: @unchecked Sendable {
    // Safety: `process` is configured in init and then only used through its own thread-safe
    // API (isRunning, processIdentifier, terminationStatus); the buffers are lock-protected.
    private let process = Process()
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    private let readers = DispatchGroup()

    init(_ args: [String], environment: [String: String], executable: String = Kvsh.path) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        read(outPipe.fileHandleForReading, isStdout: true)
        read(errPipe.fileHandleForReading, isStdout: false)
    }

    deinit { kill() }

    var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }

    /// Complete lines printed so far.
    var lines: [String] {
        let text = stdout
        guard let lastNewline = text.lastIndex(of: "\n") else { return [] }
        return text[..<lastNewline].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    var isRunning: Bool { process.isRunning }

    var pid: Int32 { process.processIdentifier }

    /// Waits (at most `timeout` seconds) until `condition` holds for the printed lines.
    @discardableResult
    func waitForLines(timeout: Double = 10, _ condition: ([String]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(lines) { return true }
            if !process.isRunning { return condition(lines) }
            usleep(20_000)
        }
        return condition(lines)
    }

    /// Waits (at most `timeout` seconds) until `condition` holds for stdout and stderr so far.
    @discardableResult
    func waitForOutput(timeout: Double = 10, _ condition: (String, String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(stdout, stderr) { return true }
            if !process.isRunning { break }
            usleep(20_000)
        }
        return condition(stdout, stderr)
    }

    func send(_ signal: Int32) {
        if process.isRunning { sendSignal(process.processIdentifier, signal) }
    }

    /// Waits (at most `timeout` seconds) for the child to exit; returns its exit status,
    /// or nil when it is still running.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline { return nil }
            usleep(10_000)
        }
        _ = readers.wait(timeout: .now() + 5)
        return process.terminationStatus
    }

    /// How the child ended: by exit (status) or by an uncaught signal.
    var endedBySignal: Bool { !process.isRunning && process.terminationReason == .uncaughtSignal }

    func kill() {
        if process.isRunning {
            sendSignal(process.processIdentifier, SIGKILL)
            _ = waitForExit(timeout: 5)
        }
    }

    private func read(_ handle: FileHandle, isStdout: Bool) {
        readers.enter()
        Thread.detachNewThread { [self] in
            defer { readers.leave() }
            let fd = handle.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { readFD(fd, $0) }
                if n > 0 {
                    lock.lock()
                    if isStdout { out.append(contentsOf: buffer[0..<n]) } else { err.append(contentsOf: buffer[0..<n]) }
                    lock.unlock()
                } else if n < 0, errno == EINTR {
                    continue
                } else {
                    break
                }
            }
        }
    }
}

private func sendSignal(_ pid: Int32, _ signal: Int32) { _ = kill(pid, signal) }

private func readFD(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
    read(fd, buffer.baseAddress, buffer.count)
}

// MARK: - A TCP port that accepts connections and never answers

/// Listens on 127.0.0.1 (any free port) and never reads or writes: the kernel completes TCP
/// handshakes into the backlog, so a client connects and then waits forever for `INFO`.
final class SilentListener {
    let port: Int
    private let fd: Int32

    init() throws {
        (fd, port) = try bindLoopbackSocket(backlog: 16)
    }

    private var accepted: Int32?

    /// True when a client has connected (or connects within `seconds`); the link is kept for
    /// `clientHangsUp`.
    func acceptsClient(within seconds: Double) -> Bool {
        if accepted != nil { return true }
        var listening = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&listening, 1, Int32(seconds * 1000)) == 1 else { return false }
        let client = accept(fd, nil, nil)
        guard client >= 0 else { return false }
        accepted = client
        return true
    }

    /// True when a client connected within `seconds` and then hung up (read sees EOF) within
    /// the same time: what a cancelled connect does with its half-open link.
    func clientHangsUp(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        guard acceptsClient(within: seconds), let client = accepted else { return false }
        defer {
            close(client)
            accepted = nil
        }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var readable = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&readable, 1, 50) > 0 else { continue }
            if chunk.withUnsafeMutableBytes({ read(client, $0.baseAddress, $0.count) }) <= 0 { return true }
        }
        return false
    }

    deinit { close(fd) }
}
