import NIOCore

/// Runs a task's jobs on a NIO event loop. A one-shot command prefers it, so its code and
/// its connection share one thread: a reply resumes the waiting command without waking a
/// thread of the cooperative pool.
final class EventLoopExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
