// Leader loss in a real 3-node JetStream cluster: the node leading a replicated bucket's
// stream is killed with SIGKILL while two clients write and watch (one of them connected to
// that node) and `kvsh serve` runs a --durable hook on the bucket. One kill serves every
// check, so the suite pays for one election.

import Foundation
import JetStream
import KeyValue
import KeyValueNATS
import NATSClient
import Synchronization
import Testing
import KeyValueTestSupport
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One write of a writer: its key, the revision acknowledged or the error, how long it took.
private struct WriteRecord: Sendable {
    var key: String
    var revision: UInt64?
    var error: String?
    var seconds: Double
    var afterKill: Bool
}

/// Whether the leader has been killed yet, shared by the writers and the test.
private final class KillSwitch: Sendable {
    let killed = Atomic<Bool>(false)
    let acknowledged = Atomic<Int>(0)
}

@Suite("3-node cluster: the stream leader killed under writes, watches and a durable hook", .offCooperativePool)
struct ClusterFailoverTests {
    /// The request timeout of every client here (`--timeout 2s` for `kvsh`).
    static let timeout = 2.0
    /// What a write may take beyond the timeout: scheduling on a busy 2-core machine. A
    /// correctness bound (a write must not hang), not a performance assertion.
    static let slack = 1.5

    static func connect(_ urls: [String]) async throws -> KVClient {
        var options = ClientOptions(servers: try urls.map { try ServerURL(parsing: $0) })
        options.requestTimeout = .seconds(timeout)
        options.connectTimeout = .seconds(1)
        let connection = try await NATSConnection.connect(options)
        let js = JetStreamContext(connection: connection)
        return KVClient(connection: connection, js: js, store: NATSKeyValueStore(js: js))
    }

    /// Puts `prefix.0`, `prefix.1`, … (value = key) until `after` writes were acknowledged
    /// after the kill, or 20 s passed; every write is timed.
    private static func writeLoop(_ bucket: any KeyValueBucket, prefix: String, kill: KillSwitch,
                                  after: Int = 8) async -> [WriteRecord] {
        var records: [WriteRecord] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        var index = 0
        while clock.now < deadline, records.filter({ $0.afterKill && $0.revision != nil }).count < after {
            let key = "\(prefix).\(index)"
            index += 1
            let afterKill = kill.killed.load(ordering: .acquiring)
            let start = clock.now
            var record = WriteRecord(key: key, seconds: 0, afterKill: afterKill)
            do {
                record.revision = try await bucket.put(key, b(key))
                kill.acknowledged.add(1, ordering: .relaxed)
            } catch {
                record.error = String(describing: error)
            }
            let elapsed = clock.now - start
            record.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            records.append(record)
            if record.revision == nil { try? await Task.sleep(for: .milliseconds(100)) }
        }
        return records
    }

    /// The one-shot `kvsh kv put … --timeout` of keys `c.0`, `c.1`, … until `after` were
    /// acknowledged after the kill, or 20 s passed (blocking: run it on a thread of its own).
    private static func commandLineWriteLoop(bucket: String, environment: [String: String], timeout: Int,
                                             kill: KillSwitch, after: Int = 3) -> [WriteRecord] {
        var records: [WriteRecord] = []
        let deadline = Date().addingTimeInterval(20)
        var index = 0
        while Date() < deadline, records.filter({ $0.afterKill && $0.revision != nil }).count < after {
            let key = "c.\(index)"
            index += 1
            var record = WriteRecord(key: key, seconds: 0, afterKill: kill.killed.load(ordering: .acquiring))
            let start = Date()
            do {
                let result = try runProcess(KvshBinary.path(), ["kv", "put", bucket, key, key, "--json",
                                                                "--timeout", "\(timeout)s"],
                                            env: environment, timeout: Double(timeout) * 4)
                let reply = try? JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
                if result.status == 0, let revision = reply?["revision"] as? Int {
                    record.revision = UInt64(revision)
                } else {
                    record.error = "exit \(result.status): " + String(decoding: result.stderr, as: UTF8.self)
                }
            } catch {
                record.error = String(describing: error)
            }
            record.seconds = Date().timeIntervalSince(start)
            records.append(record)
            usleep(record.revision == nil ? 100_000 : 50_000)
        }
        return records
    }

    /// `kvsh serve SCRIPT` with stdout and stderr in files, killed with its group at the end.
    private final class Serve: Sendable {
        let process: Process
        let stdoutPath: String
        let stderrPath: String

        init(script: String, environment: [String: String], dir: String) throws {
            stdoutPath = dir + "/serve.out"
            stderrPath = dir + "/serve.err"
            for path in [stdoutPath, stderrPath] where !FileManager.default.createFile(atPath: path, contents: nil) {
                throw TestSupportError("cannot create \(path)")
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: KvshBinary.path())
            process.arguments = ["serve", script]
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
            process.standardError = FileHandle(forWritingAtPath: stderrPath)
            try process.run()
            self.process = process
        }

        var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

        /// SIGTERM, then the exit status (SIGKILL after 15 s).
        func stop() -> Int32? {
            guard process.isRunning else { return process.terminationStatus }
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(15)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return nil
            }
            return process.terminationStatus
        }
    }

    private static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test("acknowledged writes survive, watches see each revision once in order, writes end within the timeout, the hook handles each event once")
    func leaderKilled() async throws {
        let cluster = try await blocking { try NATSCluster() }
        defer { cluster.stop() }
        let dir = try makeTempDir(prefix: "kvsh-cluster-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let name = uniqueBucketName("failover")
        let stream = "KV_\(name)"

        let setup = try await Self.connect(cluster.urls)
        var config = BucketConfig(bucket: name)
        config.replicas = 3
        let created = try await setup.store.createBucket(config)
        #expect(created.replicas == 3)
        await setup.close()
        let leader = try await blocking { try cluster.streamLeader(stream) }
        let follower = try #require(["n1", "n2", "n3"].first { $0 != leader })
        func urls(first: String, without: String? = nil) -> [String] {
            let order = [first] + ["n1", "n2", "n3"].filter { $0 != first && $0 != without }
            return order.compactMap { cluster.node(named: $0)?.url }
        }

        // The hook, connected to the leader first as well.
        let handled = dir + "/handled"
        let script = dir + "/hook.kvsh"
        try "on put \(name) --durable failover run 'echo \"$KVSH_REVISION\" >> \"$HANDLED\"'\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        var environment = inheritedEnvironment([
            "NATS_URL": urls(first: leader).joined(separator: ","), "HANDLED": handled,
            "SWIFT_BACKTRACE": "enable=no", "XDG_DATA_HOME": dir,
        ])
        environment["NATS_TIMEOUT"] = nil
        let serve = try Serve(script: script, environment: environment, dir: dir)
        defer { _ = serve.stop() }

        let onLeader = try await Self.connect(urls(first: leader))
        let onFollower = try await Self.connect(urls(first: follower))
        let leaderBucket = try await onLeader.store.bucket(name)
        let followerBucket = try await onFollower.store.bucket(name)
        let leaderWatch = WatchRecorder(try await leaderBucket.watch(filters: [], options: WatchOptions()))
        let followerWatch = WatchRecorder(try await followerBucket.watch(filters: [], options: WatchOptions()))
        try await leaderWatch.waitForMarker()
        try await followerWatch.waitForMarker()
        #expect(try await eventually(timeout: .seconds(15)) { serve.stdout.contains("1") },
                "kvsh serve did not register its hook: \(serve.stderr)")

        let kill = KillSwitch()
        async let leaderWrites = Self.writeLoop(leaderBucket, prefix: "l", kill: kill)
        async let followerWrites = Self.writeLoop(followerBucket, prefix: "f", kill: kill)
        // The command line too, with the killed node first in its list.
        let commandLineTimeout = 4
        async let commandLineWrites = blocking { [environment] in
            Self.commandLineWriteLoop(bucket: name, environment: environment, timeout: commandLineTimeout, kill: kill)
        }
        #expect(try await eventually(timeout: .seconds(10)) { kill.acknowledged.load(ordering: .relaxed) >= 20 })
        try await blocking { try cluster.kill9(leader) }
        kill.killed.store(true, ordering: .releasing)
        let libraryRecords = await leaderWrites + followerWrites
        let commandLineRecords = try await commandLineWrites
        let records = libraryRecords + commandLineRecords

        // A one-shot write ends within its timeout and the question of a failed first write
        // (half the timeout, at most 1 s; the handle has seen nothing yet), plus the process.
        for record in commandLineRecords {
            #expect(record.seconds <= Double(commandLineTimeout) + 1 + Self.slack,
                    "kvsh kv put \(record.key) took \(record.seconds)s: \(record.error ?? "ok")")
            if let error = record.error {
                #expect(error.hasSuffix("\n") && error.components(separatedBy: "nats: error: ").count == 2
                        && (error.contains("$KV.\(name).\(record.key)") || error.contains("not connected")),
                        "kvsh kv put \(record.key): \(error)")
            }
        }
        #expect(commandLineRecords.contains { $0.afterKill && $0.revision != nil },
                "no kvsh kv put acknowledged after the kill: \(commandLineRecords.compactMap(\.error))")

        // Every write ended within the timeout (plus slack), failed or not, and the failures
        // say what happened.
        for record in libraryRecords {
            #expect(record.seconds <= Self.timeout + Self.slack,
                    "\(record.key) took \(record.seconds)s: \(record.error ?? "ok")")
            // The write's own failure (its timeout, no stream answering, the link down), not
            // that of a question asked after it.
            if let error = record.error {
                #expect(error.contains("$KV.\(name).\(record.key)") || error.hasPrefix("not connected"),
                        "\(record.key): \(error)")
            }
        }
        let failures = records.filter { $0.error != nil }.map { "\($0.key) after \(String(format: "%.2f", $0.seconds))s: \($0.error!)" }
        for prefix in ["l", "f"] {
            #expect(records.contains { $0.key.hasPrefix(prefix + ".") && $0.afterKill && $0.revision != nil },
                    "no write by \(prefix) acknowledged after the kill; failures: \(failures)")
        }
        let newLeader = try await blocking { try cluster.streamLeader(stream, excluding: leader) }
        #expect(newLeader != leader)

        // Every acknowledged write is readable from the surviving nodes.
        let survivor = try await Self.connect(urls(first: newLeader, without: leader))
        let survivorBucket = try await survivor.store.bucket(name)
        let acknowledged = records.filter { $0.revision != nil }
        for record in acknowledged {
            let entry = try await survivorBucket.get(record.key, revision: nil)
            #expect(entry.revision == record.revision && entry.valueString == record.key, "\(record.key)")
        }

        // What the stream holds: each key is written once, so a write that failed may still
        // have been stored (its ack lost) and then it is there under its own key.
        var stored: [UInt64] = []
        for record in records {
            do {
                stored.append(try await survivorBucket.get(record.key, revision: nil).revision)
            } catch KeyValueError.keyNotFound {
                #expect(record.revision == nil, "\(record.key) was acknowledged")
            }
        }
        stored.sort()
        let last = try await survivorBucket.status()
        #expect(last.values == UInt64(stored.count), "every stored message is one of the writes")

        // Each watch sees every stored revision once, in order. A watch whose consumer was on
        // the killed node resets on the reconnect, or after two missed heartbeats (10 s, as
        // nats.go) when its own link stayed up, then catches up.
        for (label, watch) in [("on the killed node", leaderWatch), ("on a follower", followerWatch)] {
            let events = try await watch.wait("every stored revision (\(label))", timeout: .seconds(20)) { events in
                events.contains { if case .entry(let e) = $0 { e.revision >= (stored.last ?? 0) } else { false } }
            }
            let seen = events.compactMap { if case .entry(let e) = $0 { e.revision } else { nil } }
            #expect(seen == stored, "watch \(label): \(seen) vs stored \(stored); failure: \(watch.failure ?? "none")")
            await watch.stop()
        }

        // The hook handled each stored revision once.
        #expect(try await eventually(timeout: .seconds(15)) { Self.lines(handled).count >= stored.count },
                "hook: \(Self.lines(handled).count) of \(stored.count); stderr: \(serve.stderr)")
        let hookRevisions = Self.lines(handled).compactMap { UInt64($0) }
        #expect(hookRevisions.sorted() == stored, "hook handled \(hookRevisions), stored \(stored); \(serve.stderr)")
        #expect(serve.stop() == 0, "kvsh serve: \(serve.stderr)")
        // The checkpoints have the bucket's replicas, so the kill could not take them away.
        #expect(try await survivor.store.bucket("kvsh_hooks").status().replicas == 3)

        // The killed node shows as an offline or outdated replica.
        #expect(last.cluster?.leader == newLeader)
        var replicas: [ClusterInfo.Replica] = []
        #expect(try await eventually(timeout: .seconds(10)) {
            replicas = try await survivorBucket.status().cluster?.replicas ?? []
            return replicas.contains { $0.name == leader && ($0.offline || !$0.current) }
        }, "replicas: \(replicas)")
        // And as `kv status` prints it.
        let shown = try runProcess(KvshBinary.path(), ["kv", "status", name], env: inheritedEnvironment([
            "NATS_URL": urls(first: newLeader, without: leader).joined(separator: ","), "TZ": "UTC",
        ]), timeout: 20)
        let text = String(decoding: shown.stdout, as: UTF8.self)
        #expect(shown.status == 0 && text.contains("Leader: \(newLeader)\n"), "\(text)")
        #expect(text.split(separator: "\n").contains {
            $0.contains("Replica: \(leader), outdated") || $0.contains("Replica: \(leader), current, OFFLINE")
        }, "\(text)")

        // Back on its ports and store, the node catches up and is a current replica again.
        try await blocking { try cluster.restart(leader) }
        #expect(try await eventually(timeout: .seconds(15)) {
            replicas = try await survivorBucket.status().cluster?.replicas ?? []
            return replicas.contains { $0.name == leader && $0.current && !$0.offline }
        }, "replicas after the restart: \(replicas)")

        await onLeader.close()
        await onFollower.close()
        await survivor.close()
    }
}
