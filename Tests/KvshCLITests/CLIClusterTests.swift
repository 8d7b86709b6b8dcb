import Foundation
import Testing
import TestSupport

/// `kv add --cluster/--tags` and `kv status` against a real 3-node cluster whose nodes carry
/// `server_tags`; one cluster for every check (no node is killed here: ClusterFailoverTests
/// does that).
@Suite("kvsh binary: placement and cluster status on a 3-node cluster", .offCooperativePool)
struct CLIClusterTests {
    /// `placement` of the stream's configuration as the server keeps it.
    static func placement(_ cluster: NATSCluster, _ stream: String) throws -> [String: Any]? {
        let port = try #require(cluster.nodes.first?.port)
        let reply = try #require(try natsRequest(port: port, subject: "$JS.API.STREAM.INFO.\(stream)"))
        let info = try #require(try JSONSerialization.jsonObject(with: reply) as? [String: Any])
        let config = try #require(info["config"] as? [String: Any], "\(info)")
        return config["placement"] as? [String: Any]
    }

    @Test("--tags places the bucket on the tagged servers (repeated or comma-separated), --cluster by name; a placement no server meets is the server's message")
    func placementAndStatus() throws {
        let cluster = try NATSCluster(tags: [["az:1", "ssd"], ["az:2", "ssd"], ["az:3"]])
        defer { cluster.stop() }
        let kvsh = Kvsh(url: cluster.urls.joined(separator: ","))

        // One tag: the one server that has it leads the R1 stream.
        let one = try kvsh.ok("kv", "add", "on_az2", "--tags", "az:2", "--json")
        #expect((one.json as? [String: Any])?["replicas"] as? Int == 1, "\(one)")
        #expect(try cluster.streamLeader("KV_on_az2") == "n2")
        let sent = try Self.placement(cluster, "KV_on_az2")
        #expect(sent?["tags"] as? [String] == ["az:2"], "\(String(describing: sent))")

        // The same again changes nothing; another placement is another bucket's settings.
        try kvsh.ok("kv", "add", "on_az2", "--tags", "az:2")
        expectCleanFailure(try kvsh.run(["kv", "add", "on_az2", "--tags", "az:1"]), contains: "bucket name already in use")

        // Two tags, comma-separated and repeated: only n1 has both.
        try kvsh.ok("kv", "add", "comma", "--tags", "ssd,az:1")
        #expect(try cluster.streamLeader("KV_comma") == "n1")
        try kvsh.ok("kv", "add", "repeated", "--tags", "az:1", "--tags", "ssd")
        #expect(try cluster.streamLeader("KV_repeated") == "n1")
        #expect(try Self.placement(cluster, "KV_repeated")?["tags"] as? [String] == ["az:1", "ssd"])

        // By cluster name, with three replicas: the status shows the cluster section.
        let r3 = try kvsh.ok("kv", "add", "r3", "--replicas", "3", "--cluster", "c1")
        #expect(r3.stdout.contains("\nCluster Information:\n\n"), "\(r3)")
        let status = try kvsh.ok("kv", "status", "r3")
        let leader = try cluster.streamLeader("KV_r3")
        let section = try #require(status.stdout.components(separatedBy: "Cluster Information:\n\n").last)
        let rows = section.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(rows.first == "Name: c1", "\(status)")
        #expect(rows.dropFirst().first == "Leader: \(leader)", "\(status)")
        let replicas = rows.filter { $0.hasPrefix("Replica: ") }
        #expect(replicas.count == 2, "\(status)")
        for row in replicas {
            #expect(matchLine(#"Replica: n[123], (current|outdated), (seen \d+\.\d\ds ago|not seen)(, \d+ operations? behind)?"#,
                              row) != nil, "\(row)")
            #expect(!row.contains(leader), "\(row)")
        }
        let json = try kvsh.status("r3")
        let clusterJSON = try #require(json["cluster"] as? [String: Any], "\(json)")
        #expect(clusterJSON["name"] as? String == "c1" && clusterJSON["leader"] as? String == leader)
        #expect((clusterJSON["replicas"] as? [[String: Any]])?.count == 2, "\(clusterJSON)")

        // What no server can meet: the server's reason, and no bucket.
        let nowhere = try kvsh.run(["kv", "add", "nowhere", "--tags", "az:9"])
        expectCleanFailure(nowhere, contains: "no suitable peers for placement")
        #expect(nowhere.stderr.contains("tags not matched ['az:9']"), "\(nowhere)")
        let tooFew = try kvsh.run(["kv", "add", "toofew", "--replicas", "3", "--tags", "ssd"])
        expectCleanFailure(tooFew, contains: "no suitable peers for placement")
        let elsewhere = try kvsh.run(["kv", "add", "elsewhere", "--cluster", "c9"])
        expectCleanFailure(elsewhere, contains: "no suitable peers for placement")
        #expect(try kvsh.bucketNames() == ["on_az2", "comma", "repeated", "r3"] as Set)
    }

    @Test("--cluster and --tags: empty values are refused before connecting, and the embedded store has no cluster")
    func refusals() throws {
        let kvsh = Kvsh(url: nil)
        let dir = try makeTempDir(prefix: "kvsh-cli-placement-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = dir + "/store.db"
        expectCleanFailure(try kvsh.run(["--store", store, "kv", "add", "b", "--tags", "az:1"]),
                           contains: "placement on a cluster or by tags not supported by the embedded store")
        expectCleanFailure(try kvsh.run(["--store", store, "kv", "add", "b", "--cluster", "c1"]),
                           contains: "not supported by the embedded store")
        // Nothing connects for a bad value: the server named does not exist.
        let server = ["-s", "nats://127.0.0.1:1"]
        expectCleanFailure(try kvsh.run(server + ["kv", "add", "b", "--tags", "a,,b"]), contains: "--tags")
        expectCleanFailure(try kvsh.run(server + ["kv", "add", "b", "--cluster", ""]), contains: "--cluster needs a cluster name")
        #expect(try kvsh.run(["--store", store, "kv", "ls", "--names"]).stdout.isEmpty)
    }
}
