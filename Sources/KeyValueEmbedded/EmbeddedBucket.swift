import KeyValue

/// One bucket of an embedded store, bound by name (as a JetStream bucket is bound to its
/// stream): deleting and re-creating the bucket under the same name keeps handles working.
final class EmbeddedBucket: KeyValueBucket {
    let store: EmbeddedKeyValueStore
    let name: String

    init(store: EmbeddedKeyValueStore, name: String) {
        self.store = store
        self.name = name
    }

    func status() async throws -> BucketStatus {
        let name = self.name
        return try await store.write { c in
            var row = try c.requireBucket(name)
            try c.reclaimExpired(&row, now: wallClockNanos())
            return EmbeddedKeyValueStore.status(row)
        }
    }

    // MARK: Writes

    private func write(_ key: String, _ op: Operation, _ value: [UInt8], _ check: WriteGuard) async throws -> UInt64 {
        try KeyNames.validateKey(key)
        let name = self.name
        return try await store.write { c in
            var row = try c.requireBucket(name)
            let now = wallClockNanos()
            try c.beginWrites(&row, now: now)
            return try c.writeEntry(&row, key: key, op: op, value: value, guard: check, now: now)
        }
    }

    func put(_ key: String, _ value: [UInt8]) async throws -> UInt64 { try await write(key, .put, value, .none) }

    func create(_ key: String, _ value: [UInt8]) async throws -> UInt64 { try await write(key, .put, value, .absent) }

    func update(_ key: String, _ value: [UInt8], revision: UInt64) async throws -> UInt64 {
        try await write(key, .put, value, .revision(revision))
    }

    func delete(_ key: String, revision: UInt64?) async throws -> UInt64 {
        try await write(key, .delete, [], revision.map { .revision($0) } ?? .none)
    }

    func purge(_ key: String, revision: UInt64?) async throws -> UInt64 {
        try await write(key, .purge, [], revision.map { .revision($0) } ?? .none)
    }

    /// One transaction for the whole batch (one disk sync): all are stored or, on an error,
    /// none.
    func putAll(_ items: [(key: String, value: [UInt8])]) async throws -> [UInt64] {
        for item in items { try KeyNames.validateKey(item.key) }
        let name = self.name
        let pairs = items.map { Pair(key: $0.key, value: $0.value) }
        return try await store.write { c in
            var row = try c.requireBucket(name)
            let now = wallClockNanos()
            try c.beginWrites(&row, now: now)
            return try pairs.map { try c.writeEntry(&row, key: $0.key, op: .put, value: $0.value, guard: .none, now: now) }
        }
    }

    private struct Pair: Sendable {
        var key: String
        var value: [UInt8]
    }

    // MARK: Reads

    func get(_ key: String, revision: UInt64?) async throws -> Entry {
        try KeyNames.validateKey(key)
        let name = self.name
        let found = try await store.read { c -> StoredEntry? in
            let row = try c.requireBucket(name)
            let now = wallClockNanos()
            guard let revision else { return try c.latest(row, key: key, now: now) }
            return try c.entry(row, seq: revision, now: now).flatMap { $0.key == key ? $0 : nil }
        }
        guard let found, found.op == .put else { throw KeyValueError.keyNotFound(bucket: name, key: key) }
        return entry(found, delta: 0)
    }

    func history(_ key: String) async throws -> [Entry] {
        try KeyNames.validateKey(key)
        let name = self.name
        let stored = try await store.read { c in try c.history(try c.requireBucket(name), key: key, now: wallClockNanos()) }
        if stored.isEmpty { throw KeyValueError.keyNotFound(bucket: name, key: key) }
        return stored.enumerated().map { entry($1, delta: UInt64(stored.count - 1 - $0)) }
    }

    func keys(filters: [String]) async throws -> [String] {
        for f in filters { try KeyNames.validateFilter(f) }
        let name = self.name
        let keys = try await store.read { c in try c.liveKeys(try c.requireBucket(name), now: wallClockNanos()) }
        return keys.filter { Self.matches(filters, $0) }
    }

    func watch(filters: [String], options: WatchOptions) async throws -> KeyWatch {
        for f in filters { try KeyNames.validateFilter(f) }
        let name = self.name
        // The initial entries and the revision they end at come from one read snapshot, so
        // the live part starts exactly after them.
        let (initial, snapshot, bucketID) = try await store.read { c in
            let row = try c.requireBucket(name)
            let now = wallClockNanos()
            let entries: [StoredEntry]
            if let from = options.fromRevision {
                entries = try c.entries(row, from: from, through: row.lastSeq, limit: Int(Int32.max), now: now)
            } else if options.updatesOnly {
                entries = []
            } else if options.includeHistory {
                entries = try c.entries(row, from: 1, through: row.lastSeq, limit: Int(Int32.max), now: now)
            } else {
                entries = try c.latestPerKey(row, now: now)
            }
            return (entries, row.lastSeq, row.id)
        }
        let store = self.store
        store.notifier.listen()
        // The pump is the store's: its close cancels it and waits for it.
        let watch = KeyWatch.pumped(by: store.watches) { queue in
            do {
                var events = self.events(initial, filters: filters, options: options)
                events.append(.initialValuesDone)
                guard await queue.send(contentsOf: events) else { return }
                // A start past the end waits for that revision, as a consumer does.
                var last = max(snapshot, max(1, options.fromRevision ?? 1) - 1)
                while !Task.isCancelled {
                    let seen = store.notifier.generation
                    let after = last
                    let page = try await store.read { c -> [StoredEntry] in
                        guard let row = try c.bucket(named: name), row.id == bucketID else {
                            throw KeyValueError.bucketNotFound(name)
                        }
                        return try c.changes(row, after: after, limit: 256, now: wallClockNanos())
                    }
                    guard let newest = page.last else {
                        await store.notifier.wait(beyond: seen)
                        continue
                    }
                    last = newest.seq
                    let events = self.events(page, filters: filters, options: options)
                    guard await queue.send(contentsOf: events) else { return }
                }
                queue.finish()
            } catch {
                queue.finish(throwing: error)
            }
        }
        guard let watch else { throw KeyValueError.backend("store \(store.path) is closed") }
        return watch
    }

    /// Entries matching the filters as watch events; `delta` counts the matching entries
    /// after each one (markers included, as the server counts them).
    private func events(_ stored: [StoredEntry], filters: [String], options: WatchOptions) -> [WatchEvent] {
        let matching = stored.filter { Self.matches(filters, $0.key) }
        var events: [WatchEvent] = []
        events.reserveCapacity(matching.count + 1)
        for (i, s) in matching.enumerated() where !(options.ignoreDeletes && s.op != .put) {
            var e = entry(s, delta: UInt64(matching.count - 1 - i))
            if options.metaOnly { e.value = [] }
            events.append(.entry(e))
        }
        return events
    }

    private func entry(_ s: StoredEntry, delta: UInt64) -> Entry {
        Entry(bucket: name, key: s.key, value: s.value, revision: s.seq, created: date(s.createdNanos), delta: delta,
              operation: s.op)
    }

    static func matches(_ filters: [String], _ key: String) -> Bool {
        filters.isEmpty || filters.contains { KeyNames.matches($0, key) }
    }
}
