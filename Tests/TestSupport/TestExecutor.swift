import Dispatch
import Testing

// MARK: Running off the cooperative pool

/// Runs jobs on Dispatch worker threads instead of Swift's cooperative pool. Tests that block (synchronous process runs, server start-up) would otherwise hold cooperative threads; on a 2-core machine that
/// stalls every async test for seconds, and client timers (connect, request) fire before
/// the client got to run. Tests here prefer this executor, so their timing means something.
public final class TestExecutor: TaskExecutor {
    public static let shared = TestExecutor()
    private let queue = DispatchQueue(label: "kvsh.TestSupport.executor", attributes: .concurrent)

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// Runs each test (and its child tasks) on `TestExecutor`.
public struct OffCooperativePool: SuiteTrait, TestTrait, TestScoping {
    public init() {}
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(TestExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OffCooperativePool {
    public static var offCooperativePool: Self { Self() }
}

