/// The servers to try, configured ones first, then those the cluster announced.
struct ServerPool {
    private(set) var servers: [ServerURL]
    private var discovered: Set<String> = []

    init(_ servers: [ServerURL]) { self.servers = servers }

    /// Adds `host:port` entries from INFO `connect_urls` not already known.
    ///
    /// Discovered servers get the configured credentials, so who may announce them matters.
    /// When the connection is TLS (`overTLS`), a discovered server is reached with TLS too (a
    /// server that claims to need none cannot downgrade it), and an INFO that arrived before
    /// the handshake (`authenticated` false: anyone on the path could have written it) may only
    /// add ports of hosts already configured, which must then pass the same TLS verification.
    mutating func add(discovered urls: [String], overTLS: Bool = false, authenticated: Bool = true) {
        let scheme = overTLS ? "tls" : servers.first?.scheme ?? "nats"
        let configuredHosts = Set(servers.map(\.host))
        for text in urls where !discovered.contains(text) {
            guard let url = try? ServerURL(parsing: "\(scheme)://\(text)") else { continue }
            guard authenticated || configuredHosts.contains(url.host) else { continue }
            discovered.insert(text)
            if !servers.contains(where: { $0.host == url.host && $0.port == url.port }) {
                var u = url
                u.user = servers.first?.user
                u.password = servers.first?.password
                servers.append(u)
            }
        }
    }

    /// The order for one reconnect round: the one that just failed goes last.
    func round(after current: ServerURL?) -> [ServerURL] {
        guard let current, let i = servers.firstIndex(of: current) else { return servers }
        return Array(servers[(i + 1)...] + servers[...i])
    }
}
