import ArgumentParser
import KeyValue

struct KVGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a key's value")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name") var bucket: String
    @Argument(help: "Key") var key: String
    @Option(help: "Show this revision instead of the latest") var revision: String?
    @Flag(help: "Print only the value's bytes") var raw = false

    func run() async throws {
        try KeyNames.validateBucket(bucket)
        try KeyNames.validateKey(key)
        let rev = try revision.map(parseRevision)
        let entry = try await withSession(global) { s in
            try await s.store.bucket(bucket).get(key, revision: rev)
        }
        if raw {
            Terminal.outBytes(entry.value)
        } else if global.json {
            Terminal.out(jsonEntry(entry) + "\n")
        } else {
            Terminal.out(renderGet(entry))
        }
    }
}

struct KVHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show every kept revision of a key")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name") var bucket: String
    @Argument(help: "Key") var key: String

    func run() async throws {
        try KeyNames.validateBucket(bucket)
        try KeyNames.validateKey(key)
        let entries = try await withSession(global) { s in
            try await s.store.bucket(bucket).history(key)
        }
        Terminal.out(global.json ? jsonHistory(entries) + "\n" : renderHistory(bucket: bucket, key: key, entries: entries))
    }
}

struct KVKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "List keys that have a value")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name") var bucket: String
    @Argument(help: "Key filters such as 'orders.*' or 'orders.>'") var filters: [String] = []

    func run() async throws {
        try KeyNames.validateBucket(bucket)
        for f in filters { try KeyNames.validateFilter(f) }
        let keys = try await withSession(global) { s in
            try await s.store.bucket(bucket).keys(filters: filters)
        }
        printKeys(keys, json: global.json)
    }
}

func printKeys(_ keys: [String], json: Bool) {
    if json {
        Terminal.out(jsonKeys(keys) + "\n")
    } else if keys.isEmpty {
        Terminal.out("No keys found in bucket\n")
    } else {
        Terminal.out(keys.map { ValueText.escapingControls($0) + "\n" }.joined())
    }
}

struct KVList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List buckets, or the keys of one bucket", aliases: ["list"])
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name (lists its keys)") var bucket: String?
    @Argument(help: "Key filter") var filter: String?
    @Flag(name: [.customShort("n"), .long], help: "Bucket names only") var names = false

    func run() async throws {
        if let bucket {
            try KeyNames.validateBucket(bucket)
            let filters = filter.map { [$0] } ?? []
            for f in filters { try KeyNames.validateFilter(f) }
            let keys = try await withSession(global) { s in
                try await s.store.bucket(bucket).keys(filters: filters)
            }
            printKeys(keys, json: global.json)
            return
        }
        let statuses = try await withSession(global) { s in try await s.store.bucketStatuses() }
        if global.json {
            Terminal.out(JSONValue.array(statuses.map(statusJSON)).serialized + "\n")
        } else if names {
            Terminal.out(statuses.map { $0.bucket + "\n" }.joined())
        } else {
            Terminal.out(renderBucketList(statuses, now: .now))
        }
    }
}

struct KVStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a bucket's settings and size", aliases: ["info", "view"])
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name") var bucket: String

    func run() async throws {
        try KeyNames.validateBucket(bucket)
        let status = try await withSession(global) { s in try await s.store.bucket(bucket).status() }
        Terminal.out(global.json ? jsonStatus(status) + "\n" : renderStatus(status))
    }
}
