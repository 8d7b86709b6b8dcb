import NATSClient
import NATSWire
import NIOConcurrencyHelpers
import NIOCore

/// An ordered push consumer (ADR-17): delivers a stream's messages in sequence order
/// with no gaps and no duplicates. It re-creates its ephemeral consumer from the last
/// sequence seen after a gap, a missed heartbeat or a reconnect, and answers flow
/// control only once earlier messages were handed on, so a slow sink paces the server.
public struct OrderedConsumer: Sendable {
    public enum Event: Sendable {
        /// Sent once, when the first consumer exists: how many messages it had to deliver.
        case started(pending: UInt64)
        /// A stream message; `pending` is how many more the consumer had queued.
        case message(StoredMessage, pending: UInt64)
    }

    public let js: JetStreamContext
    public let stream: String
    public let config: ConsumerConfig
    public var heartbeat: Duration = .seconds(5)
    /// How far the delivery subscription may run ahead of the sink before the run ends
    /// with `JetStreamError.slowConsumer`. Flow control keeps a consumer far below the default.
    public var pendingLimits: PendingLimits = .standard

    /// `config` sets filters, deliver policy and headers-only; delivery fields are managed here.
    public init(js: JetStreamContext, stream: String, config: ConsumerConfig) {
        self.js = js
        self.stream = stream
        self.config = config
    }

    /// Runs until `sink` returns false or the task is cancelled.
    /// - Throws: when the stream is gone or the connection closed for good.
    public func run(_ sink: (Event) async -> Bool) async throws {
        try await runBatched { events in
            for event in events {
                guard await sink(event) else { return false }
            }
            return true
        }
    }

    /// Like `run`, but hands on the events in batches, in order: all the messages that
    /// arrived together, up to the next flow-control request. A sink that passes each
    /// batch on at once (one wake-up of its reader per batch) keeps up with bursts.
    public func runBatched(_ sink: ([Event]) async -> Bool) async throws {
        let connection = js.connection
        let current = NIOLockedValueBox<Subscription?>(nil)
        let observer = connection.addEventObserver { event in
            // After a reconnect the old consumer may be gone: start a fresh one at once
            // instead of waiting for two missed heartbeats.
            if case .reconnected = event { current.withLockedValue { $0 }?.unsubscribe() }
        }
        defer { connection.removeEventObserver(observer) }

        var lastStreamSeq: UInt64 = 0
        var started = false
        // Whether a new consumer may resume at `lastStreamSeq + 1`. False only while an
        // initial last-per-subject set is undelivered (resuming by sequence would replay
        // every older revision); re-running the original policy is right then.
        var resumable = false
        var failures = 0
        while !Task.isCancelled {
            let inbox = connection.newInbox()
            let sub = try connection.subscribe(inbox, pendingLimits: pendingLimits)
            current.withLockedValue { $0 = sub }
            var cfg = config
            cfg.name = NUID.random(8)
            cfg.deliverSubject = inbox
            cfg.ackPolicy = "none"
            cfg.maxDeliver = 1
            cfg.ackWait = 22 * 3600 * 1_000_000_000
            cfg.flowControl = true
            cfg.idleHeartbeat = heartbeat.nanoseconds
            cfg.memStorage = true
            cfg.numReplicas = 1
            cfg.inactiveThreshold = 5 * 60 * 1_000_000_000
            if started && resumable {
                cfg.deliverPolicy = "by_start_sequence"
                cfg.optStartSeq = try Self.sequence(after: lastStreamSeq)
            }
            let info: ConsumerInfo
            do {
                info = try await js.createConsumer(stream: stream, config: cfg)
                failures = 0
            } catch is CancellationError {
                sub.unsubscribe()
                return
            } catch {
                sub.unsubscribe()
                // The first consumer's failure is the caller's (a bad filter, a missing stream);
                // re-creations retry only while the failure looks temporary (ADR-17).
                guard started, Self.isTransient(error) else { throw error }
                failures += 1
                try? await Task.sleep(for: .milliseconds(min(100 * failures, 2000)))
                continue
            }
            if !started {
                started = true
                if cfg.deliverPolicy == "new" { lastStreamSeq = info.delivered.streamSeq }
                if cfg.deliverPolicy == "by_start_sequence", let s = cfg.optStartSeq, s > 0 {
                    lastStreamSeq = s - 1
                }
                let pending = try Self.initialPending(info)
                resumable = pending == 0 || (cfg.deliverPolicy != "last_per_subject" && cfg.deliverPolicy != "last")
                guard await sink([.started(pending: pending)]) else {
                    await cleanup(sub, info.name)
                    return
                }
            }
            var expected: UInt64 = 1
            var stop = false
            var batches = sub.batches()
            var events: [Event] = []
            do {
                try await withWatchdog(on: sub) {
                    loop: while let batch = try await batches.next() {
                        for msg in batch {
                            if let status = msg.headers?.status {
                                guard status == 100 else { continue }
                                // Flow control: answer only once the messages before it were handed
                                // on, so a slow sink holds the server back.
                                if let reply = msg.replyTo {
                                    guard await Self.deliver(&events, to: sink) else { stop = true; break loop }
                                    try? connection.publish(reply, payload: ByteBuffer())
                                } else if let headers = msg.headers {
                                    if let stalled = headers["Nats-Consumer-Stalled"] {
                                        guard await Self.deliver(&events, to: sink) else { stop = true; break loop }
                                        try? connection.publish(stalled, payload: ByteBuffer())
                                    }
                                    if let last = headers["Nats-Last-Consumer"].flatMap(UInt64.init), last != expected - 1 {
                                        break loop
                                    }
                                }
                                continue
                            }
                            guard let reply = msg.replyTo, let meta = AckMetadata(reply) else { continue }
                            if meta.consumerSeq != expected { break loop }
                            expected += 1
                            lastStreamSeq = meta.streamSeq
                            resumable = true
                            let stored = StoredMessage(subject: msg.subject, sequence: meta.streamSeq,
                                                       timeNanos: meta.timestampNanos, headers: msg.headers,
                                                       payload: msg.payload)
                            events.append(.message(stored, pending: meta.pending))
                        }
                        guard await Self.deliver(&events, to: sink) else { stop = true; break loop }
                    }
                    // A gap or an ended subscription: what arrived in order before it still counts.
                    if !stop, !(await Self.deliver(&events, to: sink)) { stop = true }
                }
            } catch {
                await cleanup(sub, info.name)
                if case NATSError.slowConsumer(_, let limits) = error {
                    throw JetStreamError.slowConsumer(stream: stream, limits: limits)
                }
                throw error
            }
            await cleanup(sub, info.name)
            if stop { return }
        }
    }

    /// Where a new consumer resumes after `sequence`, the last one delivered.
    /// - Throws: `JetStreamError.invalidResponse` when `sequence` is the largest there is.
    static func sequence(after sequence: UInt64) throws(JetStreamError) -> UInt64 {
        let (next, overflow) = sequence.addingReportingOverflow(1)
        if overflow { throw .invalidResponse("stream sequence \(sequence) is the largest possible; nothing can follow it") }
        return next
    }

    /// How many messages the first consumer had to deliver: those pending plus those it
    /// delivered already.
    /// - Throws: `JetStreamError.invalidResponse` when the two overflow 64 bits.
    static func initialPending(_ info: ConsumerInfo) throws(JetStreamError) -> UInt64 {
        let (sum, overflow) = info.numPending.addingReportingOverflow(info.delivered.consumerSeq)
        if overflow {
            throw .invalidResponse("consumer \(info.name) reports \(info.numPending) pending after "
                                   + "\(info.delivered.consumerSeq) delivered, more than there can be")
        }
        return sum
    }

    /// Hands `events` to `sink` (if any) and empties it. Returns false when the sink stops.
    private static func deliver(_ events: inout [Event], to sink: ([Event]) async -> Bool) async -> Bool {
        guard !events.isEmpty else { return true }
        defer { events.removeAll(keepingCapacity: true) }
        return await sink(events)
    }

    /// Failures a later attempt can get past: timeouts, JetStream not (yet) answering,
    /// cluster not available, insufficient resources.
    static func isTransient(_ error: any Error) -> Bool {
        switch error {
        case let e as NATSError:
            switch e {
            case .timeout, .noResponders, .reconnectBufferFull, .notConnected: return true
            default: return false
            }
        case let e as JetStreamError:
            if e == .notEnabled { return true }
            if case .noAPI = e { return true }
            return e.errCode == .clusterNotAvailable || e.errCode == .insufficientResources
        default:
            return false
        }
    }

    /// Unsubscribes and deletes the consumer (the server would drop it after its
    /// `inactiveThreshold` anyway). Awaited, in a task of its own so that a cancelled run still
    /// sends it; bounded by the context's timeout, and skipped while the connection is down.
    private func cleanup(_ sub: Subscription, _ consumer: String) async {
        sub.unsubscribe()
        guard js.connection.isConnected else { return }
        let js = self.js
        let stream = self.stream
        await Task { try? await js.deleteConsumer(stream: stream, name: consumer) }.value
    }

    /// Runs `body` with a watchdog beside it, as a child task that is cancelled and awaited
    /// when `body` ends: it ends `sub` when nothing (not even a heartbeat) arrived for 2
    /// heartbeats, so the run re-creates the consumer.
    private func withWatchdog(on sub: Subscription, _ body: () async throws -> Void) async throws {
        let connection = js.connection
        let interval = heartbeat
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { return }
                    guard connection.isConnected, let last = connection.lastActivity(sid: sub.sid) else { continue }
                    if NIODeadline.now() - last > .nanoseconds(2 * interval.nanoseconds) {
                        sub.unsubscribe()
                        return
                    }
                }
            }
            defer { group.cancelAll() }
            try await body()
        }
    }
}

private let ackPrefix = Array("$JS.ACK.".utf8)

/// Sequence numbers carried in a JetStream ack subject (v1 and v2 forms).
struct AckMetadata {
    var streamSeq: UInt64
    var consumerSeq: UInt64
    var timestampNanos: Int64
    var pending: UInt64

    init?(_ subject: String) {
        // Token counts tell the form apart: v1 has 9 tokens, v2 11 or 12. The five numbers
        // needed start at token 4 (v1) or 6 (v2); read them without splitting the string.
        var text = subject
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = parsed
    }

    private init(streamSeq: UInt64, consumerSeq: UInt64, timestampNanos: Int64, pending: UInt64) {
        self.streamSeq = streamSeq
        self.consumerSeq = consumerSeq
        self.timestampNanos = timestampNanos
        self.pending = pending
    }

    private static func parse(_ b: UnsafeBufferPointer<UInt8>) -> AckMetadata? {
        guard b.count > ackPrefix.count, b.starts(with: ackPrefix) else { return nil }
        var dots = 0
        for c in b where c == UInt8(ascii: ".") { dots += 1 }
        let tokens = dots + 1
        guard tokens == 9 || tokens >= 11 else { return nil }
        let first = tokens == 9 ? 5 : 7 // index of the stream sequence token
        var numbers: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var token = 0
        var i = 0
        while i < b.count && token < first + 4 {
            if token >= first {
                var n: UInt64 = 0
                var digits = 0
                while i < b.count, b[i] != UInt8(ascii: ".") {
                    guard b[i] >= 0x30, b[i] <= 0x39, digits < 20 else { return nil }
                    let (m, o1) = n.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(UInt64(b[i] - 0x30))
                    guard !o1, !o2 else { return nil }
                    n = a
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                switch token - first {
                case 0: numbers.0 = n
                case 1: numbers.1 = n
                case 2: numbers.2 = n
                default: numbers.3 = n
                }
            } else {
                while i < b.count, b[i] != UInt8(ascii: ".") { i += 1 }
            }
            i += 1
            token += 1
        }
        guard token == first + 4, numbers.2 <= UInt64(Int64.max) else { return nil }
        return AckMetadata(streamSeq: numbers.0, consumerSeq: numbers.1, timestampNanos: Int64(numbers.2),
                           pending: numbers.3)
    }
}
