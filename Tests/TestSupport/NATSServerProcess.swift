// Test support for kvsh: runs real `nats-server` child processes and the built
// `kvsh` executable from tests. Depends on Foundation only.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Errors

/// A failure in the test infrastructure itself (server did not start, binary missing, ...).
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Thrown by `runProcess` when the child did not finish within its timeout.
/// The child has been killed (SIGKILL); whatever it wrote so far is attached.
public struct ProcessTimeoutError: Error, CustomStringConvertible {
    public let path: String
    public let arguments: [String]
    public let timeout: Double
    public let stdout: Data
    public let stderr: Data

    public var description: String {
        "process timed out after \(timeout)s and was killed: \(path) \(arguments.joined(separator: " "))\n"
            + "--- stdout ---\n\(String(decoding: stdout, as: UTF8.self))\n"
            + "--- stderr ---\n\(String(decoding: stderr, as: UTF8.self))"
    }
}

// MARK: - Small internal helpers

/// A value protected by a lock. All access goes through `withLock`, which is
/// what makes the unchecked `Sendable` conformance sound.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Writing to a pipe whose reader has gone away must produce EPIPE, not kill the test runner.
private let ignoreSIGPIPEOnce: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
}()

private func errnoDescription() -> String {
    String(cString: strerror(errno))
}

private func isExecutableRegularFile(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
        return false
    }
    return FileManager.default.isExecutableFile(atPath: path)
}

/// Looks `name` up in `$PATH` (or returns it when it already contains a slash and is executable).
func findExecutable(named name: String) -> String? {
    if name.contains("/") {
        return isExecutableRegularFile(name) ? name : nil
    }
    let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
        let candidate = String(directory) + "/" + name
        if isExecutableRegularFile(candidate) {
            return candidate
        }
    }
    return nil
}

/// Seconds since an arbitrary fixed point, monotonic.
private func monotonicNow() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1_000_000_000
}

private func sleepSeconds(_ seconds: Double) {
    usleep(useconds_t(seconds * 1_000_000))
}

// MARK: - Temp dirs and environment

/// Creates a fresh, uniquely named directory under the system temp directory and returns its path.
public func makeTempDir(prefix: String) throws -> String {
    let template = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
        .appendingPathComponent(prefix + "XXXXXX").path
    var buffer = Array(template.utf8CString)
    let created: String? = buffer.withUnsafeMutableBufferPointer { pointer in
        guard let base = pointer.baseAddress, let result = mkdtemp(base) else { return nil }
        return String(cString: result)
    }
    guard let created else {
        throw TestSupportError("mkdtemp(\(template)) failed: \(errnoDescription())")
    }
    return created
}

/// The current process environment with `overrides` applied and `removing` keys deleted.
/// Handy for `runProcess(env:)`, which otherwise replaces the whole environment.
public func inheritedEnvironment(_ overrides: [String: String] = [:], removing: [String] = []) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    for key in removing {
        environment.removeValue(forKey: key)
    }
    environment.merge(overrides) { _, new in new }
    return environment
}

// MARK: - Raw TCP helpers

/// Opens a blocking TCP connection to 127.0.0.1:`port`. Returns the socket fd, or nil.
private func connectLoopback(port: Int) -> Int32? {
    guard port > 0, port <= Int(UInt16.max) else { return nil }
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { return nil }
    var address = sockaddr_in()
    #if canImport(Darwin)
    address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
    #endif
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
    let result = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            connect(fd, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard result == 0 else {
        close(fd)
        return nil
    }
    return fd
}

/// True when a TCP connection to 127.0.0.1:`port` can be established right now.
public func canConnect(port: Int) -> Bool {
    guard let fd = connectLoopback(port: port) else { return false }
    close(fd)
    return true
}

/// Connects to 127.0.0.1:`port` and returns the first line the peer sends, without the
/// trailing CR/LF. For a NATS server that is the `INFO {...}` line.
public func readFirstLine(port: Int, timeout: Double = 5) throws -> String {
    guard let fd = connectLoopback(port: port) else {
        throw TestSupportError("cannot connect to 127.0.0.1:\(port): \(errnoDescription())")
    }
    defer { close(fd) }
    let deadline = monotonicNow() + timeout
    var line: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let remainingMillis = Int32(max(0, (deadline - monotonicNow()) * 1000))
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, remainingMillis)
        if ready < 0 {
            if errno == EINTR { continue }
            throw TestSupportError("poll failed: \(errnoDescription())")
        }
        if ready == 0 {
            throw TestSupportError("timed out after \(timeout)s waiting for a line from port \(port)")
        }
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw TestSupportError("read failed: \(errnoDescription())")
        }
        if count == 0 {
            throw TestSupportError("connection to port \(port) closed before a full line arrived")
        }
        line.append(contentsOf: chunk[0..<count])
        if let newline = line.firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > 0, line[end - 1] == UInt8(ascii: "\r") {
                end -= 1
            }
            return String(decoding: line[0..<end], as: UTF8.self)
        }
    }
}

// MARK: - NATS server child process

/// Servers started here and not yet stopped, and temp dirs not yet removed. At process exit
/// they are killed / removed, a safety net for a `NATSServerProcess` that was never
/// deallocated (e.g. held in a static).
private let liveServerPIDs = LockedBox<Set<Int32>>([])
private let liveBaseDirs = LockedBox<Set<String>>([])

private let registerExitCleanupOnce: Void = {
    sweepOrphanedServers()
    _ = atexit {
        for pid in liveServerPIDs.withLock({ $0 }) {
            kill(pid, SIGKILL)
        }
        for directory in liveBaseDirs.withLock({ $0 }) {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}()

/// A test run killed hard (a crash, a timeout, SIGKILL) cannot run its exit cleanup, so each
/// server dir records `<test pid> <server pid>` in `owner`; the next run kills the servers of
/// owners that are gone and removes their dirs.
private func sweepOrphanedServers() {
    let tmp = NSTemporaryDirectory()
    let fileManager = FileManager.default
    for name in (try? fileManager.contentsOfDirectory(atPath: tmp)) ?? [] where name.hasPrefix("kvsh-nats-") {
        let dir = (tmp as NSString).appendingPathComponent(name)
        guard let text = try? String(contentsOfFile: dir + "/owner", encoding: .utf8) else { continue }
        let parts = text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard parts.count == 2 else { continue }
        if kill(parts[0], 0) == 0 || errno == EPERM { continue }
        kill(parts[1], SIGKILL)
        try? fileManager.removeItem(atPath: dir)
    }
}

/// A real `nats-server` child process bound to 127.0.0.1 on a random port, with its own
/// temporary directory (store dir, ports file dir, log, optional config file).
///
/// The binary is `$KVSH_NATS_SERVER` when set, otherwise `nats-server` from `$PATH`.
/// The server is stopped and its temp directory removed by `stop()` or, at the latest,
/// when the object is deallocated.
public final class NATSServerProcess: Sendable {
    /// Path of the nats-server binary in use.
    public let executablePath: String
    /// Whether the server runs with `-js`.
    public let jetstream: Bool
    /// Extra command-line arguments appended on every (re)start.
    public let extraArgs: [String]
    /// Temp directory that holds everything below; removed by `stop()`.
    public let baseDir: String
    /// JetStream store directory (`-sd`); kept across `restart()`.
    public let storeDir: String
    /// Server stdout+stderr of every start (appended), for debugging.
    public let logPath: String
    /// Path of the written config file, when `config` text was given.
    public let configPath: String?
    /// TCP port the server listens on; the same after `restart()`.
    public let port: Int

    /// `nats://127.0.0.1:PORT`
    public var url: String { "nats://127.0.0.1:\(port)" }

    private let portsDir: String
    private let state: LockedBox<State>

    private struct State {
        var process: Process?
        var tornDown = false
    }

    /// Starts the server and waits (up to `startTimeout` seconds) until it accepts TCP connections.
    /// - Parameters:
    ///   - jetstream: pass `-js` and `-sd <storeDir>`; `false` to test the no-JetStream path.
    ///   - extraArgs: e.g. `["--user", "a", "--pass", "b"]`, `["--auth", "tok"]`, TLS flags.
    ///   - config: config file text, written to `<baseDir>/server.conf` and passed with `-c`.
    public init(
        jetstream: Bool = true,
        extraArgs: [String] = [],
        config: String? = nil,
        startTimeout: Double = 10
    ) throws {
        let executable = try Self.locateServerBinary()
        _ = registerExitCleanupOnce
        let base = try makeTempDir(prefix: "kvsh-nats-")
        liveBaseDirs.withLock { _ = $0.insert(base) }
        let store = base + "/store"
        let ports = base + "/ports"
        let log = base + "/server.log"
        var writtenConfig: String?
        let launched: (process: Process, port: Int)
        do {
            let fileManager = FileManager.default
            try fileManager.createDirectory(atPath: store, withIntermediateDirectories: true)
            try fileManager.createDirectory(atPath: ports, withIntermediateDirectories: true)
            guard fileManager.createFile(atPath: log, contents: nil) else {
                throw TestSupportError("cannot create log file \(log)")
            }
            if let config {
                let path = base + "/server.conf"
                try Data(config.utf8).write(to: URL(fileURLWithPath: path))
                writtenConfig = path
            }
            launched = try Self.launch(
                executable: executable,
                arguments: Self.serverArguments(
                    port: -1, jetstream: jetstream, storeDir: store, portsDir: ports,
                    configPath: writtenConfig, extraArgs: extraArgs),
                portsDir: ports,
                logPath: log,
                timeout: startTimeout
            ).result()
        } catch {
            try? FileManager.default.removeItem(atPath: base)
            liveBaseDirs.withLock { _ = $0.remove(base) }
            throw error
        }
        executablePath = executable
        self.jetstream = jetstream
        self.extraArgs = extraArgs
        baseDir = base
        storeDir = store
        portsDir = ports
        logPath = log
        configPath = writtenConfig
        port = launched.port
        state = LockedBox(State(process: launched.process))
    }

    deinit {
        stop()
    }

    /// Process id of the running server, if any.
    public var pid: Int32? {
        state.withLock { state in
            guard let process = state.process, process.isRunning else { return nil }
            return process.processIdentifier
        }
    }

    /// Whether the server process is currently alive.
    public var isRunning: Bool {
        state.withLock { $0.process?.isRunning ?? false }
    }

    /// The server log so far (stdout+stderr of all starts).
    public func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Stops the server (SIGTERM, bounded wait, then SIGKILL) and removes the temp directory.
    /// Idempotent; the object cannot be restarted afterwards.
    public func stop() {
        state.withLock { state in
            if let process = state.process {
                Self.terminate(process, graceful: true)
                state.process = nil
            }
            if !state.tornDown {
                state.tornDown = true
                try? FileManager.default.removeItem(atPath: baseDir)
                liveBaseDirs.withLock { _ = $0.remove(baseDir) }
            }
        }
    }

    /// Graceful shutdown (SIGTERM, bounded wait, then SIGKILL) that keeps the store and
    /// temp directory, so `restart()` can bring the same server back.
    public func terminate() {
        state.withLock { state in
            if let process = state.process {
                Self.terminate(process, graceful: true)
                state.process = nil
            }
        }
    }

    /// Kills the server with SIGKILL (simulated crash) and waits for it to die.
    /// Store and temp directory are kept, so `restart()` works afterwards.
    public func kill9() {
        state.withLock { state in
            if let process = state.process {
                Self.terminate(process, graceful: false)
                state.process = nil
            }
        }
    }

    /// Starts the server again on the same port with the same store directory and waits until
    /// it accepts connections. A still-running server is terminated gracefully first.
    /// Retries (bounded by `timeout`) while the port is not yet free.
    public func restart(timeout: Double = 10) throws {
        try state.withLock { state in
            guard !state.tornDown else {
                throw TestSupportError("restart() after stop(): the server's temp directory is gone")
            }
            if let process = state.process {
                Self.terminate(process, graceful: true)
                state.process = nil
            }
            let arguments = Self.serverArguments(
                port: port, jetstream: jetstream, storeDir: storeDir, portsDir: portsDir,
                configPath: configPath, extraArgs: extraArgs)
            let deadline = monotonicNow() + timeout
            while true {
                let remaining = max(0.5, deadline - monotonicNow())
                switch try Self.launch(
                    executable: executablePath, arguments: arguments, portsDir: portsDir,
                    logPath: logPath, timeout: remaining)
                {
                case .ready(let process, let actualPort):
                    guard actualPort == port else {
                        Self.terminate(process, graceful: false)
                        throw TestSupportError("restarted server reports port \(actualPort), expected \(port)")
                    }
                    state.process = process
                    return
                case .exitedEarly(let failure):
                    // Most likely the port is not free yet; try again until the deadline.
                    if monotonicNow() >= deadline {
                        throw failure
                    }
                    sleepSeconds(0.1)
                }
            }
        }
    }

    // MARK: Internals

    private enum LaunchOutcome {
        case ready(Process, Int)
        case exitedEarly(TestSupportError)

        func result() throws -> (process: Process, port: Int) {
            switch self {
            case .ready(let process, let port): return (process, port)
            case .exitedEarly(let error): throw error
            }
        }
    }

    private static func locateServerBinary() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["KVSH_NATS_SERVER"], !explicit.isEmpty {
            guard let found = findExecutable(named: explicit) else {
                throw TestSupportError("KVSH_NATS_SERVER=\(explicit) is not an executable file")
            }
            return found
        }
        guard let found = findExecutable(named: "nats-server") else {
            throw TestSupportError(
                "nats-server not found on PATH; run scripts/test (installs it) or set KVSH_NATS_SERVER")
        }
        return found
    }

    private static func serverArguments(
        port: Int, jetstream: Bool, storeDir: String, portsDir: String,
        configPath: String?, extraArgs: [String]
    ) -> [String] {
        var arguments: [String] = []
        if let configPath {
            arguments += ["-c", configPath]
        }
        arguments += ["-a", "127.0.0.1", "-p", String(port), "--ports_file_dir", portsDir]
        if jetstream {
            arguments += ["-js", "-sd", storeDir]
        }
        return arguments + extraArgs
    }

    /// Spawns the server and waits until the ports file names its port and that port accepts
    /// a TCP connection. Returns `.exitedEarly` when the process dies during startup.
    private static func launch(
        executable: String, arguments: [String], portsDir: String, logPath: String, timeout: Double
    ) throws -> LaunchOutcome {
        // Stale ports files (e.g. after SIGKILL) must not be mistaken for the new server's.
        let fileManager = FileManager.default
        for name in (try? fileManager.contentsOfDirectory(atPath: portsDir)) ?? [] {
            try? fileManager.removeItem(atPath: portsDir + "/" + name)
        }

        guard let logHandle = FileHandle(forWritingAtPath: logPath) else {
            throw TestSupportError("cannot open log file \(logPath)")
        }
        defer { try? logHandle.close() }
        _ = try? logHandle.seekToEnd()
        let banner = "---- kvsh TestSupport: \(Date()) starting: \(executable) \(arguments.joined(separator: " "))\n"
        try? logHandle.write(contentsOf: Data(banner.utf8))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = logHandle
        process.standardError = logHandle
        do {
            try process.run()
        } catch {
            throw TestSupportError("cannot start \(executable): \(error)")
        }

        let deadline = monotonicNow() + timeout
        var port: Int?
        while true {
            if !process.isRunning {
                let status = process.terminationStatus
                return .exitedEarly(TestSupportError(
                    "nats-server exited during startup (status \(status))\n\(logTail(logPath))"))
            }
            if port == nil {
                port = readPortsFile(in: portsDir, pid: process.processIdentifier)
            }
            if let port, canConnect(port: port) {
                let pid = process.processIdentifier
                liveServerPIDs.withLock { _ = $0.insert(pid) }
                let owner = "\(getpid()) \(pid)\n"
                try? Data(owner.utf8).write(to: URL(fileURLWithPath: (portsDir as NSString).deletingLastPathComponent + "/owner"))
                return .ready(process, port)
            }
            if monotonicNow() >= deadline {
                terminate(process, graceful: false)
                throw TestSupportError(
                    "nats-server not ready after \(timeout)s (port: \(port.map(String.init) ?? "unknown"))\n"
                        + logTail(logPath))
            }
            sleepSeconds(0.02)
        }
    }

    /// Parses `<exe>_<pid>.ports` (`{"nats":["nats://127.0.0.1:PORT"],...}`) in `directory`.
    /// Prefers the file of `pid`; the directory belongs to this server alone, so any other
    /// `.ports` file there is a fallback (e.g. when a wrapper script changed the pid).
    private static func readPortsFile(in directory: String, pid: Int32) -> Int? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        let portsFiles = names.filter { $0.hasSuffix(".ports") }
        let preferred = portsFiles.filter { $0.hasSuffix("_\(pid).ports") }
        for name in preferred + portsFiles {
            guard
                let data = FileManager.default.contents(atPath: directory + "/" + name),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let urls = object["nats"] as? [String]
            else { continue }
            for url in urls {
                if let components = URLComponents(string: url), let port = components.port, port > 0 {
                    return port
                }
            }
        }
        return nil
    }

    private static func waitForExit(_ process: Process, timeout: Double) -> Bool {
        let deadline = monotonicNow() + timeout
        while process.isRunning {
            if monotonicNow() >= deadline { return false }
            sleepSeconds(0.01)
        }
        return true
    }

    private static func terminate(_ process: Process, graceful: Bool) {
        let pid = process.processIdentifier
        defer { liveServerPIDs.withLock { _ = $0.remove(pid) } }
        guard process.isRunning else { return }
        if graceful {
            kill(pid, SIGTERM)
            if waitForExit(process, timeout: 5) { return }
        }
        kill(pid, SIGKILL)
        _ = waitForExit(process, timeout: 10)
    }

    private static func logTail(_ path: String, maxBytes: Int = 4000) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "(no log at \(path))" }
        return "--- tail of \(path) ---\n" + String(decoding: data.suffix(maxBytes), as: UTF8.self)
    }
}

// MARK: - kvsh binary

/// Locates the `kvsh` executable built by SwiftPM next to the test runner.
public enum KvshBinary {
    public static let executableName = "kvsh"

    /// Absolute path of the built `kvsh`. `$KVSH_BINARY` overrides the search. Looks in the
    /// directories of the running test binary / test bundle and up to 3 parents of each.
    /// When nothing is found, returns the most likely path (running it then fails with a
    /// clear "not executable" error).
    public static func path() -> String {
        if let explicit = ProcessInfo.processInfo.environment["KVSH_BINARY"], !explicit.isEmpty {
            return explicit
        }
        let starts = startDirectories()
        for start in starts {
            var directory = start
            for _ in 0...3 {
                let candidate = directory.appendingPathComponent(executableName).path
                if isExecutableRegularFile(candidate) {
                    return candidate
                }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        let fallback = starts.first ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return fallback.appendingPathComponent(executableName).path
    }

    private static func startDirectories() -> [URL] {
        var urls: [URL] = []
        if let argument0 = CommandLine.arguments.first, !argument0.isEmpty {
            let url = URL(fileURLWithPath: argument0)
            urls.append(url.deletingLastPathComponent())
            urls.append(url.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        if let executable = Bundle.main.executableURL {
            urls.append(executable.deletingLastPathComponent())
        }
        // macOS: the test bundle (…/debug/kvshPackageTests.xctest) sits next to `kvsh`.
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            urls.append(bundle.bundleURL.deletingLastPathComponent())
        }
        urls.append(Bundle.main.bundleURL)
        var seen = Set<String>()
        return urls.map { $0.standardizedFileURL }.filter { seen.insert($0.path).inserted }
    }
}

// MARK: - Running child processes

/// Runs `path` with `args`, feeds `stdin` (or /dev/null when nil), collects stdout and stderr
/// concurrently, and returns the exit status (the signal number if killed by a signal).
/// - Parameter env: when non-nil, the child's complete environment (not merged; see
///   `inheritedEnvironment(_:removing:)`); when nil the environment is inherited.
/// - Throws: `ProcessTimeoutError` when it runs longer than `timeout` seconds; the child and
///   its process group are then killed with SIGKILL.
public func runProcess(
    _ path: String,
    _ args: [String],
    env: [String: String]? = nil,
    stdin: Data? = nil,
    timeout: Double = 30
) throws -> (status: Int32, stdout: Data, stderr: Data) {
    _ = ignoreSIGPIPEOnce
    guard isExecutableRegularFile(path) else {
        throw TestSupportError("not an executable file: \(path)")
    }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = args
    if let env {
        process.environment = env
    }
    let stdoutPipe = Pipe()
    let stderrPipe = Pipe()
    let stdinPipe: Pipe? = stdin == nil ? nil : Pipe()
    process.standardOutput = stdoutPipe
    process.standardError = stderrPipe
    process.standardInput = stdinPipe ?? FileHandle.nullDevice

    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    do {
        try process.run()
    } catch {
        throw TestSupportError("cannot start \(path): \(error)")
    }

    let readers = DispatchGroup()
    let stdoutData = LockedBox(Data())
    let stderrData = LockedBox(Data())
    startReader(stdoutPipe.fileHandleForReading, into: stdoutData, group: readers)
    startReader(stderrPipe.fileHandleForReading, into: stderrData, group: readers)
    if let stdinPipe, let stdin {
        let handle = stdinPipe.fileHandleForWriting
        Thread.detachNewThread {
            writeAll(stdin, to: handle.fileDescriptor)
            try? handle.close()
        }
    }

    var timedOut = false
    if exited.wait(timeout: .now() + timeout) == .timedOut {
        timedOut = true
        // Foundation starts the child as leader of its own process group; killing the group
        // also takes down grandchildren that would otherwise keep the output pipes open.
        let pid = process.processIdentifier
        if getpgid(pid) == pid {
            kill(-pid, SIGKILL)
        }
        kill(pid, SIGKILL)
        _ = exited.wait(timeout: .now() + 10)
    }
    // EOF arrives once the child (and anything it spawned) has closed its ends.
    _ = readers.wait(timeout: .now() + 10)
    let out = stdoutData.withLock { $0 }
    let err = stderrData.withLock { $0 }
    if timedOut {
        throw ProcessTimeoutError(path: path, arguments: args, timeout: timeout, stdout: out, stderr: err)
    }
    return (process.terminationStatus, out, err)
}

private func startReader(_ handle: FileHandle, into box: LockedBox<Data>, group: DispatchGroup) {
    group.enter()
    Thread.detachNewThread {
        defer { group.leave() }
        let fd = handle.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                box.withLock { $0.append(contentsOf: buffer[0..<count]) }
            } else if count < 0, errno == EINTR {
                continue
            } else {
                break
            }
        }
    }
}

private func writeAll(_ data: Data, to fd: Int32) {
    data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
        guard let base = raw.baseAddress else { return }
        var offset = 0
        while offset < raw.count {
            let written = write(fd, base + offset, raw.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0, errno == EINTR {
                continue
            } else {
                return  // EPIPE: the child stopped reading.
            }
        }
    }
}
