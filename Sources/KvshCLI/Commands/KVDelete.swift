import ArgumentParser
import KeyValue
import Shell

struct KVDelete: KvshCommand {
    static let configuration = CommandConfiguration(
        commandName: "del", abstract: "Delete keys (keeps their history), or with no key the whole bucket",
        discussion: "With --filter it deletes every key with a value that a filter matches, after asking.",
        aliases: ["delete", "rm"])  // `rm` as in the nats CLI: `kv rm BUCKET` and `kv rm BUCKET KEY`
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name", completion: .bucket) var bucket: String
    @Argument(help: "Keys (none: the whole bucket)", completion: .key) var keys: [String] = []
    @Option(help: "Delete every key with a value matching this filter, e.g. 'tmp.>' (repeatable)",
            completion: .keyFilter)
    var filter: [String] = []
    @Option(help: "Only if this is the key's latest revision (one key only)") var revision: String?
    @Flag(name: .shortAndLong, help: "Delete a bucket or by --filter without asking (needed where kvsh cannot ask)")
    var force = false

    func run() async throws { try await runOneShot() }

    /// Returns the delete marker written (an entry with op `DEL` and an empty value) for one
    /// key, a list of the markers for several keys or `--filter`, or null when the whole bucket
    /// was removed. Deleting a bucket or by filter needs explicit intent (`confirm`).
    func execute(_ ctx: CommandExecution) async throws -> Value {
        try KeyNames.validateBucket(bucket)
        if !filter.isEmpty { return try await deleteMatching(ctx) }
        if keys.isEmpty {
            if revision != nil { throw ValidationError("--revision needs a key: it guards the deletion of one key") }
            try await ctx.confirm("Really delete bucket \(bucket) and all its keys?",
                                  consequence: "kv del \(bucket) with no key deletes the whole bucket and every key in it",
                                  force: force)
            try await ctx.backend().store.deleteBucket(bucket)
            return .null
        }
        // Every key is checked before the first one is deleted.
        for key in keys { try KeyNames.validateKey(key) }
        if revision != nil && keys.count > 1 {
            throw ValidationError("--revision guards the deletion of one key: give exactly one key with it")
        }
        let guardRevision = try revision.map(parseRevision)
        let markers = try await deleteEach(ctx, keys, revision: guardRevision, bucket: ctx.backend().store.lazyBucket(bucket))
        return keys.count == 1 ? markers[0] : .list(markers)
    }

    /// `--filter`: the keys with a value that match, deleted once the deletion is confirmed.
    private func deleteMatching(_ ctx: CommandExecution) async throws -> Value {
        if !keys.isEmpty {
            throw ValidationError("give keys or --filter, not both: --filter deletes every key it matches")
        }
        for f in filter { try KeyNames.validateFilter(f) }
        if revision != nil { throw ValidationError("--revision guards one key: it cannot be given with --filter") }
        let handle = try await ctx.backend().store.bucket(bucket)
        let matching = try await handle.keys(filters: filter)
        let filters = filter.map { "'\($0)'" }.joined(separator: " or ")
        if matching.isEmpty {
            ctx.note("No keys matching \(filters) in bucket \(bucket): nothing was deleted\n")
            return .list([])
        }
        let count = matching.count == 1 ? "1 key" : "\(matching.count) keys"
        try await ctx.confirm("Really delete \(count) matching \(filters) in bucket \(bucket)?",
                              consequence: "kv del \(bucket) --filter deletes \(count) matching \(filters)",
                              force: force)
        let markers = try await deleteEach(ctx, matching, revision: nil, bucket: handle)
        if !ctx.json { ctx.note("Deleted \(count) matching \(filters) in bucket \(bucket)\n") }
        return .list(markers)
    }

    /// Writes a delete marker for each key, in order; `--json` prints one object per key as it goes.
    private func deleteEach(_ ctx: CommandExecution, _ keys: [String], revision: UInt64?,
                            bucket handle: any KeyValueBucket) async throws -> [Value] {
        var markers: [Value] = []
        markers.reserveCapacity(keys.count)
        for key in keys {
            let rev = try await handle.delete(key, revision: revision)
            if ctx.json { printWritten(ctx, bucket, key, [], revision: rev) }
            markers.append(.written(bucket, key, [], revision: rev, operation: .delete))
        }
        return markers
    }
}
