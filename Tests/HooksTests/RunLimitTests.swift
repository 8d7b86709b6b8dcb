#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@testable import Hooks
import Synchronization
import Testing
import TestSupport

/// `--timeout` and stopping are hard limits: commands that daemonize a child holding their
/// output open, close their output and run on, or start slowly still end within a bounded
/// time, and no signal goes to a process group whose id may have been reused.
@Suite("Hook runs stay within their limits", .offCooperativePool)
struct RunLimitTests {
    /// A temp directory whose daemonized children (pids in `daemons`) are killed afterwards.
    func withDirectory(_ body: (String) async throws -> Void) async throws {
        let dir = try tempDir()
        defer {
            for pid in fileLines(dir + "/daemons").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
            try? FileManager.default.removeItem(atPath: dir)
        }
        try await body(dir)
    }

    /// Runs `text` and returns how it ended and the seconds it took.
    func run(_ text: String, timeout: Duration?, output: RecordingOutput = RecordingOutput(),
             signals: @escaping ChildProcess.GroupSignaller = ChildProcess.signalGroup) async -> (RunOutcome, Double) {
        let start = ContinuousClock.now
        let outcome = await ChildProcess.run(text, environment: [:], stdin: [], timeout: timeout,
                                             lines: HookLines(hook: 1, output: output), signals: signals)
        let elapsed = start.duration(to: .now)
        return (outcome, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    @Test("a run whose daemonized child keeps stdout and stderr open ends when the command does")
    func daemonHoldingOutput() async throws {
        try await withDirectory { dir in
            let out = RecordingOutput()
            let (outcome, seconds) = await run("setsid sleep 60 & echo $! >> \(sq(dir + "/daemons")); echo started",
                                               timeout: nil, output: out)
            #expect(outcome == .exited(0))
            #expect(seconds < 20, "the run waited for the daemon's end of file")
            #expect(out.out == "[hook 1] started\n")
        }
    }

    @Test("--timeout is a hard limit while a daemonized child holds the output open")
    func timeoutWithDaemon() async throws {
        try await withDirectory { dir in
            let (outcome, seconds) = await run("setsid sleep 60 & echo $! >> \(sq(dir + "/daemons")); sleep 60",
                                               timeout: .milliseconds(300))
            #expect(outcome == .timedOut)
            #expect(seconds < 20)
        }
    }

    @Test("--timeout still holds after the command closed its stdout and stderr")
    func timeoutAfterOutputClosed() async throws {
        try await withDirectory { dir in
            let marker = dir + "/survived"
            let (outcome, seconds) = await run("exec >/dev/null 2>&1; sleep 5; touch \(sq(marker))",
                                               timeout: .milliseconds(300))
            #expect(outcome == .timedOut)
            #expect(seconds < 4.5, "the run went on to its end")
            #expect(!FileManager.default.fileExists(atPath: marker))
        }
    }

    @Test("a timeout that ends before the process has started still stops it")
    func timeoutBeforeSpawn() async throws {
        try await withDirectory { dir in
            let marker = dir + "/survived"
            let (outcome, _) = await run("sleep 3; touch \(sq(marker))", timeout: .nanoseconds(1))
            #expect(outcome == .timedOut)
            #expect(!FileManager.default.fileExists(atPath: marker), "the command ran to its end")
        }
    }

    @Test("a stop that comes before the process has started still stops it")
    func stopBeforeSpawn() async throws {
        try await withDirectory { dir in
            let marker = dir + "/survived"
            let task = Task { await run("sleep 3; touch \(sq(marker))", timeout: nil).0 }
            task.cancel()
            #expect(await task.value == .stopped)
            #expect(!FileManager.default.fileExists(atPath: marker), "the command ran to its end")
        }
    }

    @Test("a command that ignores SIGTERM gets SIGKILL after the grace")
    func ignoresTerm() async throws {
        let (outcome, seconds) = await run("trap '' TERM; sleep 60", timeout: .milliseconds(200))
        #expect(outcome == .timedOut)
        #expect(seconds < 20)
    }

    /// Signals as the run sent them: to which group, which signal, and whether the group's
    /// leader was still an unreaped child of this process then (so its id was not reusable).
    final class SignalLog: Sendable {
        struct Sent: Equatable { var group: pid_t; var signal: Int32; var leaderUnreaped: Bool }
        private let sent = Mutex<[Sent]>([])
        var all: [Sent] { sent.withLock { $0 } }

        func send(_ group: pid_t, _ signal: Int32) {
            var info = siginfo_t()
            let unreaped = waitid(P_PID, id_t(group), &info, WEXITED | WNOHANG | WNOWAIT) == 0
            sent.withLock { $0.append(Sent(group: group, signal: signal, leaderUnreaped: unreaped)) }
            ChildProcess.signalGroup(group, signal)
        }
    }

    @Test("signals go only to a group whose leader is not yet reaped, and none after the run returned",
          arguments: ["sleep 60", "trap '' TERM; sleep 60", "sh -c 'trap \"\" TERM; sleep 60' & wait"])
    func noSignalToAReusableGroup(command: String) async throws {
        let log = SignalLog()
        let (outcome, _) = await run(command, timeout: .milliseconds(200), signals: log.send)
        #expect(outcome == .timedOut)
        let atReturn = log.all
        #expect(atReturn.first?.signal == SIGTERM, "\(atReturn)")
        #expect(atReturn.allSatisfy { $0.leaderUnreaped }, "\(atReturn)")
        // Longer than the grace between SIGTERM and SIGKILL: a late SIGKILL would show here.
        try await Task.sleep(for: ChildProcess.killGrace + .milliseconds(500))
        #expect(log.all == atReturn)
    }

    @Test("the value reaches the command through a close-on-exec memory file, not a file on disk")
    func valueFileStaysOffTheDisk() throws {
        let fd = try ChildProcess.valueFile(holding: Array("secret".utf8))
        defer { close(fd) }
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        #if os(Linux)
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
        #expect(target.hasPrefix("/memfd:"), "\(target)")
        #endif
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(read(fd, &buffer, 16) == 6 && buffer.prefix(6).elementsEqual(Array("secret".utf8)))
    }
}
