import NATSClient
import NATSWire
import NIOConcurrencyHelpers
import NIOCore

extension JetStreamContext {
    /// One message of a bulk publish.
    public typealias Outgoing = OutgoingMessage

    /// Publishes many messages with at most `window` acknowledgements outstanding, so
    /// the server works on a full pipe while memory stays bounded. Messages leave in
    /// input order (one writer, one reply inbox), so the stream stores them in that order.
    /// - Returns: the acknowledgements in input order.
    /// - Throws: the first failure (`NATSError.permissionDenied` at once when the server
    ///   refuses a publish of the batch); messages already acknowledged stay stored.
    public func publishPipelined(_ messages: [Outgoing], window: Int = 4000) async throws -> [PubAck] {
        guard !messages.isEmpty else { return [] }
        let inbox = connection.newInbox()
        // A publish the server refuses ends the replies with `permissionDenied` at once; the
        // subjects are looked through only then.
        let sub = try connection.subscribe(repliesTo: inbox + ".*") { subject in
            messages.contains { $0.subject == subject }
        }
        defer { sub.unsubscribe() }
        // Ends the reply stream when no acknowledgement arrived for `timeout`: a child task,
        // cancelled and awaited when the publishing ends.
        let lastProgress = NIOLockedValueBox(NIODeadline.now())
        let timedOut = NIOLockedValueBox(false)
        let limit = timeout.nanoseconds
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(100))
                    if NIODeadline.now() - lastProgress.withLockedValue({ $0 }) > .nanoseconds(limit) {
                        timedOut.withLockedValue { $0 = true }
                        sub.unsubscribe()
                        return
                    }
                }
            }
            defer { group.cancelAll() }
            var acks = [PubAck?](repeating: nil, count: messages.count)
            var sent = 0
            var received = 0
            let window = max(1, window)
            var replies = sub.batches()
            while received < messages.count {
                if sent < messages.count && sent - received < window {
                    let end = min(messages.count, received + window)
                    try connection.publish(messages[sent..<end], replyPrefix: inbox)
                    sent = end
                }
                guard let batch = try await replies.next() else {
                    if timedOut.withLockedValue({ $0 }) {
                        throw connection.notConnectedError
                            ?? NATSError.timeout(what: "a publish acknowledgement on \(messages[received].subject)")
                    }
                    throw NATSError.connectionClosed
                }
                lastProgress.withLockedValue { $0 = .now() }
                for reply in batch {
                    guard let index = Self.replyIndex(reply.subject), index < sent, acks[index] == nil else { continue }
                    acks[index] = try Self.decodeAck(reply, publishedOn: messages[index].subject)
                    received += 1
                }
            }
            return acks.map { $0! }
        }
    }

    /// The number after the last dot of a reply subject (`_INBOX.x.41` → 41).
    static func replyIndex(_ subject: String) -> Int? {
        var value = 0
        var scale = 1
        var digits = 0
        for byte in subject.utf8.reversed() {
            if byte == UInt8(ascii: ".") { return digits > 0 ? value : nil }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 18 else { return nil }
            value += Int(byte - UInt8(ascii: "0")) * scale
            scale *= 10
            digits += 1
        }
        return nil
    }
}
