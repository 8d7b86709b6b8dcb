import ArgumentParser
import KeyValue
import Shell

struct KVAdd: KvshCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Create a bucket", aliases: ["new"])
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Bucket name (letters, digits, _ and -)") var bucket: String
    @Option(help: "Revisions kept per key, 1 to 64") var history: Int = 1
    @Option(help: "How long entries live, e.g. 1h, 30m (default: forever)") var ttl: String?
    @Option(name: .customLong("max-value-size"), help: "Largest value, e.g. 1KiB") var maxValueSize: String?
    @Option(name: .customLong("max-bucket-size"), help: "Largest total size, e.g. 1GiB") var maxBucketSize: String?
    @Option(help: "file or memory", completion: .list(["file", "memory"])) var storage: String = "file"
    @Option(help: "Replicas in a cluster, 1 to 5") var replicas: Int = 1
    @Option(help: "Place the bucket on a specific cluster") var cluster: String?
    @Option(help: "Place the bucket on servers with this tag (repeat, or separate tags with commas)")
    var tags: [String] = []
    @Flag(help: "Compress stored data") var compress = false
    @Option(name: .customLong("marker-ttl"),
            help: "Keep markers of expired and purged keys this long (at least 1s), and allow a TTL per key")
    var markerTTL: String?
    @Option(help: "A description") var description: String?

    func run() async throws { try await runOneShot() }

    /// Returns the new bucket's status record.
    func execute(_ ctx: CommandExecution) async throws -> Value {
        var config = BucketConfig(bucket: bucket)
        config.history = history
        config.description = description
        config.replicas = replicas
        config.compression = compress
        if let ttl { config.ttlNanos = try parseDuration(ttl) }
        if let markerTTL { config.limitMarkerTTLNanos = try parseDuration(markerTTL) }
        if let maxValueSize {
            let n = try parseByteSize(maxValueSize)
            guard n <= Int64(Int32.max) else { throw ArgumentError("--max-value-size is too large") }
            config.maxValueSize = Int32(n)
        }
        if let maxBucketSize { config.maxBucketSize = try parseByteSize(maxBucketSize) }
        guard let kind = StorageKind(rawValue: storage.lowercased()) else {
            throw ArgumentError("invalid storage \(ArgumentError.quoted(storage)): use file or memory")
        }
        config.storage = kind
        config.placement = try placement()
        try config.validate()
        let status = try await ctx.backend().store.createBucket(config)
        ctx.write(ctx.json ? jsonStatus(status) + "\n" : renderStatus(status))
        return .status(status)
    }

    /// `--cluster` and `--tags` (each `--tags` may list several, `a,b`); nil when neither is given.
    private func placement() throws -> Placement? {
        let tagList = tags.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        if cluster == nil, tagList.isEmpty { return nil }
        if cluster?.isEmpty == true { throw ArgumentError("--cluster needs a cluster name") }
        if tagList.contains("") { throw ArgumentError("--tags needs non-empty tags, got \(tags.map(ArgumentError.quoted).joined(separator: " "))") }
        return Placement(cluster: cluster, tags: tagList)
    }
}
