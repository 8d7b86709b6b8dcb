#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NATSWire
import NIOCore

/// A message as a stream stores it, from direct get, MSG.GET or a consumer.
public struct StoredMessage: Sendable, Equatable {
    public var subject: String
    public var sequence: UInt64
    /// Nanoseconds since 1970.
    public var timeNanos: Int64
    public var headers: NATSHeaders?
    public var payload: ByteBuffer

    public init(subject: String, sequence: UInt64, timeNanos: Int64, headers: NATSHeaders?, payload: ByteBuffer) {
        self.subject = subject
        self.sequence = sequence
        self.timeNanos = timeNanos
        self.headers = headers
        self.payload = payload
    }

    /// Decodes a direct get reply; nil for `404`.
    init?(directReply reply: InboundMessage) throws {
        guard let headers = reply.headers else {
            throw JetStreamError.invalidResponse("direct get reply without headers")
        }
        switch headers.status {
        case 404: return nil
        case nil: break
        case let code?:
            throw JetStreamError.invalidResponse("direct get status \(code) \(headers.statusDescription ?? "")")
        }
        guard let subject = headers["Nats-Subject"], let seqText = headers["Nats-Sequence"],
              let seq = UInt64(seqText) else {
            throw JetStreamError.invalidResponse("direct get reply without Nats-Subject/Nats-Sequence")
        }
        self.subject = subject
        self.sequence = seq
        self.timeNanos = headers["Nats-Time-Stamp"].flatMap(RFC3339.parseNanos) ?? 0
        self.headers = headers
        self.payload = reply.payload
    }

    init(msgGet m: MsgGetResponse.Message) throws {
        subject = m.subject
        sequence = m.seq
        timeNanos = RFC3339.parseNanos(m.time) ?? 0
        if let h = m.hdrs, let data = Data(base64Encoded: h) {
            var buf = ByteBuffer(bytes: data)
            headers = try? NATSHeaders.parse(buf.readSlice(length: buf.readableBytes)!)
        }
        payload = ByteBuffer(bytes: m.data.flatMap { Data(base64Encoded: $0) } ?? Data())
    }
}

/// `$JS.API.STREAM.MSG.GET`'s reply: the stored message, headers and data in base64.
struct MsgGetResponse: Decodable {
    struct Message: Decodable {
        var subject: String
        var seq: UInt64
        var hdrs: String?
        var data: String?
        var time: String
    }
    var message: Message
}
