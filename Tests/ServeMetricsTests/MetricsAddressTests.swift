import ServeMetrics
import Testing

@Suite("ServeMetrics: --metrics addresses")
struct MetricsAddressTests {
    @Test("host:port, [IPv6]:port, a name, port 0")
    func valid() throws {
        #expect(try MetricsAddress(parsing: "127.0.0.1:9100") == MetricsAddress(host: "127.0.0.1", port: 9100))
        #expect(try MetricsAddress(parsing: "[::1]:0") == MetricsAddress(host: "::1", port: 0))
        #expect(try MetricsAddress(parsing: "localhost:65535") == MetricsAddress(host: "localhost", port: 65535))
        #expect(MetricsAddress(host: "::1", port: 9).description == "[::1]:9")
        #expect(MetricsAddress(host: "0.0.0.0", port: 9).description == "0.0.0.0:9")
    }

    @Test("each bad form is one error saying what is wrong", arguments: [
        ("9100", "expected HOST:PORT"),
        (":9100", "the host is missing"),
        ("::1:9100", "write an IPv6 address in brackets: [::1]:9100"),
        ("[::1]9100", "expected [HOST]:PORT"),
        ("[::1:9100", "an IPv6 address needs its closing ]"),
        ("[localhost]:1", "only an IPv6 address goes in brackets"),
        ("a b:1", "the host is not a name or an address"),
        ("h:", "the port must be a number from 0 to 65535"),
        ("h:65536", "the port must be a number from 0 to 65535"),
        ("h:-1", "the port must be a number from 0 to 65535"),
        ("h:+1", "the port must be a number from 0 to 65535"),
        ("h:٣", "the port must be a number from 0 to 65535"),
    ])
    func invalid(text: String, reason: String) {
        #expect(throws: MetricsAddressError.self) { try MetricsAddress(parsing: text) }
        do {
            _ = try MetricsAddress(parsing: text)
        } catch {
            #expect(error.reason == reason)
            #expect(error.description == "--metrics \(text): \(reason)")
        }
    }
}
