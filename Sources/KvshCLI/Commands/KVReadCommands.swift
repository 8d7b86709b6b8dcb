#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ArgumentParser
import KeyValue
import Shell

struct KVGet: KvshCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a key's value")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name", completion: .bucket) var bucket: String
    @Argument(help: "Key", completion: .key) var key: String
    @Option(help: "Show this revision instead of the latest") var revision: String?
    @Flag(help: "Print only the value's bytes") var raw = false
    @Option(name: .customLong("default"),
            help: ArgumentHelp("Show this value when the key (or --revision) holds none; the bucket must exist",
                               valueName: "value"))
    var defaultValue: String?

    func run() async throws { try await runOneShot() }

    /// Returns the entry. With `--default`, a key without a value (never written, deleted,
    /// purged; with `--revision`, a revision that is not a value of this key) gives
    /// `Entry.standIn` holding the default; a missing bucket and every other error still throw.
    func execute(_ ctx: CommandExecution) async throws -> Value {
        try KeyNames.validateBucket(bucket)
        try KeyNames.validateKey(key)
        let rev = try revision.map(parseRevision)
        let entry: Entry
        do {
            entry = try await ctx.backend().store.lazyBucket(bucket).get(key, revision: rev)
        } catch KeyValueError.keyNotFound(let b, let k) {
            guard let defaultValue else { throw KeyValueError.keyNotFound(bucket: b, key: k) }
            entry = .standIn(bucket: bucket, key: key, value: Array(defaultValue.utf8))
        }
        if raw {
            ctx.writeBytes(entry.value)
        } else if ctx.json {
            ctx.write(jsonEntry(entry) + "\n")
        } else {
            ctx.write(renderGet(entry))
        }
        return .entry(entry)
    }
}

extension Entry {
    /// What `kv get --default` shows for a key without a value: the default as a put at
    /// revision 0 (no real entry has it: revisions start at 1), created at the Unix epoch.
    static func standIn(bucket: String, key: String, value: [UInt8]) -> Entry {
        Entry(bucket: bucket, key: key, value: value, revision: 0, created: Date(timeIntervalSince1970: 0),
              delta: 0, operation: .put)
    }
}

struct KVHistory: KvshCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show every kept revision of a key")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name", completion: .bucket) var bucket: String
    @Argument(help: "Key", completion: .key) var key: String

    func run() async throws { try await runOneShot() }

    /// Returns the entries, oldest first.
    func execute(_ ctx: CommandExecution) async throws -> Value {
        try KeyNames.validateBucket(bucket)
        try KeyNames.validateKey(key)
        let entries = try await ctx.backend().store.bucket(bucket).history(key)
        ctx.write(ctx.json ? jsonHistory(entries) + "\n" : renderHistory(bucket: bucket, key: key, entries: entries))
        return .list(entries.map(Value.entry))
    }
}

struct KVKeys: KvshCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "List keys that have a value")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name", completion: .bucket) var bucket: String
    @Argument(help: "Key filters such as 'orders.*' or 'orders.>'", completion: .keyFilter) var filters: [String] = []

    func run() async throws { try await runOneShot() }

    /// Returns the keys, sorted, as a list of strings.
    func execute(_ ctx: CommandExecution) async throws -> Value {
        try KeyNames.validateBucket(bucket)
        for f in filters { try KeyNames.validateFilter(f) }
        let keys = try await ctx.backend().store.bucket(bucket).keys(filters: filters)
        printKeys(ctx, keys)
        return .list(keys.map(Value.string))
    }
}

func printKeys(_ ctx: CommandExecution, _ keys: [String]) {
    if ctx.json {
        ctx.write(jsonKeys(keys) + "\n")
    } else if keys.isEmpty {
        ctx.note("No keys found in bucket\n")
    } else {
        ctx.write(keys.map { ValueText.escapingControls($0) + "\n" }.joined())
    }
}

struct KVList: KvshCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List buckets, or the keys of one bucket", aliases: ["list"])
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name (lists its keys)", completion: .bucket) var bucket: String?
    @Argument(help: "Key filter", completion: .keyFilter) var filter: String?
    @Flag(name: [.customShort("n"), .long], help: "Bucket names only") var names = false

    func run() async throws { try await runOneShot() }

    /// Returns the keys of BUCKET (strings); without a bucket, the buckets' status records, or
    /// their names (strings) with `--names`.
    func execute(_ ctx: CommandExecution) async throws -> Value {
        if let bucket {
            try KeyNames.validateBucket(bucket)
            let filters = filter.map { [$0] } ?? []
            for f in filters { try KeyNames.validateFilter(f) }
            let keys = try await ctx.backend().store.bucket(bucket).keys(filters: filters)
            printKeys(ctx, keys)
            return .list(keys.map(Value.string))
        }
        let statuses = try await ctx.backend().store.bucketStatuses()
        if ctx.json {
            ctx.write(JSONValue.array(statuses.map(statusJSON)).serialized + "\n")
        } else if names {
            ctx.write(statuses.map { $0.bucket + "\n" }.joined())
        } else if statuses.isEmpty {
            ctx.note("No Key-Value buckets found\n")
        } else {
            ctx.write(renderBucketList(statuses, now: .now))
        }
        return .list(names ? statuses.map { .string($0.bucket) } : statuses.map(Value.status))
    }
}

struct KVStatus: KvshCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a bucket's settings and size", aliases: ["info", "view"])
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name", completion: .bucket) var bucket: String

    func run() async throws { try await runOneShot() }

    /// Returns the status record (the fields of `kv status --json`).
    func execute(_ ctx: CommandExecution) async throws -> Value {
        try KeyNames.validateBucket(bucket)
        let status = try await ctx.backend().store.bucket(bucket).status()
        ctx.write(ctx.json ? jsonStatus(status) + "\n" : renderStatus(status))
        return .status(status)
    }
}
