import NIOCore

/// A `TaskExecutor` that runs a task's jobs on one NIO event loop.
///
/// A task that prefers a connection's executor (`NATSConnection.executor`) runs on the thread
/// that reads and writes the connection's socket, so a request costs no thread wake-up: the
/// write is flushed by the same thread once the task suspends, and the reply resumes the task
/// right there. On the cooperative pool the same request wakes two threads (the loop for the
/// write, a pool thread for the reply), and on a busy machine each wake-up waits for a core.
///
///     try await withTaskExecutorPreference(connection.executor) {
///         for key in keys { _ = try await bucket.get(key) }
///     }
///
/// Child tasks inherit the preference. Keep blocking work off it: while a job runs, the
/// connection reads, writes and keeps alive nothing. A loop that may wait on something slow
/// (a terminal, a file) belongs on the cooperative pool.
public final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop the jobs run on.
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
