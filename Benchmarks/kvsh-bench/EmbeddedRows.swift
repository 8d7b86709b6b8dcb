// The embedded-store rows of scripts/bench: the same work on the embedded store and on the
// loopback nats-server, through the same KeyValue API, in one run.
//
//   kvsh-bench embedded URL STORE KVSH OPS SIZE BULK WATCH LATENCY IDLE
//
// prints "ROW <backend>.<row> <metric> <value>" lines, backend = embedded | nats:
//   put, get         OPS sequential operations: ops_per_s, p50_us, p99_us
//   bulk             BULK puts through putAll: ops_per_s
//   watch            WATCH puts (putAll on a second handle) while a watcher in this process
//                    receives them: updates_per_s, first to last update
//   xwatch           LATENCY puts, 5 ms apart, each carrying its send time, watched by a real
//                    `kvsh kv watch` child process: put-to-line latency p50_us, p99_us
//   idle             that watcher left idle for IDLE seconds: cpu_pct (from /proc)
//
// put, get, bulk and watch are the rows of the NATS table too (Rows.swift), under these names.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import KeyValue
import KeyValueEmbedded
import Synchronization

struct EmbeddedSettings {
    let url: String, store: String, kvsh: String
    let ops, size, bulk, watch, latency, idle: Int

    init(_ args: [String]) throws {
        guard args.count == 11, args[1] == "embedded",
              let n = wholeNumbers(args[5...], atLeast: [1, 0, 1, 2, 1, 1]) else {
            throw BenchFailure("usage: kvsh-bench embedded URL STORE KVSH OPS SIZE BULK WATCH LATENCY IDLE")
        }
        (url, store, kvsh) = (args[2], args[3], args[4])
        (ops, size, bulk, watch, latency, idle) = (n[0], n[1], n[2], n[3], n[4], n[5])
    }
}

/// One backend under test: how to open a handle, and the kvsh options that reach it.
struct BenchBackend: Sendable {
    var name: String
    var open: @Sendable () async throws -> any KeyValueStore
    var kvshOptions: [String]
}

func runEmbeddedBench(_ s: EmbeddedSettings) async throws {
    let (path, url) = (s.store, s.url)
    let backends = [
        BenchBackend(name: "embedded", open: { try await EmbeddedKeyValueStore.open(path: path) },
                     kvshOptions: ["--store", s.store]),
        BenchBackend(name: "nats", open: { try await connect(url) }, kvshOptions: ["-s", url]),
    ]
    let value = (0..<s.size).map { UInt8(ascii: "a") + UInt8($0 % 26) }
    for backend in backends {
        let store = try await backend.open()
        let name = "emb_\(backend.name)"
        let bucket = try await freshBucket(store, name)
        let row = { (r: String) in "\(backend.name).\(r)" }

        try await warmUp(bucket, value: value)
        let keys = (0..<s.ops).map { "key.\($0)" }
        try await putRow(row("put"), bucket: bucket, keys: keys, value: value)
        try await getRow(row("get"), bucket: bucket, keys: keys, value: value)
        try await bulkRow(row("bulk"), bucket: bucket, count: s.bulk, value: value)

        // The publisher opens a second handle: another connection, or the store file again.
        let watchName = "emb_\(backend.name)_watch"
        try await watchRow(row("watch"), bucket: try await freshBucket(store, watchName), name: watchName,
                           count: s.watch, value: value, openPublisher: backend.open)
        try await store.deleteBucket(watchName)
        try await crossProcessWatch(s, backend: backend, store: store)

        try await store.deleteBucket(name)
        await store.close()
    }
}

/// An empty bucket with the default configuration, replacing a leftover of an interrupted run.
func freshBucket(_ store: any KeyValueStore, _ name: String) async throws -> any KeyValueBucket {
    try? await store.deleteBucket(name)
    _ = try await store.createBucket(BucketConfig(bucket: name))
    return try await store.bucket(name)
}

/// A real `kvsh kv watch` process: put-to-printed-line latency, then its CPU use while idle.
func crossProcessWatch(_ s: EmbeddedSettings, backend: BenchBackend, store: any KeyValueStore) async throws {
    let name = "emb_\(backend.name)_xwatch"
    let bucket = try await freshBucket(store, name)
    _ = try await bucket.put("ready", Array("0".utf8))
    let watcher = try LineReadingChild(s.kvsh, ["kv", "watch", name] + backend.kvshOptions)
    defer { watcher.stop() }
    guard await watcher.waitForLines(1, seconds: 10) else { throw BenchFailure("\(backend.name): kvsh kv watch printed nothing") }
    for i in 0..<s.latency {
        _ = try await bucket.put("lat.\(i % 10)", Array(String(wallNanos()).utf8))
        try await Task.sleep(for: .milliseconds(5))
    }
    guard await watcher.waitForLines(1 + s.latency, seconds: 30) else {
        throw BenchFailure("\(backend.name): the watcher printed \(watcher.lineCount) of \(1 + s.latency) lines")
    }
    let samples = watcher.latencies().sorted()
    guard samples.count == s.latency else { throw BenchFailure("\(backend.name): \(samples.count) latency samples") }
    emit("ROW \(backend.name).xwatch p50_us \(fixed(percentileMicros(samples, 50), places: 1))")
    emit("ROW \(backend.name).xwatch p99_us \(fixed(percentileMicros(samples, 99), places: 1))")

    let before = watcher.cpuTicks()
    let t0 = clock.now
    try await Task.sleep(for: .seconds(s.idle))
    let ticks = watcher.cpuTicks() - before
    let seconds = Double((clock.now - t0).nanos) / 1e9
    emit("ROW \(backend.name).idle cpu_pct \(fixed(Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK))) / seconds * 100, places: 2))")
    try await store.deleteBucket(name)
}

func wallNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// A child whose stdout lines are read on a thread of their own as they arrive, each stamped
/// with the wall-clock time it was read.
final class LineReadingChild: Sendable {
    let pid: pid_t
    private let lines = Mutex<[(text: String, at: Int64)]>([])

    init(_ path: String, _ args: [String]) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw BenchFailure("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        close(fds[1])
        guard rc == 0 else { throw BenchFailure("cannot start \(path): \(String(cString: strerror(rc)))") }
        self.pid = pid
        let readFD = fds[0]
        DispatchQueue(label: "kvsh-bench.child-reader").async { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            var pending: [UInt8] = []
            while true {
                let n = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                let now = wallNanos()
                pending += buffer[0..<n]
                while let newline = pending.firstIndex(of: 10) {
                    let text = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeFirst(newline + 1)
                    lines.withLock { $0.append((text, now)) }
                }
            }
            close(readFD)
        }
    }

    var lineCount: Int { lines.withLock { $0.count } }

    func waitForLines(_ count: Int, seconds: Int) async -> Bool {
        for _ in 0..<(seconds * 200) {
            if lineCount >= count { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return lineCount >= count
    }

    /// Read time minus the send time carried as the value (`… PUT b > lat.N: <ns>`), in ns.
    func latencies() -> [Int64] {
        lines.withLock { all in
            all.compactMap { line in
                guard line.text.contains("> lat."), let last = line.text.split(separator: " ").last,
                      let sent = Int64(last) else { return nil }
                return line.at - sent
            }
        }
    }

    /// User plus system CPU ticks of the child so far (from /proc/PID/stat).
    func cpuTicks() -> Int64 {
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return 0 }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return 0 }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
        guard let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return 0 }
        return user + system
    }

    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
