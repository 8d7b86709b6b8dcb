// Runs real `nats-server` child processes for tests: JetStream on a free loopback port with a
// temp store directory, stopped (and swept on exit) afterwards. Depends on Foundation only.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
