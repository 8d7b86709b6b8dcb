/// The servers to try, configured ones first, then those the cluster announced.
struct ServerPool {
    /// Most announced servers kept. Each INFO replaces the announced list, so a cluster's
    /// changes never pile up; the cap bounds what one (hostile) INFO can add.
    static let maxDiscovered = 1024

    private let configured: [ServerURL]
    /// From the latest INFO whose `connect_urls` was not empty, minus the configured ones.
    private(set) var discovered: [ServerURL] = []

    init(_ servers: [ServerURL]) { configured = servers }

    var servers: [ServerURL] { configured + discovered }

    /// Takes the `host:port` entries of an INFO's `connect_urls` as the announced servers.
    /// An empty list (an INFO that does not carry one) keeps the current ones.
    ///
    /// Discovered servers get the configured credentials, so who may announce them matters.
    /// When the connection is TLS (`overTLS`), a discovered server is reached with TLS too (a
    /// server that claims to need none cannot downgrade it), and an INFO that arrived before
    /// the handshake (`authenticated` false: anyone on the path could have written it) may
    /// only add ports of hosts already configured, which must then pass the same TLS
    /// verification; it replaces nothing learned over TLS.
    mutating func add(discovered urls: [String], overTLS: Bool = false, authenticated: Bool = true) {
        guard !urls.isEmpty else { return }
        let template = configured.first
        let scheme = overTLS ? "tls" : template?.scheme ?? "nats"
        let configuredHosts = Set(configured.map(\.host))
        var fresh: [ServerURL] = authenticated ? [] : discovered
        var seen = Set(fresh.map { "\($0.host):\($0.port)" })
        for text in urls where fresh.count < Self.maxDiscovered {
            guard var url = try? ServerURL(parsing: "\(scheme)://\(text)") else { continue }
            guard authenticated || configuredHosts.contains(url.host) else { continue }
            let place = "\(url.host):\(url.port)"
            guard seen.insert(place).inserted,
                  !configured.contains(where: { $0.host == url.host && $0.port == url.port }) else { continue }
            url.user = template?.user
            url.password = template?.password
            fresh.append(url)
        }
        discovered = fresh
    }

    /// The order for one reconnect round: the one that just failed goes last.
    func round(after current: ServerURL?) -> [ServerURL] {
        let servers = self.servers
        guard let current, let i = servers.firstIndex(of: current) else { return servers }
        return Array(servers[(i + 1)...] + servers[...i])
    }
}
