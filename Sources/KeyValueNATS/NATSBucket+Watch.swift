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

/// `watch`: an ordered consumer on the bucket's stream, its filters and where it starts.
extension NATSBucket {
    func watch(filters: [String], options: WatchOptions) async throws -> KeyWatch {
        for f in filters { try KeyNames.validateFilter(f) }
        // Bind (again: the bucket may have gone since) so a missing bucket fails here rather
        // than inside the stream.
        try await bind()
        var config = ConsumerConfig()
        if let from = options.fromRevision {
            config.deliverPolicy = "by_start_sequence"
            config.optStartSeq = from
        } else if options.updatesOnly {
            config.deliverPolicy = "new"
        } else {
            config.deliverPolicy = options.includeHistory ? "all" : "last_per_subject"
        }
        if options.metaOnly { config.headersOnly = true }
        let clientFilters = applyFilters(filters, to: &config)
        let consumer = OrderedConsumer(js: js, stream: stream, config: config)
        let updatesOnly = options.updatesOnly
        let ignoreDeletes = options.ignoreDeletes
        // The pump is the store's: its close cancels it and waits for the consumer's delete.
        let watch = KeyWatch.pumped(by: watches, on: js.connection.executor) { queue in
            var initialDone = false
            var received: UInt64 = 0
            var initialPending: UInt64 = 0
            do {
                // One batch of consumer events becomes one send: the reader wakes once per burst.
                var out: [WatchEvent] = []
                try await consumer.runBatched { events in
                    out.removeAll(keepingCapacity: true)
                    for event in events {
                        switch event {
                        case .started(let pending):
                            initialPending = pending
                            if updatesOnly || pending == 0 {
                                initialDone = true
                                out.append(.initialValuesDone)
                            }
                        case .message(let msg, let pending):
                            received += 1
                            let entry = self.makeEntry(msg, delta: pending)
                            if !(ignoreDeletes && entry.operation != .put), Self.matches(clientFilters, entry.key) {
                                out.append(.entry(entry))
                            }
                            if !initialDone && (received >= initialPending || pending == 0) {
                                initialDone = true
                                out.append(.initialValuesDone)
                            }
                        }
                    }
                    return await queue.send(contentsOf: out)
                }
                queue.finish()
            } catch let error as JetStreamError where error.errCode == .streamNotFound {
                queue.finish(throwing: KeyValueError.bucketNotFound(self.name))
            } catch {
                queue.finish(throwing: error)
            }
        }
        guard let watch else { throw NATSError.connectionClosed }
        return watch
    }

    /// Sets the consumer's filter subjects. Returns filters to apply here instead when the
    /// server predates multi-filter consumers (2.10); nil when the server filters.
    @discardableResult
    func applyFilters(_ filters: [String], to config: inout ConsumerConfig) -> [String]? {
        // The server refuses filter lists where one filter contains another (`overlappingFilterSubjects`), so keep
        // one of each and drop those another filter already covers; the union is the same.
        var unique: [String] = []
        for f in filters where !unique.contains(f) { unique.append(f) }
        let kept = unique.filter { f in !unique.contains { $0 != f && Self.covers($0, f) } }
        let subjects = kept.contains(">") || kept.isEmpty ? [prefix + ">"] : kept.map { prefix + $0 }
        if subjects.count == 1 {
            config.filterSubject = subjects[0]
            return nil
        }
        if Self.serverHasMultiFilter(js.connection.serverInfo.version) {
            config.filterSubjects = subjects
            return nil
        }
        config.filterSubject = prefix + ">"
        return kept
    }

    static func matches(_ filters: [String]?, _ key: String) -> Bool {
        guard let filters else { return true }
        return filters.contains { KeyNames.matches($0, key) }
    }

    /// `filter_subjects` arrived in nats-server 2.10.
    static func serverHasMultiFilter(_ version: String) -> Bool {
        let parts = version.split(separator: ".").prefix(2).map { Int($0.prefix { $0.isNumber }) ?? 0 }
        guard parts.count == 2 else { return true }
        return parts[0] > 2 || (parts[0] == 2 && parts[1] >= 10)
    }

    /// True when every key `specific` matches is also matched by `general` (both filters).
    static func covers(_ general: String, _ specific: String) -> Bool {
        let g = general.split(separator: ".", omittingEmptySubsequences: false)
        let s = specific.split(separator: ".", omittingEmptySubsequences: false)
        for (i, token) in g.enumerated() {
            if token == ">" { return s.count > i }
            guard i < s.count, s[i] != ">" else { return false }
            if token != "*" && (s[i] == "*" || s[i] != token) { return false }
        }
        return g.count == s.count
    }
}
