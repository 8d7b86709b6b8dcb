#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

@Suite("kvsh binary: serve --metrics and --log-format json", .offCooperativePool)
struct CLIServeMetricsTests {
    /// Polls (bounded) until `condition` holds; a guard against hangs, not a timing assertion.
    func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// The JSON objects among stderr's lines.
    func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").filter { $0.hasPrefix("{") }.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    @Test("a hook's runs show in /metrics and as JSON lines; /ready is 200 while the watches are live")
    func metricsAndJSONLog() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        let dir = try makeTempDir(prefix: "kvsh-cli-metrics-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try kvsh.ok("kv", "add", "orders")
        let script = dir + "/hooks.kvsh"
        try """
            on put orders 'ok.>' run 'true'
            on put orders 'bad.>' run 'exit 3'
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let serve = try RunningKvsh(["serve", "--metrics", "127.0.0.1:0", "--log-format", "json", script],
                                    environment: kvsh.environment())
        defer { serve.kill() }
        var port: Int?
        #expect(eventually(30) {
            let listening = jsonLines(serve.stderr).first { $0["event"] as? String == "metrics.listening" }
            port = (listening?["url"] as? String).flatMap { URL(string: $0)?.port }
            return port != nil && jsonLines(serve.stderr).filter { $0["event"] as? String == "hook.registered" }.count == 2
        }, "\(serve.stderr)")
        let metricsPort = try #require(port)
        for n in 1...5 { try kvsh.ok("kv", "put", "orders", "ok.\(n)", "v") }
        for n in 1...2 { try kvsh.ok("kv", "put", "orders", "bad.\(n)", "v") }

        var scraped = ""
        let handled = #"kvsh_hook_events_handled_total{hook="1",bucket="orders",durable=""} 5"#
        let failed = #"kvsh_hook_events_failed_total{hook="2",bucket="orders",durable=""} 2"#
        #expect(eventually(30) {
            scraped = (try? httpGet(port: metricsPort, path: "/metrics")).map { String(decoding: $0, as: UTF8.self) } ?? ""
            return scraped.contains(handled) && scraped.contains(failed)
        }, "\(scraped)")
        #expect(scraped.contains(#"kvsh_hook_run_duration_seconds_count{hook="1",bucket="orders",durable=""} 5"#))
        #expect(scraped.contains(#"kvsh_hook_watch_live{hook="2",bucket="orders",durable=""} 1"#))
        #expect(scraped.contains("# TYPE kvsh_hook_pending_events gauge"))
        let ready = try httpGet(port: metricsPort, path: "/ready")
        #expect(String(decoding: ready, as: UTF8.self) == "ready\n")

        serve.send(SIGTERM)
        // 3: events failed for good while it served.
        #expect(serve.waitForExit(timeout: 30) == 3, "\(serve.stderr)")
        let log = jsonLines(serve.stderr)
        let ok = log.filter { $0["event"] as? String == "hook.run.ok" }
        let bad = log.filter { $0["event"] as? String == "hook.run.failed" }
        #expect(ok.count == 5 && bad.count == 2, "\(serve.stderr)")
        #expect(bad.allSatisfy { $0["exit_status"] as? Int == 3 && $0["level"] as? String == "error" && $0["ts"] is String })
        #expect(Set(ok.compactMap { $0["key"] as? String }) == Set((1...5).map { "ok.\($0)" }))
        #expect(log.filter { $0["event"] as? String == "hook.stopped" }.count == 2, "\(serve.stderr)")
    }

    @Test("a --group member: its partitions and the members it sees in /metrics; its runs counted once under the group")
    func groupMetrics() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        let dir = try makeTempDir(prefix: "kvsh-cli-metrics-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try kvsh.ok("kv", "add", "jobs")
        let script = dir + "/group.kvsh"
        try "on put jobs --group workers run true\n".write(toFile: script, atomically: true, encoding: .utf8)
        let serve = try RunningKvsh(["serve", "--metrics", "127.0.0.1:0", "--log-format", "json", script],
                                    environment: kvsh.environment())
        defer { serve.kill() }
        var port: Int?
        #expect(eventually(30) {
            let listening = jsonLines(serve.stderr).first { $0["event"] as? String == "metrics.listening" }
            port = (listening?["url"] as? String).flatMap { URL(string: $0)?.port }
            return port != nil
        }, "\(serve.stderr)")
        let metricsPort = try #require(port)
        let labels = #"{hook="1",bucket="jobs",durable=""}"#
        var scraped = ""
        func scrape() -> String {
            (try? httpGet(port: metricsPort, path: "/metrics")).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        #expect(eventually(30) {
            scraped = scrape()
            return scraped.contains("kvsh_hook_group_partitions_owned\(labels) 12")
        }, "\(scraped)")
        #expect(scraped.contains("kvsh_hook_group_members\(labels) 1"), "\(scraped)")
        for n in 1...6 { try kvsh.ok("kv", "put", "jobs", "k\(n)", "v") }
        #expect(eventually(30) {
            scraped = scrape()
            return scraped.contains("kvsh_hook_events_handled_total\(labels) 6")
        }, "\(scraped)")
        serve.send(SIGTERM)
        #expect(serve.waitForExit(timeout: 30) == 0, "\(serve.stderr)")
        let log = jsonLines(serve.stderr)
        #expect(log.filter { $0["event"] as? String == "hook.registered" }.count == 1, "\(serve.stderr)")
        #expect(log.filter { $0["event"] as? String == "hook.run.ok" }.allSatisfy { $0["group"] as? String == "workers" })
    }

    @Test("a bad --metrics address or --log-format: one error, status 64, the script not run")
    func badOptions() throws {
        let kvsh = Kvsh(url: nil)
        let dir = try makeTempDir(prefix: "kvsh-cli-metrics-bad-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = dir + "/ran"
        let script = dir + "/hooks.kvsh"
        try "echo ran > '\(marker)'\n".write(toFile: script, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["--metrics", "9100"], "kvsh: serve: --metrics 9100: expected HOST:PORT\n"),
            (["--metrics=[::1]:99999"], "kvsh: serve: --metrics [::1]:99999: the port must be a number from 0 to 65535\n"),
            (["--log-format", "yaml"], "kvsh: serve: --log-format yaml: expected text or json\n"),
        ]
        for (options, message) in cases {
            let r = try kvsh.run(["--store", dir + "/store.db", "serve"] + options + [script])
            #expect(r.status == 64 && r.stderr == message && r.stdout.isEmpty, "\(options): \(r)")
            #expect(!FileManager.default.fileExists(atPath: marker))
        }
    }
}
