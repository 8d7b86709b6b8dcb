import NATSClient
import NATSWire
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
    /// the server works on a full pipe while memory stays bounded.
    /// - Returns: the acknowledgements in input order.
    /// - Throws: the first failure; messages already acknowledged stay stored.
    public func publishPipelined(_ messages: [Outgoing], window: Int = 4000) async throws -> [PubAck] {
        var acks = [PubAck?](repeating: nil, count: messages.count)
        let js = self
        try await withThrowingTaskGroup(of: (Int, PubAck).self) { group in
            var inFlight = 0
            for (i, m) in messages.enumerated() {
                if inFlight >= max(1, window), let (j, ack) = try await group.next() {
                    acks[j] = ack
                    inFlight -= 1
                }
                group.addTask { (i, try await js.publish(m.subject, headers: m.headers, payload: m.payload)) }
                inFlight += 1
            }
            while let (j, ack) = try await group.next() { acks[j] = ack }
        }
        return acks.map { $0! }
    }
}
