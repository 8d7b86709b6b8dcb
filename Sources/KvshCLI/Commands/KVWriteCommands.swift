import ArgumentParser
import KeyValue
import Shell

/// `BUCKET KEY [VALUE]` of `put` and `create`, and how they write it.
struct ValueWriteArguments {
    var bucket: String
    var key: String
    var value: String?

    /// Validates, stores with `store`, prints what natscli prints, and returns the entry
    /// written (see `Value.written`).
    func write(_ ctx: CommandExecution,
               _ store: (any KeyValueBucket, String, [UInt8]) async throws -> UInt64) async throws -> Value {
        try KeyNames.validateBucket(bucket)
        try KeyNames.validateKey(key)
        let bytes = try ctx.valueBytes(value)
        // Unbound: a write's publish finds out itself whether the bucket exists (one round trip).
        let rev = try await store(ctx.backend().store.lazyBucket(bucket), key, bytes)
        printWritten(ctx, bucket, key, bytes, revision: rev)
        return .written(bucket, key, bytes, revision: rev)
    }
}

struct KVPut: KvshCommand {
    static let configuration = CommandConfiguration(commandName: "put", abstract: "Store a value, whatever the key holds")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name", completion: .bucket) var bucket: String
    @Argument(help: "Key", completion: .key) var key: String
    @Argument(help: "Value (read from stdin when left out)") var value: String?

    var arguments: ValueWriteArguments { ValueWriteArguments(bucket: bucket, key: key, value: value) }

    func run() async throws { try await runOneShot() }

    func execute(_ ctx: CommandExecution) async throws -> Value {
        try await arguments.write(ctx) { bucket, key, bytes in try await bucket.put(key, bytes) }
    }
}

struct KVCreate: KvshCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Store a value only if the key has none (a lock)")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name", completion: .bucket) var bucket: String
    @Argument(help: "Key", completion: .key) var key: String
    @Argument(help: "Value (read from stdin when left out)") var value: String?

    var arguments: ValueWriteArguments { ValueWriteArguments(bucket: bucket, key: key, value: value) }

    func run() async throws { try await runOneShot() }

    func execute(_ ctx: CommandExecution) async throws -> Value {
        try await arguments.write(ctx) { bucket, key, bytes in try await bucket.create(key, bytes) }
    }
}

struct KVUpdate: KvshCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Store a value only if REVISION is the key's latest (compare-and-swap)",
        discussion: "With three arguments the value is read from stdin: kv update BUCKET KEY REVISION < file")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name", completion: .bucket) var bucket: String
    @Argument(help: "Key", completion: .key) var key: String
    @Argument(help: "VALUE REVISION, or REVISION alone with the value on stdin") var rest: [String] = []

    func run() async throws { try await runOneShot() }

    /// Returns the entry written.
    func execute(_ ctx: CommandExecution) async throws -> Value {
        try KeyNames.validateBucket(bucket)
        try KeyNames.validateKey(key)
        let value: String?
        let revisionText: String
        switch rest.count {
        case 2: (value, revisionText) = (rest[0], rest[1])
        case 1: (value, revisionText) = (nil, rest[0])
        default: throw ValidationError("expected VALUE and REVISION after the key")
        }
        let revision = try parseRevision(revisionText)
        let bytes = try ctx.valueBytes(value)
        let rev = try await ctx.backend().store.lazyBucket(bucket).update(key, bytes, revision: revision)
        printWritten(ctx, bucket, key, bytes, revision: rev)
        return .written(bucket, key, bytes, revision: rev)
    }
}

struct KVPurge: KvshCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge", abstract: "Remove every revision of a key, leaving a purge marker")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name", completion: .bucket) var bucket: String
    @Argument(help: "Key", completion: .key) var key: String
    @Option(help: "Only if this is the key's latest revision") var revision: String?
    @Flag(name: .shortAndLong, help: "Purge without asking (needed where kvsh cannot ask)") var force = false

    func run() async throws { try await runOneShot() }

    /// Returns the purge marker written (an entry with op `PURGE`). A purge destroys the key's
    /// history, so it needs explicit intent (`confirm`), as in the nats CLI.
    func execute(_ ctx: CommandExecution) async throws -> Value {
        try KeyNames.validateBucket(bucket)
        try KeyNames.validateKey(key)
        let guardRevision = try revision.map(parseRevision)
        try await ctx.confirm("Really purge key \(bucket) > \(key) and all its history?",
                              consequence: "kv purge removes every revision of \(bucket) > \(key)", force: force)
        let rev = try await ctx.backend().store.lazyBucket(bucket).purge(key, revision: guardRevision)
        if ctx.json { printWritten(ctx, bucket, key, [], revision: rev) }
        return .written(bucket, key, [], revision: rev, operation: .purge)
    }
}
