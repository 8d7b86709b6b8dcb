import Synchronization

/// A count that only goes up (events handled, failures, reconnects).
public final class Counter: MetricSeries {
    private let value = Atomic<UInt64>(0)

    public func increment(by amount: UInt64 = 1) { value.wrappingAdd(amount, ordering: .relaxed) }
    public var current: UInt64 { value.load(ordering: .relaxed) }

    public func render(name: String, labels: String, into out: inout String) {
        out += "\(name)\(labels) \(current)\n"
    }
}

/// A whole number that goes up and down (pending events, a watch live as 1 or 0).
public final class Gauge: MetricSeries {
    private let value = Atomic<Int64>(0)

    public func set(_ newValue: Int64) { value.store(newValue, ordering: .relaxed) }
    public func add(_ amount: Int64) { value.wrappingAdd(amount, ordering: .relaxed) }
    public var current: Int64 { value.load(ordering: .relaxed) }

    public func render(name: String, labels: String, into out: inout String) {
        out += "\(name)\(labels) \(current)\n"
    }
}

/// Observations counted into fixed buckets, with their sum (run durations in seconds).
public final class Histogram: MetricSeries {
    private struct State {
        var counts: [UInt64]
        var sum = 0.0
        var count: UInt64 = 0
    }

    let bounds: [Double]
    private let state: Mutex<State>

    init(bounds: [Double]) {
        self.bounds = bounds
        state = Mutex(State(counts: Array(repeating: 0, count: bounds.count)))
    }

    /// Counts one observation into the first bucket whose bound holds it (the render makes
    /// them cumulative), in place: no allocation.
    public func observe(_ value: Double) {
        let index = bounds.firstIndex { value <= $0 }
        state.withLock { s in
            if let index { s.counts[index] += 1 }
            s.sum += value
            s.count += 1
        }
    }

    public func render(name: String, labels: String, into out: inout String) {
        let s = state.withLock { $0 }
        // The `le` label goes after the family's own labels.
        let prefix = labels.isEmpty ? "{" : String(labels.dropLast()) + ","
        var cumulative: UInt64 = 0
        for (bound, count) in zip(bounds, s.counts) {
            cumulative += count
            out += "\(name)_bucket\(prefix)le=\"\(Exposition.number(bound))\"} \(cumulative)\n"
        }
        out += "\(name)_bucket\(prefix)le=\"+Inf\"} \(s.count)\n"
        out += "\(name)_sum\(labels) \(Exposition.number(s.sum))\n"
        out += "\(name)_count\(labels) \(s.count)\n"
    }
}
