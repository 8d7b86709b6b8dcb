import KeyValue
import Testing

@Suite("BoundedQueue")
struct BoundedQueueTests {
    @Test func sendContentsOfKeepsOrder() async throws {
        let queue = BoundedQueue<Int>(capacity: 8)
        #expect(await queue.send(contentsOf: [1, 2, 3]))
        #expect(await queue.send(4))
        queue.finish()
        var got: [Int] = []
        while let v = try await queue.next() { got.append(v) }
        #expect(got == [1, 2, 3, 4])
    }

    @Test func sendContentsOfWakesAWaitingReader() async throws {
        let queue = BoundedQueue<Int>(capacity: 8)
        let reader = Task {
            var got: [Int] = []
            while let v = try await queue.next() { got.append(v) }
            return got
        }
        // Give the reader time to wait on an empty queue.
        try await Task.sleep(for: .milliseconds(50))
        #expect(await queue.send(contentsOf: [1, 2, 3]))
        queue.finish()
        #expect(try await reader.value == [1, 2, 3])
    }

    @Test func batchLargerThanCapacityWaitsForTheReader() async throws {
        let queue = BoundedQueue<Int>(capacity: 4)
        let writer = Task { await queue.send(contentsOf: Array(0..<100)) }
        var got: [Int] = []
        for _ in 0..<100 { if let v = try await queue.next() { got.append(v) } }
        #expect(await writer.value)
        #expect(got == Array(0..<100))
    }

    @Test func fullQueueHoldsTheWriterBack() async throws {
        let queue = BoundedQueue<Int>(capacity: 4)
        let sent = Task { await queue.send(contentsOf: Array(0..<6)) }
        try await Task.sleep(for: .milliseconds(50))
        // Only `capacity` elements fit; the rest waits for the reader.
        #expect(try await queue.next() == 0)
        queue.finish()
        #expect(await sent.value == false)
    }

    @Test func emptyBatchReportsWhetherTheReaderIsThere() async {
        let queue = BoundedQueue<Int>(capacity: 2)
        #expect(await queue.send(contentsOf: [Int]()))
        queue.cancel()
        #expect(await queue.send(contentsOf: [Int]()) == false)
    }

    @Test func cancelEndsAWaitingBatchSend() async throws {
        let queue = BoundedQueue<Int>(capacity: 2)
        let sent = Task { await queue.send(contentsOf: Array(0..<10)) }
        try await Task.sleep(for: .milliseconds(50))
        queue.cancel()
        #expect(await sent.value == false)
        #expect(try await queue.next() == nil)
    }
}
