#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JetStream
import KeyValue
import NATSClient
import NATSWire
import NIOCore
import Synchronization

/// One bucket on JetStream. Writes are publishes to `$KV.<bucket>.<key>` (through a domain:
/// `$JS.<domain>.API.$KV.<bucket>.<key>`) with the KV headers; reads are direct gets; lists
/// and watches are ordered consumers. On the default API writes need nothing from STREAM.INFO:
/// a publish reaches the bucket's stream or gets a 503, so only reads bind the handle
/// (`bind()`), once; through a domain the first write binds too (`bindIfPrefixed`).
final class NATSBucket: KeyValueBucket {
    let js: JetStreamContext
    let name: String
    let stream: String
    /// `$KV.<bucket>.`: the keys' subjects as stored, in filters and in delivered messages.
    let prefix: String
    /// Where writes are published: `prefix`, or `<apiPrefix>$KV.<bucket>.` through a domain or
    /// an API prefix (nats.go's `putPre`). Made once per bucket, so a put adds nothing.
    let writePrefix: String
    /// The store's watch pumps (see `NATSKeyValueStore.close`).
    let watches: TaskSet
    /// The stream's `allow_direct`, once `bind()` or `status()` has seen the stream.
    private let knownAllowDirect = Mutex<Bool?>(nil)
    /// The stream has been seen (bound, or it acknowledged a write): a write that then gets
    /// no reply timed out (a cluster electing a leader, a slow server), nothing to ask.
    private let streamSeen = Atomic<Bool>(false)

    init(js: JetStreamContext, name: String, watches: TaskSet) {
        self.js = js
        self.name = name
        self.watches = watches
        self.stream = StreamLayout.streamName(name)
        self.prefix = StreamLayout.subjectPrefix(name)
        self.writePrefix = js.usesPrefixedAPI ? js.apiPrefix + prefix : prefix
    }

    /// Asks STREAM.INFO that the bucket exists and is a KV bucket; returns (and keeps) its
    /// `allow_direct`.
    /// - Throws: `bucketNotFound`, `notKeyValueBucket`, `JetStreamError.notEnabled`.
    /// - Parameter timeout: the bound of the request; the context's when nil.
    @discardableResult
    func bind(timeout: Duration? = nil) async throws -> Bool {
        var js = self.js
        if let timeout { js.timeout = timeout }
        let info: StreamBrief
        do {
            info = try await js.streamBrief(stream)
        } catch let error as JetStreamError where error.errCode == .streamNotFound {
            throw KeyValueError.bucketNotFound(name)
        }
        return try remember(maxMsgsPerSubject: info.config.maxMsgsPerSubject, allowDirect: info.config.allowDirect)
    }

    private func remember(maxMsgsPerSubject: Int64?, allowDirect: Bool?) throws -> Bool {
        guard (maxMsgsPerSubject ?? 0) >= 1 else {
            throw KeyValueError.notKeyValueBucket(name)
        }
        let allowDirect = allowDirect ?? false
        knownAllowDirect.withLock { $0 = allowDirect }
        streamSeen.store(true, ordering: .relaxed)
        return allowDirect
    }

    /// Whether reads use direct get; the first read of an unbound handle binds it.
    private func allowDirect() async throws -> Bool {
        if let known = knownAllowDirect.withLock({ $0 }) { return known }
        return try await bind()
    }

    /// Through a domain or an API prefix, binds an unbound handle before its first write or
    /// read, as nats.go always does: there a missing stream is silence (the leaf node sees the
    /// domain's mapping as interest, so no 503 comes back) and the optimistic publish or direct
    /// get would wait for the whole timeout. Callers test `js.usesPrefixedAPI` first, so the
    /// default API pays one `Bool` test, not a call.
    private func bindIfPrefixed() async throws {
        guard knownAllowDirect.withLock({ $0 }) == nil else { return }
        try await bind()
    }

    func status() async throws -> BucketStatus {
        let info: StreamInfo
        do {
            info = try await js.streamInfo(stream)
        } catch let error as JetStreamError where error.errCode == .streamNotFound {
            throw KeyValueError.bucketNotFound(name)
        }
        // An unbound handle's first sight of the stream: the checks of `bind()`.
        if knownAllowDirect.withLock({ $0 }) == nil {
            _ = try remember(maxMsgsPerSubject: info.config.maxMsgsPerSubject, allowDirect: info.config.allowDirect)
        }
        return StreamLayout.status(info)
    }

    // MARK: Writes

    func put(_ key: String, _ value: [UInt8]) async throws -> UInt64 {
        try KeyNames.validateKey(key)
        return try await write(key, value, headers: nil)
    }

    func delete(_ key: String, revision: UInt64?) async throws -> UInt64 {
        try KeyNames.validateKey(key)
        var headers = NATSHeaders()
        headers.set(Header.operation, "DEL")
        if let revision { headers.set(Header.expectedLastSubjectSequence, String(revision)) }
        return try await write(key, [], headers: headers, expected: revision)
    }

    func purge(_ key: String, revision: UInt64?) async throws -> UInt64 {
        try KeyNames.validateKey(key)
        var headers = NATSHeaders()
        headers.set(Header.operation, "PURGE")
        headers.set(Header.rollup, "sub")
        if let revision { headers.set(Header.expectedLastSubjectSequence, String(revision)) }
        return try await write(key, [], headers: headers, expected: revision)
    }

    func putAll(_ items: [(key: String, value: [UInt8])]) async throws -> [UInt64] {
        for item in items { try KeyNames.validateKey(item.key) }
        let messages = items.map {
            JetStreamContext.Outgoing(subject: writePrefix + $0.key, payload: ByteBuffer(bytes: $0.value))
        }
        // Only the error messages need the largest size.
        func largest() -> Int { items.lazy.map(\.value.count).max() ?? 0 }
        if js.usesPrefixedAPI { try await bindIfPrefixed() }
        let acks: [PubAck]
        do {
            acks = try await js.publishPipelined(messages)
        } catch let error as JetStreamError {
            throw await mapWriteError(error, key: "", expected: nil, size: largest())
        } catch NATSError.payloadTooLarge(_, let max) {
            throw KeyValueError.valueTooLarge(size: largest(), limit: max)
        } catch let error as NATSError {
            guard case .timeout = error else { throw error }  // see `write`
            throw await missingBucket(otherwise: error)
        }
        if acks.contains(where: { $0.stream != stream }) { throw await missingBucket() }
        streamSeen.store(true, ordering: .relaxed)
        return acks.map(\.seq)
    }

    /// Publishes one entry; `expected` is the revision its headers require as the key's latest.
    func write(_ key: String, _ value: [UInt8], headers: NATSHeaders?,
                       expected: UInt64? = nil) async throws -> UInt64 {
        if js.usesPrefixedAPI { try await bindIfPrefixed() }
        let ack: PubAck
        do {
            ack = try await js.publish(writePrefix + key, headers: headers, payload: ByteBuffer(bytes: value))
        } catch let error as JetStreamError {
            throw await mapWriteError(error, key: key, expected: expected, size: value.count)
        } catch NATSError.payloadTooLarge(_, let max) {
            throw KeyValueError.valueTooLarge(size: value.count, limit: max)
        } catch let error as NATSError {
            // A plain subscriber on the subject (`nats sub '>'`) turns a missing bucket's 503
            // into silence: a timeout.
            guard case .timeout = error else { throw error }
            throw await missingBucket(otherwise: error)
        }
        // Only a stream that is not the bucket's can take its subject when the bucket is gone.
        guard ack.stream == stream else { throw await missingBucket() }
        streamSeen.store(true, ordering: .relaxed)
        return ack.seq
    }

    /// What `bucket(_:)` would have said of a write that reached no stream of this bucket:
    /// `bucketNotFound`, `notEnabled` without JetStream, or not a KV bucket; `otherwise` when
    /// the bucket is there. Costs a round trip, on this path only.
    ///
    /// A write that failed (`otherwise`: its timeout, or a 503) has had its time: the question
    /// is bounded by half the timeout, at most 1 s, and silence again leaves the write's own
    /// error, so a cluster electing a leader reads as the write's failure, not as STREAM.INFO's.
    /// A timeout of a stream seen already asks nothing: the write ends within `--timeout`.
    private func missingBucket(otherwise: (any Error)? = nil) async -> any Error {
        if let otherwise, case .timeout? = otherwise as? NATSError, streamSeen.load(ordering: .relaxed) {
            return otherwise
        }
        do {
            try await bind(timeout: otherwise == nil ? nil : min(js.timeout / 2, .seconds(1)))
        } catch let error as NATSError {
            return otherwise ?? error
        } catch {
            return error
        }
        return otherwise ?? KeyValueError.bucketNotFound(name)
    }

    private func mapWriteError(_ error: JetStreamError, key: String, expected: UInt64?, size: Int) async -> any Error {
        switch error {
        case .api(let e) where e.errCode == .wrongLastSequence || e.errCode == .wrongLastSequenceConstant:
            return KeyValueError.wrongLastRevision(bucket: name, key: key, expected: expected ?? 0,
                                                   actual: e.lastSequence)
        case .api(let e) where e.errCode == .messageExceedsMaximum:
            // The reply does not say the limit: report the bucket's max value size.
            let limit = (try? await js.streamInfo(stream))?.config.maxMsgSize.map(Int.init) ?? -1
            return KeyValueError.valueTooLarge(size: size, limit: limit)
        case .api(let e) where e.errCode == .streamStoreFailed:
            return KeyValueError.bucketFull(name)
        case .noStreamResponse:
            return await missingBucket(otherwise: error)
        default:
            return error
        }
    }

    // MARK: Reads

    func get(_ key: String, revision: UInt64?) async throws -> Entry {
        try KeyNames.validateKey(key)
        let entry: Entry?
        if let revision {
            // Revisions start at 1; the server answers 0 with "408 Empty Request".
            if revision == 0 { throw KeyValueError.keyNotFound(bucket: name, key: key) }
            let msg = try await readMessage(direct: { try await js.directGet(stream: stream, sequence: revision) },
                                            byAPI: { try await js.messageGet(stream: stream, sequence: revision) })
            entry = msg.flatMap { $0.subject == prefix + key ? makeEntry($0, delta: 0) : nil }
        } else {
            entry = try await latest(key)
        }
        guard let entry, entry.operation == .put else { throw KeyValueError.keyNotFound(bucket: name, key: key) }
        return entry
    }

    /// The newest entry of a key, markers included.
    func latest(_ key: String) async throws -> Entry? {
        let subject = prefix + key
        let msg = try await readMessage(direct: { try await js.directGetLast(stream: stream, subject: subject) },
                                        byAPI: { try await js.messageGet(stream: stream, lastBySubject: subject) })
        return msg.map { makeEntry($0, delta: 0) }
    }

    /// One stored message, by direct get where the stream allows it, else by STREAM.MSG.GET.
    ///
    /// A handle that has not seen the stream tries the direct get first, so a cold `kv get`
    /// is one round trip: a bucket with `allow_direct` answers it. A 503 (no stream, direct
    /// get off, JetStream off) or silence (a plain subscriber on `>` hears the request, so
    /// there is no 503: the timeout) is only then sorted out by STREAM.INFO (`bind()`), which
    /// throws what `bucket(_:)` would. The optimistic read does not mark the handle bound:
    /// history, keys and watches still check that the stream is a KV bucket.
    private func readMessage(direct: () async throws -> StoredMessage?,
                             byAPI: () async throws -> StoredMessage?) async throws -> StoredMessage? {
        do {
            if js.usesPrefixedAPI { try await bindIfPrefixed() }
            switch knownAllowDirect.withLock({ $0 }) {
            case true?:
                return try await direct()
            case false?:
                return try await byAPI()
            case nil:
                do {
                    return try await direct()
                } catch let error as JetStreamError where error.errCode == .streamNotFound {
                    return try await bind() ? direct() : byAPI()
                } catch let error as NATSError {
                    guard case .timeout = error else { throw error }
                    guard try await bind() else { return try await byAPI() }
                    throw error  // the stream takes direct gets: the server was slow
                }
            }
        } catch let error as JetStreamError where error.errCode == .streamNotFound {
            throw KeyValueError.bucketNotFound(name)
        }
    }

    func history(_ key: String) async throws -> [Entry] {
        try KeyNames.validateKey(key)
        var config = ConsumerConfig()
        config.deliverPolicy = "all"
        config.filterSubject = prefix + key
        _ = try await allowDirect()  // binds an unbound handle: the bucket must be a KV bucket
        let entries = try await collect(config, ignoreDeletes: false)
        if entries.isEmpty { throw KeyValueError.keyNotFound(bucket: name, key: key) }
        return entries
    }

    func keys(filters: [String]) async throws -> [String] {
        for f in filters { try KeyNames.validateFilter(f) }
        var config = ConsumerConfig()
        config.deliverPolicy = "last_per_subject"
        config.headersOnly = true
        let clientFilters = applyFilters(filters, to: &config)
        _ = try await allowDirect()  // as in history
        let entries = try await collect(config, ignoreDeletes: true)
        let keys = entries.map(\.key).filter { Self.matches(clientFilters, $0) }
        return Array(Set(keys)).sorted()
    }

    /// Reads what a consumer has to deliver at creation time, then stops.
    private func collect(_ config: ConsumerConfig, ignoreDeletes: Bool) async throws -> [Entry] {
        var entries: [Entry] = []
        var expected: UInt64 = 0
        var received: UInt64 = 0
        let consumer = OrderedConsumer(js: js, stream: stream, config: config)
        do {
            try await consumer.run { event in
                switch event {
                case .started(let pending):
                    expected = pending
                    return pending > 0
                case .message(let msg, let pending):
                    received += 1
                    let entry = makeEntry(msg, delta: pending)
                    if !ignoreDeletes || entry.operation == .put { entries.append(entry) }
                    return !(pending == 0 || received >= expected)
                }
            }
        } catch let error as JetStreamError where error.errCode == .streamNotFound {
            throw KeyValueError.bucketNotFound(name)
        }
        // A cancelled run ends early: its entries are not the whole answer.
        try Task.checkCancellation()
        return entries
    }

    // MARK: Decoding

    func operation(_ headers: NATSHeaders?) -> Operation {
        guard let headers else { return .put }
        switch headers[Header.operation] {
        case "DEL": return .delete
        case "PURGE": return .purge
        default: break
        }
        switch headers[Header.markerReason] {
        case "MaxAge", "Purge": return .purge
        case "Remove": return .delete
        default: return .put
        }
    }

    func makeEntry(_ msg: StoredMessage, delta: UInt64) -> Entry {
        Entry(bucket: name, key: String(msg.subject.dropFirst(prefix.count)),
              value: Array(msg.payload.readableBytesView), revision: msg.sequence,
              created: RFC3339.date(nanos: msg.timeNanos), delta: delta, operation: operation(msg.headers))
    }
}

/// Header names KV uses.
enum Header {
    static let operation = "KV-Operation"
    static let expectedLastSubjectSequence = "Nats-Expected-Last-Subject-Sequence"
    static let rollup = "Nats-Rollup"
    static let markerReason = "Nats-Marker-Reason"
    static let ttl = "Nats-TTL"
}

