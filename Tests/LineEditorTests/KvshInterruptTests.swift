// Ctrl-C (and SIGTERM) the moment a line typed at the kvsh prompt starts to run, through a real
// pseudo-terminal, each time in a freshly started kvsh: the windows in which it used to be lost
// for good (issue 9; scripts/stress-interrupt is the long version).

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport

/// Whether `pid` catches signal `number` (rather than ignoring it or taking the default).
private func catches(_ pid: pid_t, _ number: Int32) -> Bool {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
          let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
    else { return false }
    return mask >> UInt64(number - 1) & 1 == 1
}

@Suite("kvsh prompt: an interrupt as soon as a line runs", .serialized, .offCooperativePool)
struct KvshInterruptTests {
    /// A kvsh at a pseudo-terminal on an embedded store in `directory`, and its prompt.
    private static func freshKvsh(in directory: TemporaryDirectory, columns: Int) throws -> (DemoSession, String) {
        let store = directory.url.appendingPathComponent("s.db").path
        let session = try DemoSession(home: directory.url, environment: [
            "XDG_STATE_HOME": directory.url.appendingPathComponent("state").path,
        ], columns: columns, executable: KvshBinary.path(), arguments: ["--norc", "--store", store])
        return (session, "kvsh \(store)>")
    }

    @Test("in a fresh kvsh, Ctrl-C or SIGTERM right after Enter interrupts the first line; both stay caught")
    func interruptTheFirstLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for round in 1...40 {
            let (session, prompt) = try Self.freshKvsh(in: directory, columns: 120)
            await session.expectPrompt(prompt)
            session.send("sleep 1h" + Key.enter)
            await session.expectSignalMode()
            if round % 2 == 1 {
                session.send(Key.ctrlC)
            } else {
                kill(session.pid, SIGTERM)
            }
            await session.expectOutput("interrupted")
            await session.expectPrompt(prompt)
            #expect(catches(session.pid, SIGINT) && catches(session.pid, SIGTERM), "round \(round)")
            session.send(Key.ctrlD)
            #expect(await session.expectExit() == 0, "round \(round)")
        }
    }

    @Test("Ctrl-C at the prompt runs a try's finally block; a second Ctrl-C stops a cleanup that hangs")
    func finallyAtThePrompt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (session, prompt) = try Self.freshKvsh(in: directory, columns: 160)
        await session.expectPrompt(prompt)
        // The echo of the typed line shows `fin"ished"`; only the cleanup prints `finished`.
        session.send("try { sleep 1h } finally { echo fin\"ished\"; sleep 1h; echo never }" + Key.enter)
        await session.expectSignalMode()
        session.send(Key.ctrlC)
        await session.expectOutput("finished")
        session.send(Key.ctrlC)
        await session.expectOutput("interrupted")
        await session.expectPrompt(prompt)
        session.send(Key.ctrlD)
        #expect(await session.expectExit() == 0)
    }
}
