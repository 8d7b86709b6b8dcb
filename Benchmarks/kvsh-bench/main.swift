// kvsh-bench: the kvsh side of scripts/bench, written against the public library APIs
// (NATSConnection, JetStreamContext, NATSKeyValueStore and its buckets).
//
//   kvsh-bench bench URL PREFIX OPS SIZE BULK WINDOW WATCH
//       runs every row on buckets PREFIX and PREFIX_watch (created with
//       NATSKeyValueStore.createBucket: file storage, history 1, allow_direct) and
//       prints "ROW <row> <metric> <value>" lines on stdout. The put, get, bulk and watch
//       rows are the ones the embedded table runs too (Rows.swift). The put, get and bulk
//       rows run on the connection's event loop (`withTaskExecutorPreference(connection.
//       executor)`), the way the one-shot CLI runs; the watch's reader on the cooperative
//       pool, as `kvsh kv watch` does, and its publisher on its own connection's loop.
//
//   kvsh-bench embedded …
//       the embedded store beside the loopback server (EmbeddedRows.swift).
//
// The cold one-shot row does not use this driver: scripts/bench times the real
// `kvsh kv get BUCKET KEY` binary.
//
// For profiling, KVSH_BENCH_ROWS=put,get,bulk,watch picks rows; it also enables a
// diagnostic that is not in the table (watch-replay; see below). KVSH_BENCH_ON_POOL=1 runs
// the put, get and bulk rows on the cooperative pool instead of the connection's loop.
//
// Every wait has a deadline; every loop has a fixed bound.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JetStream
import KeyValue
import KeyValueNATS
import NATSClient

struct Settings {
    let url: String, prefix: String
    let ops, size, bulk, window, watch: Int

    init(_ args: [String]) throws {
        guard args.count == 9, args[1] == "bench", let n = wholeNumbers(args[4...], atLeast: [1, 0, 1, 1, 2]) else {
            throw BenchFailure("usage: kvsh-bench bench URL PREFIX OPS SIZE BULK WINDOW WATCH")
        }
        (url, prefix) = (args[2], args[3])
        (ops, size, bulk, window, watch) = (n[0], n[1], n[2], n[3], n[4])
    }
}

/// The arguments as whole numbers, each at least its minimum; nil when one is not.
/// Both modes' settings parse their counts with it.
func wholeNumbers(_ args: ArraySlice<String>, atLeast minimums: [Int]) -> [Int]? {
    let numbers = args.compactMap { Int($0) }
    guard numbers.count == minimums.count, zip(numbers, minimums).allSatisfy({ $0 >= $1 }) else { return nil }
    return numbers
}

func connect(_ url: String) async throws -> NATSKeyValueStore {
    var options = ClientOptions(servers: try ServerURL.list(url))
    options.name = "kvsh-bench"
    options.requestTimeout = .seconds(30)
    options.connectTimeout = .seconds(10)
    let connection = try await NATSConnection.connect(options)
    return NATSKeyValueStore(js: JetStreamContext(connection: connection))
}

func createBucket(_ store: NATSKeyValueStore, _ name: String) async throws -> any KeyValueBucket {
    try? await store.deleteBucket(name) // a leftover from an interrupted run; absent is fine
    var config = BucketConfig(bucket: name)
    config.history = 1
    config.storage = .file
    _ = try await store.createBucket(config)
    let info = try await store.js.streamInfo("KV_\(name)")
    emit("INFO kvsh bucket=\(name) storage=\(info.config.storage ?? "?") "
        + "history=\(info.config.maxMsgsPerSubject ?? 0) allow_direct=\(info.config.allowDirect ?? false)")
    return try await store.bucket(name)
}

/// Rows to run: the table's rows, or those listed in KVSH_BENCH_ROWS (e.g. "bulk,watch")
/// for profiling one row at a time. scripts/bench always runs the table's rows.
/// The diagnostic "watch-replay" runs only when listed (see below).
func selectedRows() -> Set<String> {
    let table: Set<String> = ["put", "get", "bulk", "watch"]
    guard let p = getenv("KVSH_BENCH_ROWS") else { return table }
    let chosen = Set(String(cString: p).split(separator: ",").map(String.init))
    return chosen.isEmpty ? table : chosen.intersection(table.union(["watch-replay"]))
}

func runBench(_ s: Settings) async throws {
    let rows = selectedRows()
    let value = (0..<s.size).map { UInt8(ascii: "a") + UInt8($0 % 26) }
    let store = try await connect(s.url)
    let bucketName = s.prefix
    let watchName = s.prefix + "_watch"
    let bucket = try await createBucket(store, bucketName)

    let keys = (0..<s.ops).map { "key.\($0)" }
    // The request rows run on the connection's event loop, as a one-shot `kvsh kv put|get`
    // does: a reply resumes the loop without a hop to the cooperative pool.
    // KVSH_BENCH_ON_POOL=1 runs them on the pool instead, to compare.
    let executor = getenv("KVSH_BENCH_ON_POOL") == nil ? store.js.connection.executor : nil
    try await withTaskExecutorPreference(executor) {
        try await warmUp(bucket, value: value)
        if rows.contains("put") || rows.contains("get") {
            try await putRow("put", bucket: bucket, keys: keys, value: value, report: rows.contains("put"))
        }
        // Direct get: the bucket allows it.
        if rows.contains("get") { try await getRow("get", bucket: bucket, keys: keys, value: value) }
        if rows.contains("bulk") { try await natsBulkRow(s, bucket: bucket, value: value) }
    }
    // The watch's reader stays on the cooperative pool, as `kvsh kv watch` does.
    if rows.contains("watch") {
        // The publisher gets its own connection, and publishes on its loop as the bulk row does.
        let url = s.url
        try await watchRow("watch", bucket: try await createBucket(store, watchName), name: watchName,
                           count: s.watch, value: value, openPublisher: { try await connect(url) },
                           publisherExecutor: { ($0 as? NATSKeyValueStore)?.js.connection.executor })
    }
    if rows.contains("watch-replay") {
        try await watchReplayRow(s, store: store, name: watchName, value: value)
    }

    try? await store.deleteBucket(watchName)
    try await store.deleteBucket(bucketName)
    await store.close()
}

/// Row: pipelined bulk load through putAll (JetStreamContext.publishPipelined,
/// whose default window is 4,000 outstanding acknowledgements).
func natsBulkRow(_ s: Settings, bucket: any KeyValueBucket, value: [UInt8]) async throws {
    if s.window != 4000 {
        throw BenchFailure("putAll's window is fixed at 4,000 in the library; got WINDOW \(s.window)")
    }
    try await bulkRow("bulk", bucket: bucket, count: s.bulk, value: value) { revisions in
        guard Set(revisions).count == s.bulk else {
            throw BenchFailure("bulk: \(Set(revisions).count) distinct revisions, want \(s.bulk)")
        }
        // putAll promises input order; report when the stored order differs.
        let outOfOrder = zip(revisions, revisions.dropFirst()).count { $0 > $1 }
        if outOfOrder > 0 {
            emit("NOTE kvsh putAll stored \(outOfOrder) of \(s.bulk) items before their predecessor (not in input order)")
        }
    }
}

// MARK: Diagnostics (not in the table)

/// The watcher alone: WATCH values are stored first (putAll), then a watch delivers them as
/// its initial values; updates/s from the first to the last entry at the watcher.
func watchReplayRow(_ s: Settings, store: NATSKeyValueStore, name: String, value: [UInt8]) async throws {
    let replayName = name + "_replay"
    let bucket = try await createBucket(store, replayName)
    _ = try await bucket.putAll((0..<s.watch).map { (key: "r.\($0)", value: value) })
    let watch = try await bucket.watch(filters: [], options: WatchOptions())
    let watchdog = Task {
        try? await Task.sleep(for: .seconds(120))
        if !Task.isCancelled { watch.stop() }
    }
    var arrivals = Arrivals()
    for try await event in watch {
        guard case .entry = event else { break }
        arrivals.record()
        if arrivals.count > s.watch { break }
    }
    watchdog.cancel()
    watch.stop()
    try? await store.deleteBucket(replayName)
    guard arrivals.count == s.watch else { throw BenchFailure("watch-replay received \(arrivals.count) of \(s.watch)") }
    emit("ROW watch-replay updates_per_s \(arrivals.rate)")
}

func main() async -> Int32 {
    do {
        if CommandLine.arguments.dropFirst().first == "embedded" {
            try await runEmbeddedBench(try EmbeddedSettings(CommandLine.arguments))
            return 0
        }
        try await runBench(try Settings(CommandLine.arguments))
        return 0
    } catch {
        writeLine(2, "kvsh-bench: \(error)")
        return 1
    }
}

exit(await main())
