/// The servers to try, configured ones first, then those the cluster announced.
struct ServerPool {
    private(set) var servers: [ServerURL]
    private var discovered: Set<String> = []

    init(_ servers: [ServerURL]) { self.servers = servers }

    /// Adds `host:port` entries from INFO `connect_urls` not already known.
    mutating func add(discovered urls: [String]) {
        let scheme = servers.first?.scheme ?? "nats"
        for text in urls where !discovered.contains(text) {
            discovered.insert(text)
            guard let url = try? ServerURL(parsing: "\(scheme)://\(text)") else { continue }
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
