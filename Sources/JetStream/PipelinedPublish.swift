import NATSClient
import NATSWire
import NIOConcurrencyHelpers
import NIOCore

extension JetStreamContext {
    /// One message of a bulk publish.
    public struct Outgoing: Sendable {
        public var subject: String
        public var headers: NATSHeaders?
        public var payload: ByteBuffer
        public init(subject: String, headers: NATSHeaders? = nil, payload: ByteBuffer) {
            self.subject = subject
            self.headers = headers
            self.payload = payload
        }
    }

    /// Publishes many messages with at most `window` acknowledgements outstanding, so
    /// the server works on a full pipe while memory stays bounded. Messages leave in
    /// input order (one writer, one reply inbox), so the stream stores them in that order.
    /// - Returns: the acknowledgements in input order.
    /// - Throws: the first failure; messages already acknowledged stay stored.
    public func publishPipelined(_ messages: [Outgoing], window: Int = 4000) async throws -> [PubAck] {
        guard !messages.isEmpty else { return [] }
        let inbox = connection.newInbox()
        let sub = try connection.subscribe(inbox + ".*")
        // Ends the reply stream when no acknowledgement arrived for `timeout`.
        let lastProgress = NIOLockedValueBox(NIODeadline.now())
        let timedOut = NIOLockedValueBox(false)
        let limit = timeout.nanoseconds
        let watchdog = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                if NIODeadline.now() - lastProgress.withLockedValue({ $0 }) > .nanoseconds(limit) {
                    timedOut.withLockedValue { $0 = true }
                    sub.unsubscribe()
                    return
                }
            }
        }
        defer {
            watchdog.cancel()
            sub.unsubscribe()
        }

        var acks = [PubAck?](repeating: nil, count: messages.count)
        var sent = 0
        var received = 0
        let window = max(1, window)
        var replies = sub.makeAsyncIterator()
        while received < messages.count {
            while sent < messages.count && sent - received < window {
                let m = messages[sent]
                try connection.publish(m.subject, replyTo: "\(inbox).\(sent)", headers: m.headers, payload: m.payload)
                sent += 1
            }
            guard let reply = try await replies.next() else {
                if timedOut.withLockedValue({ $0 }) {
                    throw NATSError.timeout(what: "a publish acknowledgement on \(messages[received].subject)")
                }
                throw NATSError.connectionClosed
            }
            lastProgress.withLockedValue { $0 = .now() }
            guard let dot = reply.subject.utf8.lastIndex(of: UInt8(ascii: ".")),
                  let index = Int(Substring(reply.subject.utf8[reply.subject.utf8.index(after: dot)...])),
                  index >= 0, index < sent, acks[index] == nil else { continue }
            if reply.headers?.status == 503 {
                throw JetStreamError.noStreamResponse(subject: messages[index].subject)
            }
            acks[index] = try Self.decodeAck(reply)
            received += 1
        }
        return acks.map { $0! }
    }
}
