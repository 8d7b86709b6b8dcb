import Foundation
@testable import Hooks
import KeyValue
import KeyValueEmbedded
import Synchronization
import Testing
import TestSupport

/// What the reporter is told: registration, each run (retries included), the stop.
@Suite("Hooks: reports", .offCooperativePool)
struct HookReportTests {
    private final class Recorder: Sendable {
        let reports = Mutex<[HookReport]>([])
        var runs: [HookRun] {
            reports.withLock { $0 }.compactMap { if case .runFinished(_, let run) = $0 { run } else { nil } }
        }
    }

    @Test("registered, each attempt of a failing run with its retry flag, a success, stopped")
    func reports() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try await EmbeddedKeyValueStore.open(path: dir + "/store.db")
        _ = try await store.createBucket(BucketConfig(bucket: "jobs"))
        let bucket = try await store.bucket("jobs")
        let recorder = Recorder()
        let registry = HookRegistry(store: { store }, output: RecordingOutput(), reporter: { report in
            recorder.reports.withLock { $0.append(report) }
        })
        let spec = shellHook(.put, "jobs", run: #"test "$KVSH_KEY" = good || exit 4"#) { $0.retries = 1 }
        let id = try await registry.register(spec)
        _ = try await bucket.put("bad", Array("v".utf8))
        _ = try await bucket.put("good", Array("v".utf8))
        try await waitUntil(60, "three runs") { recorder.runs.count == 3 }
        await registry.shutdown()
        await store.close()

        let all = recorder.reports.withLock { $0 }
        guard case .registered(let first)? = all.first, case .stopped(let last)? = all.last else {
            Issue.record("\(all)")
            return
        }
        #expect(first == HookIdentity(id: id, bucket: "jobs", durable: nil) && last == first)
        let runs = recorder.runs
        #expect(runs.map(\.key) == ["bad", "bad", "good"])
        #expect(runs.map(\.attempt) == [0, 1, 0])
        #expect(runs.map(\.willRetry) == [true, false, false])
        #expect(runs.map(\.succeeded) == [false, false, true])
        #expect(runs.map(\.exitStatus) == [4, 4, 0])
        #expect(runs.allSatisfy { $0.seconds >= 0 && $0.operation == .put })
    }
}
