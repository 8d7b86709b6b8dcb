import Synchronization

/// The metrics a `kvsh serve` process exposes, kept as families (one name, help text and
/// label names) of series (one set of label values). A caller takes a series handle once —
/// when a hook registers — and updates it on the hot path with an atomic or one short lock,
/// so a hook run allocates nothing for its metrics.
///
/// Later users (locks, hook groups) add their own families here, e.g.
/// `registry.gauge("kvsh_lock_held", help: …, labels: ["bucket", "name"])`.
public final class MetricsRegistry: Sendable {
    private let families = Mutex<[any MetricFamily]>([])
    private let collectors = Mutex<[@Sendable () -> Void]>([])

    public init() {}

    /// A counter family; asking again for the same name returns the family made first.
    public func counter(_ name: String, help: String, labels: [String]) -> Family<Counter> {
        family(name, help: help, labels: labels) { Family<Counter>(name: name, help: help, labelNames: labels, type: "counter") { Counter() } }
    }

    /// A gauge family; asking again for the same name returns the family made first.
    public func gauge(_ name: String, help: String, labels: [String]) -> Family<Gauge> {
        family(name, help: help, labels: labels) { Family<Gauge>(name: name, help: help, labelNames: labels, type: "gauge") { Gauge() } }
    }

    /// A histogram family with upper bounds `buckets` (sorted here; `+Inf` is implied).
    public func histogram(_ name: String, help: String, labels: [String], buckets: [Double]) -> Family<Histogram> {
        let bounds = buckets.filter { $0.isFinite }.sorted()
        return family(name, help: help, labels: labels) {
            Family<Histogram>(name: name, help: help, labelNames: labels, type: "histogram") { Histogram(bounds: bounds) }
        }
    }

    /// Runs `collect` at the start of each `render`: for gauges whose value is cheaper to
    /// read when asked than to keep up to date (a hook's pending events).
    public func addCollector(_ collect: @escaping @Sendable () -> Void) {
        collectors.withLock { $0.append(collect) }
    }

    /// Every family in the Prometheus text exposition format 0.0.4, in the order made.
    public func render() -> String {
        for collect in collectors.withLock({ $0 }) { collect() }
        var out = ""
        for family in families.withLock({ $0 }) { family.render(into: &out) }
        return out
    }

    private func family<F: MetricFamily>(_ name: String, help: String, labels: [String], make: () -> F) -> F {
        families.withLock { all in
            if let existing = all.first(where: { $0.name == name }) as? F { return existing }
            let made = make()
            all.append(made)
            return made
        }
    }
}

/// What the registry needs of a family to render it.
protocol MetricFamily: Sendable {
    var name: String { get }
    func render(into out: inout String)
}

/// One value a family keeps per set of label values.
public protocol MetricSeries: Sendable {
    func render(name: String, labels: String, into out: inout String)
}

/// A named metric with help text and label names; `series(_:)` gives the handle of one
/// set of label values (made on first use), `remove(_:)` drops it (a hook stopped).
public final class Family<Series: MetricSeries>: MetricFamily, Sendable {
    public let name: String
    let help: String
    let labelNames: [String]
    let type: String
    private let make: @Sendable () -> Series
    private let members = Mutex<[(values: [String], series: Series)]>([])

    init(name: String, help: String, labelNames: [String], type: String, make: @escaping @Sendable () -> Series) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.type = type
        self.make = make
    }

    /// The series for these label values, in the order of the family's label names
    /// (missing values are empty, extra ones ignored).
    public func series(_ values: [String]) -> Series {
        let values = normalized(values)
        return members.withLock { list in
            if let found = list.first(where: { $0.values == values }) { return found.series }
            let made = make()
            list.append((values, made))
            return made
        }
    }

    /// Drops the series for these label values, so a stopped hook leaves no stale line.
    public func remove(_ values: [String]) {
        let values = normalized(values)
        members.withLock { $0.removeAll { $0.values == values } }
    }

    func render(into out: inout String) {
        out += "# HELP \(name) \(Exposition.escapeHelp(help))\n# TYPE \(name) \(type)\n"
        for member in members.withLock({ $0 }) {
            member.series.render(name: name, labels: Exposition.labels(labelNames, member.values), into: &out)
        }
    }

    private func normalized(_ values: [String]) -> [String] {
        labelNames.indices.map { $0 < values.count ? values[$0] : "" }
    }
}
