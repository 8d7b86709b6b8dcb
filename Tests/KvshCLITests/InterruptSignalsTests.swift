// SIGINT/SIGTERM handling of the prompt and scripts (InterruptSignals), in-process with real
// signals sent to this test process: the windows in which a Ctrl-C used to be lost (issue 9).

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KeyValue
import Shell
import Testing
@testable import KvshCLI

/// Where a wait that missed its deadline is left: only a failing test leaves one, and closing
/// the set would then wait for something that never comes.
private let leftBehind = TaskSet()

/// Sends SIGINT to this process and waits (bounded) until `signals` acts on it.
private func deliverSIGINT(to signals: InterruptSignals) async -> Bool {
    let seen = FirstOutcome<Void>()
    signals.onSignal { seen.offer(()) }
    kill(getpid(), SIGINT)
    return await firstResult(within: .seconds(20), in: leftBehind) { await seen.value() } != nil
}

// Serialized: every test signals the whole process.
@Suite("InterruptSignals: no Ctrl-C is lost", .serialized)
struct InterruptSignalsTests {
    @Test("SIGINT still arrives after its disposition was saved and restored (as libedit does around each line), for a second listener too")
    func survivesSaveAndRestore() async {
        // libdispatch installs its handler for the first listener of the process only: the
        // second one must not replace it.
        for round in 1...2 {
            let signals = await InterruptSignals()
            var saved = sigaction()
            sigaction(SIGINT, nil, &saved)  // libedit, when a line starts
            sigaction(SIGINT, &saved, nil)  // libedit, when it ends
            #expect(await deliverSIGINT(to: signals), "listener \(round)")
            signals.stop()
        }
    }

    @Test("a Ctrl-C between the last keystroke and the start of the line's task interrupts the line")
    func signalBeforeTheLineRuns() async throws {
        let signals = await InterruptSignals()
        defer { signals.stop() }
        let output = CollectedOutput()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvsh-signals-\(UUID().uuidString)")
        let shell = try makeShell(options: try GlobalOptions.parse(["--store", directory.path + "/store.db"]),
                                  output: output)
        signals.reset()  // what the last keystroke (Enter) of the line does
        // The terminal is back in its normal mode: Ctrl-C raises SIGINT before the task exists.
        #expect(await deliverSIGINT(to: signals))
        let outcome = await firstResult(within: .seconds(20), in: leftBehind) {
            await runLine("sleep 24h", in: shell.session, signals: signals)
        }
        #expect(outcome == .finished(status: ShellSession.interruptedStatus))
        #expect(output.err == "interrupted\n")
        await shell.host.close()
    }
}
