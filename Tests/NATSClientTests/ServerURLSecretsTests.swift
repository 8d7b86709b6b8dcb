// Credentials in server URLs: parsed where they may contain any character, never shown, and
// never handed to a server announced by an INFO that anyone on the path could have written.

@testable import NATSClient
import Testing

@Suite("Server URLs keep their secrets")
struct ServerURLSecretsTests {
    @Test("a password may hold '/', '@' and ':'; %XX is decoded")
    func passwordCharacters() throws {
        let url = try ServerURL(parsing: "nats://alice:pa/ss@w:rd@example.com:4333")
        #expect(url.user == "alice" && url.password == "pa/ss@w:rd" && url.host == "example.com" && url.port == 4333)
        let encoded = try ServerURL(parsing: "tls://bob:p%2Fq%40r@h")
        #expect(encoded.password == "p/q@r" && encoded.scheme == "tls" && encoded.port == 4222)
        #expect("\(url)" == "nats://example.com:4333")
    }

    @Test("an invalid URL is reported with its credentials masked", arguments: [
        ("nats://alice:s3cret@host:notaport", "nats://***@host:notaport"),
        ("http://alice:s3cret@host:1", "http://***@host:1"),
        ("alice:s3cret@host:0", "***@host:0"),
        ("nats://alice:s3cret@", "nats://***@"),
    ])
    func invalidMasked(_ text: String, _ shown: String) {
        #expect(throws: NATSError.invalidURL(shown)) { _ = try ServerURL(parsing: text) }
        #expect(!"\(NATSError.invalidURL(shown))".contains("s3cret"))
    }

    @Test("redacting a list masks each URL's credentials and leaves the rest")
    func redactingList() {
        #expect(ServerURL.redacting("nats://a:b@h1:1,h2:2,tls://tok@h3") == "nats://***@h1:1,h2:2,tls://***@h3")
        #expect(ServerURL.redacting("nats://h:4222") == "nats://h:4222")
    }

    @Test("an INFO read before the TLS handshake may only add ports of configured hosts")
    func unauthenticatedDiscovery() throws {
        var pool = ServerPool([try ServerURL(parsing: "tls://alice:pw@good.example:4222")])
        pool.add(discovered: ["evil.example:4222", "good.example:5222"], overTLS: true, authenticated: false)
        #expect(pool.servers.map { "\($0.host):\($0.port)" } == ["good.example:4222", "good.example:5222"])
        // Announced over TLS (an INFO on the live connection), the list is the server's own.
        pool.add(discovered: ["good.example:5222", "other.example:4222"], overTLS: true)
        #expect(pool.servers.map(\.description) == ["tls://good.example:4222", "tls://good.example:5222",
                                                    "tls://other.example:4222"])
        // A later handshake's INFO keeps what was learned over TLS.
        pool.add(discovered: ["evil.example:4222"], overTLS: true, authenticated: false)
        #expect(pool.servers.count == 3)
    }

    @Test("servers discovered on a TLS connection are reached with TLS, even from a nats:// URL")
    func discoveredKeepTLS() throws {
        var pool = ServerPool([try ServerURL(parsing: "nats://good.example:4222")])
        pool.add(discovered: ["other.example:4222"], overTLS: true)
        #expect(pool.servers.last?.scheme == "tls")
        var plain = ServerPool([try ServerURL(parsing: "nats://good.example:4222")])
        plain.add(discovered: ["other.example:4222"])
        #expect(plain.servers.last?.scheme == "nats")
    }
}
