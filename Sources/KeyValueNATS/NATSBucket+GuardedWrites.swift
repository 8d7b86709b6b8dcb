import KeyValue
import NATSWire

/// `create` and `update`: writes guarded by the key's last revision
/// (`Nats-Expected-Last-Subject-Sequence`), with an optional per-key TTL.
extension NATSBucket {
    /// ADR-43's `Nats-TTL`: whole seconds (rounded up, at least 1) with Go's unit.
    static func ttlText(_ ttl: Duration) -> String {
        let (seconds, atto) = ttl.components
        return "\(max(1, atto > 0 ? seconds + 1 : seconds))s"
    }

    func create(_ key: String, _ value: [UInt8]) async throws -> UInt64 {
        try await create(key, value, ttl: nil)
    }

    func create(_ key: String, _ value: [UInt8], ttl: Duration?) async throws -> UInt64 {
        try KeyNames.validateKey(key)
        var headers = NATSHeaders()
        headers.set(Header.expectedLastSubjectSequence, "0")
        if let ttl { headers.set(Header.ttl, Self.ttlText(ttl)) }
        do {
            return try await write(key, value, headers: headers, expected: 0)
        } catch let error as KeyValueError {
            guard case .wrongLastRevision(_, _, _, let actual) = error else { throw error }
            // A delete or purge marker as the latest entry still counts as "absent"; so does
            // no entry at all, when the one that blocked the first try expired (TTL) since.
            let latest = try await latest(key)
            if let latest, latest.operation == .put {
                throw KeyValueError.keyExists(bucket: name, key: key, lastRevision: actual ?? latest.revision)
            }
            let expected = latest?.revision ?? 0
            headers.set(Header.expectedLastSubjectSequence, String(expected))
            do {
                return try await write(key, value, headers: headers, expected: expected)
            } catch KeyValueError.wrongLastRevision(_, _, _, let now) {
                // A replicated stream's reply does not say the revision: read it.
                let revision: UInt64
                if let now { revision = now } else { revision = try await self.latest(key)?.revision ?? 0 }
                throw KeyValueError.keyExists(bucket: name, key: key, lastRevision: revision)
            }
        }
    }

    func update(_ key: String, _ value: [UInt8], revision: UInt64) async throws -> UInt64 {
        try await update(key, value, revision: revision, ttl: nil)
    }

    func update(_ key: String, _ value: [UInt8], revision: UInt64, ttl: Duration?) async throws -> UInt64 {
        try KeyNames.validateKey(key)
        var headers = NATSHeaders()
        headers.set(Header.expectedLastSubjectSequence, String(revision))
        if let ttl { headers.set(Header.ttl, Self.ttlText(ttl)) }
        return try await write(key, value, headers: headers, expected: revision)
    }
}
