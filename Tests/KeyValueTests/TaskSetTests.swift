import KeyValue
import Synchronization
import Testing

/// `TaskSet` and the watches pumped by one: who ends what, and when. No clocks: each task
/// waits for something the test gives it.
@Suite("TaskSet and pumped watches")
struct TaskSetTests {
    /// A gate tasks wait at until it opens or they are cancelled.
    final class Gate: Sendable {
        private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

        func wait() async {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { s -> Bool in
                        if s.open || Task.isCancelled { return true }
                        s.waiters.append(continuation)
                        return false
                    }
                    if now { continuation.resume() }
                }
            } onCancel: {
                open()
            }
        }

        func open() {
            let waiters = state.withLock { s in
                s.open = true
                defer { s.waiters = [] }
                return s.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    /// A count tasks add to.
    final class Counter: Sendable {
        private let value = Atomic<Int>(0)
        func add() { value.add(1, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }

    @Test("a task leaves the set when it ends; close cancels the rest and waits for them")
    func lifecycle() async throws {
        let tasks = TaskSet()
        let gate = Gate()
        let finished = Counter()
        let done = try #require(tasks.start { finished.add() })
        await done.value
        let cancelled = Counter()
        tasks.start {
            await gate.wait()
            if Task.isCancelled { cancelled.add() }
            finished.add()
        }
        #expect(tasks.count == 1)
        await tasks.close()
        #expect(tasks.count == 0)
        #expect(finished.count == 2, "close returned before its task ended")
        #expect(cancelled.count == 1)
        #expect(tasks.start { Issue.record("started after close") } == nil)
    }

    @Test("a pumped watch: stop, or dropping every copy, cancels the pump; the owner's close ends the watch")
    func pumpedWatch() async throws {
        let owner = TaskSet()
        let ended = Counter()
        func pump() throws -> KeyWatch {
            try #require(KeyWatch.pumped(by: owner) { queue in
                _ = await queue.send(.initialValuesDone)
                // Blocks until the reader goes or the owner closes: `send` then returns false.
                while await queue.send(contentsOf: [.initialValuesDone]) {}
                ended.add()
            })
        }
        let stopped = try pump()
        stopped.stop()
        do {
            let dropped = try pump()
            var events = dropped.makeAsyncIterator()
            #expect(try await events.next() == .initialValuesDone)
        }
        let kept = try pump()
        try await waitForCount(owner, 1)
        #expect(ended.count == 2)
        await owner.close()
        #expect(ended.count == 3)
        var count = 0
        for try await _ in kept { count += 1 }
        #expect(count >= 1, "what the queue held is still read after the close")
        #expect(KeyWatch.pumped(by: owner) { _ in } == nil)
    }

    /// Polls until `set` holds `count` tasks, for at most 5 s (a guard against hangs).
    private func waitForCount(_ set: TaskSet, _ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while set.count != count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(set.count == count)
    }
}
