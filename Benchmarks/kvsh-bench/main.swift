// kvsh-bench: the kvsh side of scripts/bench, written against the public library APIs
// (NATSConnection, JetStreamContext, NATSKeyValueStore and its buckets).
//
//   kvsh-bench bench URL PREFIX OPS SIZE BULK WINDOW WATCH
//       runs every row on buckets PREFIX and PREFIX_watch (created with
//       NATSKeyValueStore.createBucket: file storage, history 1, allow_direct) and
//       prints "ROW <row> <metric> <value>" lines on stdout. The put, get, bulk and watch
//       rows are the ones the embedded table runs too (Rows.swift).
//
//   kvsh-bench embedded …
//       the embedded store beside the loopback server (EmbeddedRows.swift).
//
// The cold one-shot row does not use this driver: scripts/bench times the real
// `kvsh kv get BUCKET KEY` binary.
//
// For profiling, KVSH_BENCH_ROWS=put,get,bulk,watch picks rows; it also enables three
// diagnostics that are not in the table (put-proto, bulk-proto, watch-replay; see below).
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
/// Diagnostics run only when listed: "put-proto", "bulk-proto" and "watch-replay" (see below).
func selectedRows() -> Set<String> {
    let table: Set<String> = ["put", "get", "bulk", "watch"]
    guard let p = getenv("KVSH_BENCH_ROWS") else { return table }
    let chosen = Set(String(cString: p).split(separator: ",").map(String.init))
    return chosen.isEmpty ? table : chosen.intersection(table.union(["put-proto", "bulk-proto", "watch-replay"]))
}

func runBench(_ s: Settings) async throws {
    let rows = selectedRows()
    let value = (0..<s.size).map { UInt8(ascii: "a") + UInt8($0 % 26) }
    let store = try await connect(s.url)
    let bucketName = s.prefix
    let watchName = s.prefix + "_watch"
    let bucket = try await createBucket(store, bucketName)

    try await warmUp(bucket, value: value)
    let keys = (0..<s.ops).map { "key.\($0)" }
    if rows.contains("put") || rows.contains("get") {
        try await putRow("put", bucket: bucket, keys: keys, value: value, report: rows.contains("put"))
    }
    // Direct get: the bucket allows it.
    if rows.contains("get") { try await getRow("get", bucket: bucket, keys: keys, value: value) }
    if rows.contains("bulk") { try await natsBulkRow(s, bucket: bucket, value: value) }
    if rows.contains("watch") {
        // The publisher gets its own connection.
        let url = s.url
        try await watchRow("watch", bucket: try await createBucket(store, watchName), name: watchName,
                           count: s.watch, value: value) { try await connect(url) }
    }
    if rows.contains("put-proto") { try await putPrototypeRow(s, store: store, bucket: bucketName, value: value) }
    if rows.contains("bulk-proto") { try await bulkPrototypeRow(s, store: store, bucket: bucketName, value: value) }
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

/// The bulk load as an in-order loop on one task: each put is a PUB with its own reply
/// subject under one wildcard subscription, and the loop reads acknowledgements only while
/// WINDOW are outstanding. No per-request timer, no child task per message. Built on the
/// public NATSConnection API only; it shows what putAll could reach if publishPipelined
/// worked this way (and it keeps input order, which the task-group version does not).
func bulkPrototypeRow(_ s: Settings, store: NATSKeyValueStore, bucket: String, value: [UInt8]) async throws {
    let connection = store.js.connection
    let replyPrefix = connection.newInbox()
    let sub = try connection.subscribe(replyPrefix + ".*")
    let watchdog = Task {
        try? await Task.sleep(for: .seconds(120))
        if !Task.isCancelled { sub.unsubscribe() }
    }
    defer {
        watchdog.cancel()
        sub.unsubscribe()
    }
    let subjects = (0..<s.bulk).map { "$KV.\(bucket).proto.\($0)" }
    let replies = (0..<s.bulk).map { replyPrefix + "." + String($0) }
    var acks = sub.makeAsyncIterator()
    var sent = 0
    var acked = 0
    var lastSeq: UInt64 = 0
    var outOfOrder = 0
    let start = clock.now
    for _ in 0..<(2 * s.bulk + 1) where acked < s.bulk {
        if sent < s.bulk && sent - acked < s.window {
            try connection.publish(subjects[sent], replyTo: replies[sent], payload: .init(bytes: value))
            sent += 1
            continue
        }
        guard let reply = try await acks.next() else { throw BenchFailure("bulk-proto: replies ended") }
        guard let seq = pubAckSequence(Array(reply.payload.readableBytesView)) else {
            throw BenchFailure("bulk-proto: not an acknowledgement: \(String(decoding: reply.payload.readableBytesView, as: UTF8.self))")
        }
        if seq < lastSeq { outOfOrder += 1 }
        lastSeq = seq
        acked += 1
    }
    let elapsed = clock.now - start
    guard acked == s.bulk else { throw BenchFailure("bulk-proto: \(acked) of \(s.bulk) acknowledged") }
    emit("ROW bulk-proto ops_per_s \(perSecond(s.bulk, elapsed))")
    if outOfOrder > 0 { emit("NOTE kvsh bulk-proto saw \(outOfOrder) acknowledgements out of order") }
}

/// Sequential puts as PUB + reply on one long-lived wildcard subscription, i.e. a request
/// without NATSConnection.request's per-request NIO timer (scheduled on another event loop
/// of the group) and its cancellation. Public NATSConnection API only.
func putPrototypeRow(_ s: Settings, store: NATSKeyValueStore, bucket: String, value: [UInt8]) async throws {
    let connection = store.js.connection
    let replyPrefix = connection.newInbox()
    let sub = try connection.subscribe(replyPrefix + ".*")
    let watchdog = Task {
        try? await Task.sleep(for: .seconds(120))
        if !Task.isCancelled { sub.unsubscribe() }
    }
    defer {
        watchdog.cancel()
        sub.unsubscribe()
    }
    var replies = sub.makeAsyncIterator()
    var samples = [Int64](repeating: 0, count: s.ops)
    let start = clock.now
    for i in 0..<s.ops {
        let t0 = clock.now
        try connection.publish("$KV.\(bucket).pp.\(i)", replyTo: replyPrefix + "." + String(i), payload: .init(bytes: value))
        guard let reply = try await replies.next(), pubAckSequence(Array(reply.payload.readableBytesView)) != nil else {
            throw BenchFailure("put-proto: no acknowledgement")
        }
        samples[i] = (clock.now - t0).nanos
    }
    reportLatency("put-proto", samples, total: clock.now - start)
}

/// `seq` of a PubAck body such as {"stream":"KV_b","seq":7}; nil for an error reply.
func pubAckSequence(_ body: [UInt8]) -> UInt64? {
    let key = Array(#""seq":"#.utf8)
    guard body.count > key.count, !String(decoding: body, as: UTF8.self).contains(#""error""#) else { return nil }
    for i in 0...(body.count - key.count) where body[i..<(i + key.count)].elementsEqual(key) {
        var n: UInt64 = 0
        var j = i + key.count
        while j < body.count, body[j] >= UInt8(ascii: "0"), body[j] <= UInt8(ascii: "9") {
            n = n * 10 + UInt64(body[j] - UInt8(ascii: "0"))
            j += 1
        }
        return j > i + key.count ? n : nil
    }
    return nil
}

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
