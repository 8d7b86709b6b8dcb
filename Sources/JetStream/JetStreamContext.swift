#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NATSClient
import NATSWire
import NIOCore

/// The JetStream API over one connection: JSON requests, stream management, publish
/// with acknowledgement, direct get and consumers.
public struct JetStreamContext: Sendable {
    public let connection: NATSConnection
    /// Where the API listens, ending in `.`: `$JS.API.`, `$JS.<domain>.API.` or a prefix an
    /// account import chose.
    public let apiPrefix: String
    /// True when `apiPrefix` is not `$JS.API.`: KV writes then go through it too (nats.go's
    /// `useJSPfx`), as `<apiPrefix>$KV.<bucket>.<key>`, which the domain's server maps back.
    public let usesPrefixedAPI: Bool
    public var timeout: Duration
    /// Logs each API call at debug level: its subject, and the error code of a reply that
    /// carries one.
    public var logger: Logger

    /// The API of the connection's own account and domain.
    public static let defaultAPIPrefix = "$JS.API."

    /// `apiPrefix` defaults to `$JS.API.`; `domainAPIPrefix(_:)` makes a domain's. A missing
    /// trailing `.` is added. `logger` defaults to the connection's (itself silent unless the
    /// caller gave one).
    public init(connection: NATSConnection, apiPrefix: String? = nil, timeout: Duration? = nil,
                logger: Logger? = nil) {
        self.connection = connection
        let prefix = apiPrefix.map { $0.hasSuffix(".") ? $0 : $0 + "." } ?? Self.defaultAPIPrefix
        self.apiPrefix = prefix
        self.usesPrefixedAPI = prefix != Self.defaultAPIPrefix
        self.timeout = timeout ?? connection.options.requestTimeout
        self.logger = logger ?? connection.logger
    }

    /// The API prefix of JetStream domain `domain`: `$JS.<domain>.API.` (the caller checks the
    /// name: `isValidDomain`).
    public static func domainAPIPrefix(_ domain: String) -> String { "$JS.\(domain).API." }

    /// A domain name the server accepts in a subject: not empty, no `.`, `*`, `>` or blanks.
    public static func isValidDomain(_ domain: String) -> Bool {
        !domain.isEmpty && domain.unicodeScalars.allSatisfy {
            $0.value > 0x20 && $0.value != 0x7F && $0 != "." && $0 != "*" && $0 != ">" && !$0.properties.isWhitespace
        }
    }

    // MARK: JSON requests

    /// Sends a JSON API request and decodes the reply, mapping API errors.
    func call<Response: Decodable>(_ api: String, body: some Encodable, as: Response.Type) async throws -> Response {
        let data = try JSONEncoder().encode(body)
        return try await call(api, payload: ByteBuffer(bytes: data), as: Response.self)
    }

    func call<Response: Decodable>(_ api: String, as: Response.Type) async throws -> Response {
        try await call(api, payload: ByteBuffer(), as: Response.self)
    }

    private func call<Response: Decodable>(_ api: String, payload: ByteBuffer,
                                           as: Response.Type) async throws -> Response {
        let reply: InboundMessage
        do {
            reply = try await connection.request(apiPrefix + api, payload: payload, timeout: timeout)
        } catch NATSError.noResponders {
            logger.debug("JetStream API \(apiPrefix + api): no responders")
            throw usesPrefixedAPI ? JetStreamError.noAPI(apiPrefix: apiPrefix) : JetStreamError.notEnabled
        } catch {
            logger.debug("JetStream API \(apiPrefix + api): \(error)")
            throw error
        }
        let bytes = Data(reply.payload.readableBytesView)
        let decoder = JSONDecoder()
        // Only a reply that mentions "error" can carry one: skip the second decode otherwise.
        if Self.mentionsError(reply.payload),
           let envelope = try? decoder.decode(ErrorEnvelope.self, from: bytes), let error = envelope.error {
            logger.debug("JetStream API \(apiPrefix + api): error \(error.code), err_code \(error.errCode.rawValue)")
            switch error.errCode {
            case .notEnabled, .notEnabledForAccount: throw JetStreamError.notEnabled
            default: throw JetStreamError.api(error)
            }
        }
        logger.debug("JetStream API \(apiPrefix + api): ok")
        do {
            return try decoder.decode(Response.self, from: bytes)
        } catch {
            throw JetStreamError.invalidResponse("\(api): \(error)")
        }
    }

    private static let errorKey = Array(#""error""#.utf8)

    static func mentionsError(_ payload: ByteBuffer) -> Bool {
        let bytes = payload.readableBytesView
        guard bytes.count >= errorKey.count else { return false }
        var i = bytes.startIndex
        while let quote = bytes[i...].firstIndex(of: UInt8(ascii: "\"")) {
            if bytes[quote...].starts(with: errorKey) { return true }
            i = bytes.index(after: quote)
        }
        return false
    }

    // MARK: Account and streams

    public func accountInfo() async throws -> AccountInfo {
        try await call("INFO", as: AccountInfo.self)
    }

    public func createStream(_ config: StreamConfig) async throws -> StreamInfo {
        try await call("STREAM.CREATE.\(config.name)", body: config, as: StreamInfo.self)
    }

    /// Updates stream `name` from `config`, its configuration as `streamInfoWithConfig` returned
    /// it, with the top-level keys of `changes` replaced. Everything else goes back as the server
    /// has it, fields kvsh does not model included (never re-encoded from `StreamConfig`, which
    /// would drop them).
    /// - Throws: `JetStreamError.api` when the server refuses the update.
    public func updateStream(_ name: String, config: [String: RawJSON],
                             changing changes: [String: RawJSON]) async throws -> StreamInfo {
        try await call("STREAM.UPDATE.\(name)", body: config.merging(changes) { _, new in new }, as: StreamInfo.self)
    }

    /// `streamInfo`, with the configuration also as the server's JSON (every field), for
    /// `updateStream`.
    public func streamInfoWithConfig(_ name: String) async throws -> (info: StreamInfo, config: [String: RawJSON]) {
        let reply = try await call("STREAM.INFO.\(name)", as: StreamInfoWithConfig.self)
        return (reply.info, reply.config)
    }

    public func streamInfo(_ name: String) async throws -> StreamInfo {
        try await call("STREAM.INFO.\(name)", as: StreamInfo.self)
    }

    /// The settings of `streamInfo` that opening a KV bucket checks. Decoding two fields
    /// instead of the whole `StreamInfo` saves a cold one-shot command ~10% of its work.
    public func streamBrief(_ name: String) async throws -> StreamBrief {
        try await call("STREAM.INFO.\(name)", as: StreamBrief.self)
    }

    public func deleteStream(_ name: String) async throws {
        _ = try await call("STREAM.DELETE.\(name)", as: SuccessResponse.self)
    }

    /// Removes messages; `filter` limits it to one subject, `keep` keeps the newest n.
    @discardableResult
    public func purgeStream(_ name: String, filter: String? = nil, keep: UInt64? = nil) async throws -> UInt64 {
        struct Request: Encodable { var filter: String?; var keep: UInt64? }
        return try await call("STREAM.PURGE.\(name)", body: Request(filter: filter, keep: keep),
                              as: PurgeResponse.self).purged ?? 0
    }

    /// Every stream (with info) that has a subject matching `subject`.
    public func streams(matching subject: String) async throws -> [StreamInfo] {
        struct Request: Encodable { var offset: Int; var subject: String }
        var out: [StreamInfo] = []
        var offset = 0
        for _ in 0..<10_000 {
            let page = try await call("STREAM.LIST", body: Request(offset: offset, subject: subject),
                                      as: StreamListResponse.self)
            let streams = page.streams ?? []
            out += streams
            offset += streams.count
            if streams.isEmpty || offset >= page.total { break }
        }
        return out
    }

    // MARK: Publish

    /// Publishes and waits for the stream's acknowledgement.
    /// - Throws: `JetStreamError.api` (e.g. `wrongLastSequence`), `noStreamResponse`.
    public func publish(_ subject: String, headers: NATSHeaders? = nil, payload: ByteBuffer) async throws -> PubAck {
        let reply: InboundMessage
        do {
            reply = try await connection.request(subject, headers: headers, payload: payload, timeout: timeout)
        } catch NATSError.noResponders {
            throw JetStreamError.noStreamResponse(subject: subject)
        }
        return try Self.decodeAck(reply, publishedOn: subject)
    }

    /// The acknowledgement of a message published on `subject` (a 503 means no stream
    /// takes that subject).
    static func decodeAck(_ reply: InboundMessage, publishedOn subject: String) throws -> PubAck {
        if reply.headers?.status == 503 {
            throw JetStreamError.noStreamResponse(subject: subject)
        }
        if let fast = PubAck.parseCommon(reply.payload) { return fast }
        let ack: PubAckEnvelope
        do {
            ack = try JSONDecoder().decode(PubAckEnvelope.self, from: Data(reply.payload.readableBytesView))
        } catch {
            throw JetStreamError.invalidResponse("publish acknowledgement: \(error)")
        }
        if let error = ack.error { throw JetStreamError.api(error) }
        guard let stream = ack.stream, let seq = ack.seq else {
            throw JetStreamError.invalidResponse("publish acknowledgement without stream or seq")
        }
        return PubAck(stream: stream, seq: seq, duplicate: ack.duplicate, domain: ack.domain)
    }

    // MARK: Reading messages

    /// The last message on `subject` in `stream` (direct get), or nil when there is none.
    public func directGetLast(stream: String, subject: String) async throws -> StoredMessage? {
        let reply = try await directRequest("DIRECT.GET.\(stream).\(subject)", payload: ByteBuffer())
        return try StoredMessage(directReply: reply)
    }

    /// The message at `sequence` (direct get), or nil when there is none.
    public func directGet(stream: String, sequence: UInt64) async throws -> StoredMessage? {
        let reply = try await directRequest("DIRECT.GET.\(stream)", payload: ByteBuffer(string: "{\"seq\":\(sequence)}"))
        return try StoredMessage(directReply: reply)
    }

    private func directRequest(_ api: String, payload: ByteBuffer) async throws -> InboundMessage {
        do {
            let reply = try await connection.request(apiPrefix + api, payload: payload, timeout: timeout)
            logger.debug("JetStream API \(apiPrefix + api): \(reply.headers?.status.map { "status \($0)" } ?? "ok")")
            return reply
        } catch NATSError.noResponders {
            logger.debug("JetStream API \(apiPrefix + api): no responders")
            throw JetStreamError.api(APIError(code: 404, errCode: .streamNotFound, description: "stream not found"))
        }
    }

    /// The JSON `STREAM.MSG.GET` form, for streams without direct get.
    public func messageGet(stream: String, sequence: UInt64? = nil, lastBySubject: String? = nil) async throws -> StoredMessage? {
        struct Request: Encodable {
            var seq: UInt64?
            var lastBySubj: String?
            enum CodingKeys: String, CodingKey { case seq, lastBySubj = "last_by_subj" }
        }
        do {
            let r = try await call("STREAM.MSG.GET.\(stream)", body: Request(seq: sequence, lastBySubj: lastBySubject),
                                   as: MsgGetResponse.self)
            return try StoredMessage(msgGet: r.message)
        } catch JetStreamError.api(let e) where e.errCode == .noMessageFound {
            return nil
        }
    }

    // MARK: Consumers

    public func createConsumer(stream: String, config: ConsumerConfig) async throws -> ConsumerInfo {
        let name = config.name ?? NUID.random(8)
        var config = config
        config.name = name
        var api = "CONSUMER.CREATE.\(stream).\(name)"
        if let filter = config.filterSubject, !filter.isEmpty, filter != ">" { api += ".\(filter)" }
        return try await call(api, body: CreateConsumerRequest(streamName: stream, config: config),
                              as: ConsumerInfo.self)
    }

    public func deleteConsumer(stream: String, name: String) async throws {
        _ = try await call("CONSUMER.DELETE.\(stream).\(name)", as: SuccessResponse.self)
    }
}
