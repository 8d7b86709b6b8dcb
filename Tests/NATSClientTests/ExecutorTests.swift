import NATSClient
import NIOCore
import NIOPosix
import Testing
import TestSupport

/// `EventLoopTaskExecutor` and `NATSConnection.executor`: a task that prefers it runs on the
/// connection's loop, so its requests cost no thread hop.
@Suite("The connection's executor", .offCooperativePool)
struct ExecutorTests {
    @Test("a task and its child tasks run on the executor's loop")
    func runsOnTheLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loop = group.next()
        let executor = EventLoopTaskExecutor(loop)
        let onLoop = await withTaskExecutorPreference(executor) {
            var seen = [loop.inEventLoop]
            await Task.yield()
            seen.append(loop.inEventLoop)
            let children = await withTaskGroup(of: Bool.self) { tasks in
                for _ in 0..<4 { tasks.addTask { loop.inEventLoop } }
                return await tasks.reduce(into: [Bool]()) { $0.append($1) }
            }
            return seen + children
        }
        #expect(onLoop == Array(repeating: true, count: 6))
        #expect(!loop.inEventLoop)
        try await group.shutdownGracefully()
    }

    @Test("a request loop on the connection's executor completes, every step on the connection's loop")
    func requestLoop() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let responder = try await NATSConnection.connect(testOptions(server.url), group: group)
        let requester = try await NATSConnection.connect(testOptions(server.url), group: group)
        let service = try responder.subscribe("svc.inc")
        let serving = Task(executorPreference: TestExecutor.shared) {
            for try await msg in service {
                guard let reply = msg.replyTo, let n = Int(text(msg.payload)) else { continue }
                try responder.publish(reply, payload: ByteBuffer(string: String(n + 1)))
            }
        }
        try await responder.flush()

        let loop = requester.executor.eventLoop
        let (answers, offLoop) = try await within(20, "200 sequential requests") {
            try await withTaskExecutorPreference(requester.executor) {
                var answers: [Int] = []
                var offLoop = 0
                for i in 0..<200 {
                    let reply = try await requester.request("svc.inc", payload: ByteBuffer(string: String(i)))
                    answers.append(Int(text(reply.payload)) ?? -1)
                    if !loop.inEventLoop { offLoop += 1 }
                    try await requester.flush()
                    if !loop.inEventLoop { offLoop += 1 }
                }
                return (answers, offLoop)
            }
        }
        #expect(answers == Array(1...200))
        #expect(offLoop == 0)
        serving.cancel()
        await responder.close()
        await requester.close()
        try await group.shutdownGracefully()
    }

    @Test("a connection given one loop runs on it; one given a group keeps its loop across a reconnect")
    func loopIsFixed() async throws {
        let server = try await startServer(jetstream: false)
        defer { server.stopInBackground() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        let chosen = group.next()
        let onChosen = try await NATSConnection.connect(testOptions(server.url), group: chosen)
        #expect(onChosen.executor.eventLoop === chosen)
        await onChosen.close()

        var options = try testOptions(server.url)
        options.reconnectWait = .milliseconds(100)
        let conn = try await NATSConnection.connect(options, group: group)
        let loop = conn.executor.eventLoop
        // `.reconnected` is emitted by the new link's handler: on the connection's loop when
        // the new link runs there (a group's `next()` would have handed out another loop).
        let reconnectedOnLoop = Recorder<Bool>()
        conn.addEventObserver { event in
            if event.isReconnected { reconnectedOnLoop.append(loop.inEventLoop) }
        }
        for _ in 0..<2 {
            let before = reconnectedOnLoop.count
            try await offPool { server.kill9() }
            try await offPool { try server.restart() }
            try await waitUntil(10, ".reconnected") { reconnectedOnLoop.count > before }
        }
        #expect(reconnectedOnLoop.all == [true, true])
        try await conn.flush()
        await conn.close()
        try await group.shutdownGracefully()
    }
}
