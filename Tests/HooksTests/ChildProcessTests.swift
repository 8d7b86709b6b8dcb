#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@testable import Hooks
import Testing
import TestSupport

@Suite("Hook child processes", .offCooperativePool)
struct ChildProcessTests {
    @Test("the environment and stdin reach the command as data: byte-identical, never run")
    func dataNeverCode() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = dir + "/pwned"
        let hostile: [UInt8] = Array("$(touch \(marker)) `touch \(marker)` ; touch \(marker) ; rm -rf ~\n\"'\\".utf8)
            + [0, 1, 0xff] + Array("\n$HOME ${IFS}".utf8)
        let text = "cat > \(sq(dir + "/stdin")); printf %s \"$KVSH_KEY\" > \(sq(dir + "/key"))"
        let env: [String: String?] = ["KVSH_KEY": "$(touch \(marker));`id`", "KVSH_VALUE": nil]
        let out = RecordingOutput()
        let outcome = await ChildProcess.run(text, environment: env, stdin: hostile, timeout: .seconds(30),
                                             lines: HookLines(hook: 1, output: out))
        #expect(outcome == .exited(0), "\(out.err)")
        #expect(fileBytes(dir + "/stdin") == hostile)
        #expect(fileBytes(dir + "/key") == Array("$(touch \(marker));`id`".utf8))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test("a timeout stops the whole process group, grandchildren included")
    func timeoutKillsGroup() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pidFile = dir + "/grandchild"
        // The grandchild ignores SIGTERM, so only the SIGKILL after the grace ends it.
        let text = "sh -c 'trap \"\" TERM; sleep 60' & echo $! > \(sq(pidFile)); wait"
        let outcome = await ChildProcess.run(text, environment: [:], stdin: [], timeout: .milliseconds(300),
                                             lines: HookLines(hook: 1, output: RecordingOutput()))
        #expect(outcome == .timedOut)
        let pid = try #require(fileLines(pidFile).first.flatMap { Int32($0) })
        try await waitUntil(30, "grandchild \(pid) to be gone") { kill(pid, 0) != 0 }
    }

    @Test("a command that never reads a large value on stdin neither blocks nor fails")
    func unreadStdin() async throws {
        let value = [UInt8](repeating: UInt8(ascii: "v"), count: 4 << 20)
        let outcome = await ChildProcess.run("exit 0", environment: [:], stdin: value, timeout: .seconds(60),
                                             lines: HookLines(hook: 1, output: RecordingOutput()))
        #expect(outcome == .exited(0))
    }

    @Test("exit status and signals are told apart; stdout and stderr lines carry the hook id")
    func statusAndOutput() async throws {
        let out = RecordingOutput()
        let failed = await ChildProcess.run("echo to-out; echo to-err >&2; exit 7", environment: [:], stdin: [],
                                            timeout: nil, lines: HookLines(hook: 4, output: out))
        #expect(failed == .exited(7))
        #expect(out.out == "[hook 4] to-out\n")
        #expect(out.err == "[hook 4] to-err\n")
        let killed = await ChildProcess.run("kill -KILL $$", environment: [:], stdin: [], timeout: nil,
                                            lines: HookLines(hook: 4, output: out))
        #expect(killed == .signaled(SIGKILL))
    }
}
