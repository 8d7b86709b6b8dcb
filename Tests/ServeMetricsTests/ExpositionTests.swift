import ServeMetrics
import Testing

@Suite("ServeMetrics: exposition format")
struct ExpositionTests {
    @Test("counters and gauges render HELP, TYPE and one line a series, labels in declared order")
    func countersAndGauges() {
        let registry = MetricsRegistry()
        let handled = registry.counter("kvsh_hook_events_total", help: "Events handled.", labels: ["hook", "bucket"])
        handled.series(["h1", "orders"]).increment()
        handled.series(["h1", "orders"]).increment(by: 2)
        handled.series(["h2", "orders"]).increment()
        let live = registry.gauge("kvsh_hook_watch_live", help: "1 while the watch is live.", labels: ["hook"])
        live.series(["h1"]).set(1)
        live.series(["h2"]).set(1)
        live.series(["h2"]).add(-1)
        #expect(registry.render() == """
            # HELP kvsh_hook_events_total Events handled.
            # TYPE kvsh_hook_events_total counter
            kvsh_hook_events_total{hook="h1",bucket="orders"} 3
            kvsh_hook_events_total{hook="h2",bucket="orders"} 1
            # HELP kvsh_hook_watch_live 1 while the watch is live.
            # TYPE kvsh_hook_watch_live gauge
            kvsh_hook_watch_live{hook="h1"} 1
            kvsh_hook_watch_live{hook="h2"} 0

            """)
    }

    @Test("label values escape backslash, quote and line feed; HELP escapes backslash and line feed")
    func escaping() {
        let registry = MetricsRegistry()
        let family = registry.counter("kvsh_x_total", help: "a \\ b\nc \"q\"", labels: ["hook"])
        family.series(["a\\b\"c\nd"]).increment()
        #expect(registry.render() == """
            # HELP kvsh_x_total a \\\\ b\\nc "q"
            # TYPE kvsh_x_total counter
            kvsh_x_total{hook="a\\\\b\\"c\\nd"} 1

            """)
    }

    @Test("a histogram has cumulative buckets, +Inf, _sum and _count; no labels means no braces")
    func histogram() {
        let registry = MetricsRegistry()
        let runs = registry.histogram("kvsh_run_seconds", help: "Run time.", labels: ["hook"], buckets: [1, 0.5, 60])
        let h1 = runs.series(["h1"])
        h1.observe(0.25)
        h1.observe(0.5)
        h1.observe(2)
        h1.observe(100)
        let plain = registry.histogram("kvsh_plain_seconds", help: "P.", labels: [], buckets: [0.005])
        plain.series([]).observe(0.001)
        #expect(registry.render() == """
            # HELP kvsh_run_seconds Run time.
            # TYPE kvsh_run_seconds histogram
            kvsh_run_seconds_bucket{hook="h1",le="0.5"} 2
            kvsh_run_seconds_bucket{hook="h1",le="1"} 2
            kvsh_run_seconds_bucket{hook="h1",le="60"} 3
            kvsh_run_seconds_bucket{hook="h1",le="+Inf"} 4
            kvsh_run_seconds_sum{hook="h1"} 102.75
            kvsh_run_seconds_count{hook="h1"} 4
            # HELP kvsh_plain_seconds P.
            # TYPE kvsh_plain_seconds histogram
            kvsh_plain_seconds_bucket{le="0.005"} 1
            kvsh_plain_seconds_bucket{le="+Inf"} 1
            kvsh_plain_seconds_sum 0.001
            kvsh_plain_seconds_count 1

            """)
    }

    @Test("the same name gives the same family; a removed series is gone; a family with no series keeps its HELP")
    func familiesAndRemoval() {
        let registry = MetricsRegistry()
        let a = registry.gauge("kvsh_hook_pending", help: "Pending.", labels: ["hook"])
        let b = registry.gauge("kvsh_hook_pending", help: "ignored", labels: ["hook"])
        a.series(["h"]).set(5)
        #expect(b.series(["h"]).current == 5)
        b.remove(["h"])
        #expect(registry.render() == "# HELP kvsh_hook_pending Pending.\n# TYPE kvsh_hook_pending gauge\n")
    }
}
