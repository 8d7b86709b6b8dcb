import NATSWire
import NIOCore
import Testing
@testable import NATSClient

@Suite("MessageQueue")
struct MessageQueueTests {
    private func message(_ n: Int) -> InboundMessage {
        InboundMessage(subject: "s.\(n)", sid: 1, payload: ByteBuffer(string: "\(n)"))
    }

    @Test("delivers in order, one at a time or in bursts capped by the limit")
    func ordering() async throws {
        let queue = MessageQueue()
        for n in 0..<10 { #expect(queue.push(message(n)) == .accepted) }
        #expect(try await queue.next()?.subject == "s.0")
        let burst = try await queue.next(limit: 4)
        #expect(burst?.map(\.subject) == ["s.1", "s.2", "s.3", "s.4"])
        let rest = try await queue.next(limit: 100)
        #expect(rest?.map(\.subject) == ["s.5", "s.6", "s.7", "s.8", "s.9"])
    }

    @Test("a waiting reader wakes for a message pushed later")
    func wakesReader() async throws {
        let queue = MessageQueue()
        async let got = queue.next()
        try await Task.sleep(for: .milliseconds(20))
        queue.push(message(7))
        #expect(try await got?.subject == "s.7")
    }

    @Test("finishing with an error delivers the buffered messages first, then the error once, then nil")
    func failureAfterMessages() async throws {
        struct Gone: Error {}
        let queue = MessageQueue()
        queue.push(message(1))
        queue.finish(throwing: Gone())
        #expect(queue.push(message(2)) == .readerGone, "nothing is accepted after the end")
        #expect(try await queue.next()?.subject == "s.1")
        await #expect(throws: Gone.self) { try await queue.next() }
        #expect(try await queue.next() == nil)
    }

    @Test("cancelling the waiting reader ends the queue")
    func cancellationEnds() async throws {
        let queue = MessageQueue()
        let reader = Task { try await queue.next() }
        try await Task.sleep(for: .milliseconds(20))
        reader.cancel()
        #expect(try await reader.value == nil)
        #expect(queue.push(message(1)) == .readerGone)
    }

    @Test("past the message limit the queue ends: the buffered messages, then slowConsumer, then nil")
    func messageLimit() async throws {
        let limits = PendingLimits(messages: 3, bytes: 1 << 20)
        let queue = MessageQueue(subject: "flood", limits: limits)
        for n in 0..<3 { #expect(queue.push(message(n)) == .accepted) }
        #expect(queue.push(message(3)) == .overflowed)
        #expect(queue.push(message(4)) == .readerGone)
        #expect(try await queue.next(limit: 10)?.map(\.subject) == ["s.0", "s.1", "s.2"])
        await #expect(throws: NATSError.slowConsumer(subject: "flood", limits: limits)) { try await queue.next() }
        #expect(try await queue.next() == nil)
    }

    @Test("the byte limit counts headers and payload; reading frees room again")
    func byteLimit() async throws {
        let queue = MessageQueue(subject: "big", limits: PendingLimits(messages: 100, bytes: 100))
        let sixty = InboundMessage(subject: "s", sid: 1, payload: ByteBuffer(repeating: 0x61, count: 60))
        var headers = NATSHeaders()
        headers.append("K", String(repeating: "v", count: 40))
        let withHeaders = InboundMessage(subject: "h", sid: 1, headers: headers, payload: ByteBuffer())
        #expect(withHeaders.size > 40)
        #expect(queue.push(sixty) == .accepted)
        _ = try await queue.next()
        #expect(queue.push(sixty) == .accepted, "the read message no longer counts")
        _ = try await queue.next(limit: 5)
        #expect(queue.push(sixty) == .accepted)
        #expect(queue.push(withHeaders) == .overflowed)
        #expect(try await queue.next()?.subject == "s")
        await #expect(throws: NATSError.self) { try await queue.next() }
    }

    @Test("a long backlog read in small steps keeps every message exactly once")
    func compaction() async throws {
        let queue = MessageQueue()
        var expected = 0
        for round in 0..<4 {
            for n in 0..<5_000 { queue.push(message(round * 5_000 + n)) }
            for _ in 0..<1_700 {  // leaves some behind each round, so the buffer compacts mid-way
                let batch = try #require(try await queue.next(limit: 2))
                for m in batch {
                    #expect(m.subject == "s.\(expected)")
                    expected += 1
                }
            }
        }
        while expected < 20_000, let batch = try await queue.next(limit: 1_000) {
            for m in batch {
                #expect(m.subject == "s.\(expected)")
                expected += 1
            }
        }
        #expect(expected == 20_000)
    }
}
