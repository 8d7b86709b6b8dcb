// The rows both tables share (main.swift: kvsh beside nats.c and nats.py; EmbeddedRows.swift:
// the embedded store beside the server), written once against the KeyValue protocols so that
// both backends do exactly the same work. Each row takes its full ROW name ("put",
// "embedded.put", …): scripts/bench parses those lines, and each table names its own rows.
//
// Also the timing and output helpers every row uses.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KeyValue

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: Rows

/// Not measured: the same operations as the put and get rows, on other keys.
func warmUp(_ bucket: any KeyValueBucket, value: [UInt8]) async throws {
    for i in 0..<200 {
        _ = try await bucket.put("warm.\(i % 20)", value)
        _ = try await bucket.get("warm.\(i % 20)", revision: nil)
    }
}

/// Row: one sequential put per key. It also stores what the get row reads, so a caller may
/// run it with `report: false` when only the get row is wanted.
func putRow(_ row: String, bucket: any KeyValueBucket, keys: [String], value: [UInt8],
            report: Bool = true) async throws {
    var samples = [Int64](repeating: 0, count: keys.count)
    let start = clock.now
    for i in keys.indices {
        let t0 = clock.now
        _ = try await bucket.put(keys[i], value)
        samples[i] = (clock.now - t0).nanos
    }
    if report { reportLatency(row, samples, total: clock.now - start) }
}

/// Row: one sequential get per key (what putRow stored), checking every value.
func getRow(_ row: String, bucket: any KeyValueBucket, keys: [String], value: [UInt8]) async throws {
    var samples = [Int64](repeating: 0, count: keys.count)
    let start = clock.now
    for i in keys.indices {
        let t0 = clock.now
        let entry = try await bucket.get(keys[i], revision: nil)
        samples[i] = (clock.now - t0).nanos
        guard entry.value == value else { throw BenchFailure("\(row): wrong value for \(keys[i])") }
    }
    reportLatency(row, samples, total: clock.now - start)
}

/// Row: COUNT puts in one putAll. `check` sees the revisions before the ROW line is printed
/// (the NATS table also checks they are distinct and notes any out of input order).
func bulkRow(_ row: String, bucket: any KeyValueBucket, count: Int, value: [UInt8],
             check: ([UInt64]) throws -> Void = { _ in }) async throws {
    let items = (0..<count).map { (key: "bulk.\($0)", value: value) }
    let start = clock.now
    let revisions = try await bucket.putAll(items)
    let elapsed = clock.now - start
    guard revisions.count == count else { throw BenchFailure("\(row): stored \(revisions.count) of \(count)") }
    try check(revisions)
    emit("ROW \(row) ops_per_s \(perSecond(count, elapsed))")
}

/// Row: watch delivery. A watcher on `bucket` (empty, named `name`) receives COUNT puts that a
/// publisher task makes with putAll on a second handle from `openPublisher`, so publishing and
/// receiving do not share a connection or store handle. Updates/s from the first arrival to the
/// last. A watchdog stops the watch after 120 s; the loop is bounded as well.
/// The publisher runs on the executor `publisherExecutor` names for its store (a connection's
/// event loop, as a one-shot `kvsh kv put` and the bulk row run), else on the pool.
func watchRow(_ row: String, bucket: any KeyValueBucket, name: String, count: Int, value: [UInt8],
              openPublisher: @escaping @Sendable () async throws -> any KeyValueStore,
              publisherExecutor: @escaping @Sendable (any KeyValueStore) -> (any TaskExecutor)? = { _ in nil })
    async throws {
    let watch = try await bucket.watch(filters: [], options: WatchOptions())
    var events = watch.makeAsyncIterator()
    guard try await events.next() == .initialValuesDone else {
        throw BenchFailure("\(row): expected the initial-values marker on an empty bucket")
    }
    let publisher = Task {
        let store = try await openPublisher()
        let revisions = try await withTaskExecutorPreference(publisherExecutor(store)) {
            try await store.bucket(name).putAll((0..<count).map { (key: "w.\($0)", value: value) })
        }
        await store.close()
        return revisions.count
    }
    let watchdog = Task {
        try? await Task.sleep(for: .seconds(120))
        if !Task.isCancelled { watch.stop() }
    }
    var arrivals = Arrivals()
    for _ in 0..<(count + 100) where arrivals.count < count {
        guard let event = try await events.next() else { break }
        guard case .entry = event else { continue }
        arrivals.record()
    }
    watchdog.cancel()
    watch.stop()
    let published = try await publisher.value
    guard arrivals.count == count, published == count else {
        throw BenchFailure("\(row): received \(arrivals.count) of \(count) (published \(published))")
    }
    emit("ROW \(row) updates_per_s \(arrivals.rate)")
}

// MARK: Timing and output

let clock = ContinuousClock()

extension Duration {
    var nanos: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
}

/// `places` decimals, never in exponent form for the magnitudes printed here.
func fixed(_ x: Double, places: Int) -> String {
    guard x.isFinite else { return "nan" }
    var scale: Int64 = 1
    for _ in 0..<places { scale *= 10 }
    let scaled = Int64((x * Double(scale)).rounded())
    let sign = scaled < 0 ? "-" : ""
    let m = scaled.magnitude
    let fraction = String(m % UInt64(scale))
    return "\(sign)\(m / UInt64(scale)).\(String(repeating: "0", count: places - fraction.count))\(fraction)"
}

/// When the first and the last of a stream of events arrived, for updates/s between them.
struct Arrivals {
    private(set) var count = 0
    private var first = clock.now
    private var last = clock.now

    mutating func record() {
        let t = clock.now
        if count == 0 { first = t }
        last = t
        count += 1
    }

    /// COUNT - 1 updates over the time from the first arrival to the last, one decimal.
    var rate: String { perSecond(count - 1, last - first) }
}

/// COUNT per second of ELAPSED, one decimal.
func perSecond(_ count: Int, _ elapsed: Duration) -> String {
    fixed(Double(count) / (Double(elapsed.nanos) / 1e9), places: 1)
}

/// Nearest-rank percentile of sorted nanosecond samples, in microseconds.
func percentileMicros(_ sorted: [Int64], _ p: Double) -> Double {
    let rank = min(sorted.count, max(1, Int((p / 100 * Double(sorted.count)).rounded(.up))))
    return Double(sorted[rank - 1]) / 1000
}

func reportLatency(_ row: String, _ samples: [Int64], total: Duration) {
    let sorted = samples.sorted()
    emit("ROW \(row) ops_per_s \(perSecond(samples.count, total))")
    emit("ROW \(row) p50_us \(fixed(percentileMicros(sorted, 50), places: 1))")
    emit("ROW \(row) p99_us \(fixed(percentileMicros(sorted, 99), places: 1))")
}

/// Unbuffered, whole-line writes to a file descriptor (1 = stdout, 2 = stderr).
func writeLine(_ fd: Int32, _ line: String) {
    var text = line + "\n"
    text.withUTF8 { buf in
        var offset = 0
        while offset < buf.count {
            let n = write(fd, buf.baseAddress! + offset, buf.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}

func emit(_ line: String) { writeLine(1, line) }
