// A JetStream cluster of real `nats-server` processes on loopback for failover tests:
// nodes n1…nN with routes to each other, each a `NATSServerProcess` (its own client port,
// store dir and log), plus the questions a test asks of the cluster (who leads a stream).

import Foundation

/// Three (or `size`) `nats-server -js` nodes in one cluster on 127.0.0.1, named `n1`…`nN`,
/// each with a route port and a monitoring port chosen before start. Every node keeps its
/// ports and store across `kill9(_:)` / `restart(_:)`. `stop()` (also run on deinit) stops
/// them all and removes their directories.
public final class NATSCluster: Sendable {
    /// The cluster's name (`cluster.name`).
    public let name: String
    /// The nodes, `nodes[0]` is `n1`.
    public let nodes: [NATSServerProcess]
    /// Monitoring (`http`) port of each node, for `/jsz`.
    public let monitoringPorts: [Int]

    /// Every node's client URL, `nats://127.0.0.1:P1,nats://…` order.
    public var urls: [String] { nodes.map(\.url) }

    /// Starts the nodes and waits (at most `readyTimeout` seconds) until JetStream has a meta
    /// leader that sees every other node as current.
    /// - Parameters:
    ///   - tags: `server_tags` per node (`tags[i]` for `n<i+1>`); none when shorter.
    /// - Throws: `TestSupportError` when a node does not start or the cluster is not ready,
    ///   with the nodes' log tails; the nodes started are stopped first.
    public init(size: Int = 3, name: String = "c1", tags: [[String]] = [], readyTimeout: Double = 20) throws {
        precondition(size >= 1)
        // The ports are free when chosen, not when a node binds them: another process may take
        // one meanwhile, and that node exits at start. A few fresh choices make that harmless.
        var attempt = 1
        while true {
            do {
                (nodes, monitoringPorts) = try Self.start(size: size, name: name, tags: tags)
                break
            } catch {
                if attempt == 3 { throw error }
                attempt += 1
            }
        }
        self.name = name
        do {
            try waitForMetaLeader(timeout: readyTimeout)
        } catch {
            stop()
            throw error
        }
    }

    /// Starts the nodes on fresh ports; on a failure the nodes started are stopped.
    private static func start(size: Int, name: String, tags: [[String]]) throws
        -> (nodes: [NATSServerProcess], monitoring: [Int]) {
        let routePorts = try (0..<size).map { _ in try freeLoopbackPort() }
        let monitoring = try (0..<size).map { _ in try freeLoopbackPort() }
        let routes = routePorts.map { "nats-route://127.0.0.1:\($0)" }.joined(separator: ", ")
        var started: [NATSServerProcess] = []
        do {
            for index in 0..<size {
                var config = """
                    server_name: n\(index + 1)
                    http: 127.0.0.1:\(monitoring[index])
                    cluster { name: \(name), listen: 127.0.0.1:\(routePorts[index]), routes = [ \(routes) ] }

                    """
                if index < tags.count, !tags[index].isEmpty {
                    config += "server_tags: [\(tags[index].map { "\"\($0)\"" }.joined(separator: ", "))]\n"
                }
                started.append(try NATSServerProcess(config: config))
            }
        } catch {
            for node in started { node.stop() }
            throw error
        }
        return (started, monitoring)
    }

    deinit { stop() }

    /// Stops every node and removes its directory. Idempotent.
    public func stop() {
        for node in nodes { node.stop() }
    }

    /// The node named `name` (`n1`…), if any.
    public func node(named name: String) -> NATSServerProcess? {
        guard name.hasPrefix("n"), let number = Int(name.dropFirst()), (1...nodes.count).contains(number) else {
            return nil
        }
        return nodes[number - 1]
    }

    /// Kills node `name` with SIGKILL (a crash); its store is kept for `restart(_:)`.
    public func kill9(_ name: String) throws {
        guard let node = node(named: name) else { throw TestSupportError("no node \(name) in cluster \(self.name)") }
        node.kill9()
    }

    /// Starts node `name` again with its ports and store.
    public func restart(_ name: String, timeout: Double = 10) throws {
        guard let node = node(named: name) else { throw TestSupportError("no node \(name) in cluster \(self.name)") }
        try node.restart(timeout: timeout)
    }

    /// The meta leader as each running node's `/jsz` reports it ("" when it knows none).
    public func metaLeaders() -> [String: String] {
        var leaders: [String: String] = [:]
        for (index, node) in nodes.enumerated() where node.isRunning {
            leaders["n\(index + 1)"] = (try? jsz(index)).flatMap { $0["meta_cluster"] as? [String: Any] }
                .flatMap { $0["leader"] as? String } ?? ""
        }
        return leaders
    }

    /// Waits until every running node names the same meta leader and that leader sees all the
    /// other running nodes as current replicas: then a stream of any size the running nodes
    /// allow can be created.
    public func waitForMetaLeader(timeout: Double = 20) throws {
        let deadline = monotonicNow() + timeout
        var last = ""
        while true {
            let leaders = metaLeaders()
            let names = Set(leaders.values)
            if names.count == 1, let leader = names.first, !leader.isEmpty, let node = node(named: leader),
               let index = nodes.firstIndex(where: { $0 === node }),
               let meta = (try? jsz(index))?["meta_cluster"] as? [String: Any] {
                let replicas = (meta["replicas"] as? [[String: Any]]) ?? []
                let current = Set(replicas.filter { ($0["current"] as? Bool) == true && ($0["offline"] as? Bool) != true }
                    .compactMap { $0["name"] as? String })
                let others = Set(leaders.keys).subtracting([leader])
                if others.isSubset(of: current) { return }
                last = "leader \(leader) sees as current: \(current.sorted()), running: \(leaders.keys.sorted())"
            } else {
                last = "meta leaders reported: \(leaders.sorted { $0.key < $1.key })"
            }
            if monotonicNow() >= deadline {
                throw TestSupportError("cluster \(name) has no JetStream meta leader after \(timeout)s (\(last))\n"
                    + logTails())
            }
            sleepSeconds(0.05)
        }
    }

    /// The `cluster` object of `$JS.API.STREAM.INFO.<stream>` asked through a running node,
    /// or nil when no running node answers with one (e.g. during an election).
    public func streamCluster(_ stream: String) -> [String: Any]? {
        for node in nodes where node.isRunning {
            guard let reply = try? natsRequest(port: node.port, subject: "$JS.API.STREAM.INFO.\(stream)", timeout: 1),
                  let object = try? JSONSerialization.jsonObject(with: reply) as? [String: Any],
                  object["error"] == nil,
                  let cluster = object["cluster"] as? [String: Any]
            else { continue }
            return cluster
        }
        return nil
    }

    /// The name of the node leading `stream`, waiting (at most `timeout` seconds) until a
    /// running node reports a leader other than `excluding`.
    public func streamLeader(_ stream: String, excluding: String? = nil, timeout: Double = 10) throws -> String {
        let deadline = monotonicNow() + timeout
        while true {
            if let leader = streamCluster(stream)?["leader"] as? String, !leader.isEmpty, leader != excluding {
                return leader
            }
            if monotonicNow() >= deadline {
                throw TestSupportError("stream \(stream) has no leader\(excluding.map { " other than \($0)" } ?? "") "
                    + "after \(timeout)s\n" + logTails())
            }
            sleepSeconds(0.05)
        }
    }

    /// The node's `/jsz` as a dictionary.
    public func jsz(_ index: Int) throws -> [String: Any] {
        let body = try httpGet(port: monitoringPorts[index], path: "/jsz")
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw TestSupportError("/jsz of n\(index + 1) is not a JSON object")
        }
        return object
    }

    /// The last lines of every node's log, for failure messages.
    public func logTails(maxBytes: Int = 1500) -> String {
        nodes.enumerated().map { index, node in
            "--- n\(index + 1) log tail ---\n" + String(node.log().suffix(maxBytes))
        }.joined(separator: "\n")
    }
}
