import ServeMetrics
import Synchronization
import Testing

@Suite("ServeMetrics: HTTP endpoint on a real socket")
struct MetricsServerTests {
    private final class Readiness: Sendable {
        let reason = Mutex<String?>("the watch of hook 1 is not live")
    }

    @Test("/metrics, /ready 503 then 200, /healthz, 404, 405, an oversized head")
    func endpoints() async throws {
        let registry = MetricsRegistry()
        registry.counter("kvsh_test_total", help: "A test.", labels: ["hook"]).series(["1"]).increment(by: 7)
        let readiness = Readiness()
        let server = try await MetricsServer.start(at: MetricsAddress(host: "127.0.0.1", port: 0), registry: registry,
                                                   readiness: { readiness.reason.withLock { $0 } })
        let port = server.boundAddress.port
        #expect(port > 0)

        let metrics = try #require(rawHTTP(port: port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(metrics.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(metrics)")
        #expect(metrics.lowercased().contains("content-type: text/plain; version=0.0.4"), "\(metrics)")
        #expect(metrics.hasSuffix("# HELP kvsh_test_total A test.\n# TYPE kvsh_test_total counter\nkvsh_test_total{hook=\"1\"} 7\n"),
                "\(metrics)")

        let notReady = try #require(rawHTTP(port: port, "GET /ready HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(notReady.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), "\(notReady)")
        #expect(notReady.hasSuffix("\r\n\r\nthe watch of hook 1 is not live\n"), "\(notReady)")
        readiness.reason.withLock { $0 = nil }
        let ready = try #require(rawHTTP(port: port, "GET /ready HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(ready.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(ready)")

        let health = try #require(rawHTTP(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(health.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(health)")
        let missing = try #require(rawHTTP(port: port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(missing.hasPrefix("HTTP/1.1 404 Not Found\r\n"), "\(missing)")
        let post = try #require(rawHTTP(port: port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"))
        #expect(post.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"), "\(post)")

        let huge = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: " + String(repeating: "a", count: 20_000) + "\r\n\r\n"
        let refused = try #require(rawHTTP(port: port, huge))
        #expect(refused.hasPrefix("HTTP/1.1 431 "), "\(refused.prefix(200))")
        #expect(!refused.contains("kvsh_test_total"))

        await server.close()
        #expect(rawHTTP(port: port, "GET /healthz HTTP/1.1\r\n\r\n") == nil)
    }

    @Test("an address in use is an error from start")
    func addressInUse() async throws {
        let registry = MetricsRegistry()
        let first = try await MetricsServer.start(at: MetricsAddress(host: "127.0.0.1", port: 0), registry: registry,
                                                  readiness: { nil })
        await #expect(throws: (any Error).self) {
            _ = try await MetricsServer.start(at: first.boundAddress, registry: registry, readiness: { nil })
        }
        await first.close()
    }
}
