#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KeyValue
import KeyValueEmbedded
import Testing
import TestSupport

/// Several processes on one store file: real `kvsh` processes racing on create and update,
/// and a writer killed with SIGKILL in the middle of a write storm.
@Suite("embedded store: several processes", .offCooperativePool, .serialized)
struct MultiProcessTests {
    static let contenders = 16

    @Test("16 kvsh processes create the same key, 200 rounds: exactly one winner per round")
    func createRace() async throws {
        try await withStoreFile { path, store in
            var config = BucketConfig(bucket: "race")
            config.history = 5
            _ = try await store.createBucket(config)
            let bucket = try await store.bucket("race")
            let errDir = (path as NSString).deletingLastPathComponent
            var badRounds: [String] = []
            for round in 0..<200 {
                let runs = try (0..<Self.contenders).map { i in
                    try ChildProcess(Kvsh.path, ["--store", path, "kv", "create", "race", "lock", "holder-\(i)"],
                                     stderrPath: "\(errDir)/err.\(i)")
                }
                let statuses = runs.map { $0.wait() }
                let winners = statuses.indices.filter { statuses[$0] == 0 }
                guard winners.count == 1, let winner = winners.first else {
                    badRounds.append("round \(round): exit statuses \(statuses)")
                    continue
                }
                let entry = try await bucket.get("lock", revision: nil)
                if entry.valueString != "holder-\(winner)" {
                    badRounds.append("round \(round): winner \(winner) but stored \(entry.valueString ?? "?")")
                }
                if round % 25 == 0 {
                    // Every loser says who holds the key, in the nats wording.
                    for i in statuses.indices where i != winner {
                        let text = (try? String(contentsOfFile: "\(errDir)/err.\(i)", encoding: .utf8)) ?? ""
                        let expected = "nats: error: nats: wrong last sequence: \(entry.revision): key exists\n"
                        if statuses[i] != 1 || text != expected {
                            badRounds.append("round \(round): loser \(i) exit \(statuses[i]): \(text)")
                        }
                    }
                }
                _ = try await bucket.delete("lock", revision: entry.revision)
            }
            #expect(badRounds.isEmpty, "\(badRounds.prefix(10))")
            // Each round wrote one value and one delete marker, nothing else.
            #expect(try await bucket.status().values == 5)
            #expect(try await bucket.put("after", []) == 401)
        }
    }

    @Test("16 kvsh processes update with the same revision, 50 rounds: exactly one winner per round")
    func updateRace() async throws {
        try await withStoreFile { path, store in
            _ = try await store.createBucket(BucketConfig(bucket: "race"))
            let bucket = try await store.bucket("race")
            var revision = try await bucket.put("counter", Array("start".utf8))
            var badRounds: [String] = []
            for round in 0..<50 {
                let runs = try (0..<Self.contenders).map { i in
                    try ChildProcess(Kvsh.path, ["--store", path, "kv", "update", "race", "counter", "v\(round).\(i)",
                                                 String(revision)], stderrPath: "/dev/null")
                }
                let statuses = runs.map { $0.wait() }
                let winners = statuses.indices.filter { statuses[$0] == 0 }
                let entry = try await bucket.get("counter", revision: nil)
                if winners.count != 1 || entry.valueString != "v\(round).\(winners.first ?? -1)"
                    || entry.revision != revision + 1 || statuses.contains(where: { $0 != 0 && $0 != 1 }) {
                    badRounds.append("round \(round): statuses \(statuses), stored \(entry.valueString ?? "?")@\(entry.revision)")
                }
                revision = entry.revision
            }
            #expect(badRounds.isEmpty, "\(badRounds.prefix(10))")
            #expect(revision == 51)
        }
    }

    @Test("kill -9 in the middle of a write storm loses no acknowledged write; the file opens cleanly")
    func killDuringWriteStorm() async throws {
        try await withStoreFile { path, store in
            _ = try await store.createBucket(BucketConfig(bucket: "storm"))
            await store.close()
            var acknowledged: [Int: UInt64] = [:]
            for iteration in 0..<10 {
                // Each storm writes keys of its own: k<iteration * 1_000_000 + i>.
                let storm = try StormProcess(path: path, bucket: "storm", count: 1_000_000)
                let wanted = 50 + Int.random(in: 0..<200)
                let reached = storm.waitForAcks(wanted, timeout: 30)
                #expect(reached, "storm \(iteration) acknowledged only \(storm.acks.count) writes: \(storm.stderr)")
                storm.kill9()
                for (i, revision) in storm.acks { acknowledged[iteration * 1_000_000 + i] = revision }
                // Re-open and check everything acknowledged so far.
                let reopened = try await EmbeddedKeyValueStore.open(path: path)
                #expect(try await reopened.checkIntegrity() == "ok")
                let bucket = try await reopened.bucket("storm")
                for (i, revision) in storm.acks {
                    let entry = try await bucket.get("k\(i)", revision: nil)
                    // Later storms overwrite the same keys: the acknowledged revision or a later one.
                    #expect(entry.revision >= revision, "k\(i): acknowledged \(revision), found \(entry.revision)")
                    if entry.revision == revision { #expect(entry.valueString == "value \(i)") }
                }
                let last = storm.acks.map(\.1).max() ?? 0
                // The store takes writes again, after every acknowledged one (a write that was
                // in flight may or may not have committed, never a revision twice).
                let next = try await bucket.put("after.\(iteration)", Array("x".utf8))
                #expect(next > last)
                await reopened.close()
            }
            #expect(acknowledged.count >= 10 * 50)
        }
    }
}

/// The built `kvsh` and `embedded-storm` executables.
enum Kvsh {
    static var path: String { KvshBinary.path() }
    static var stormPath: String {
        URL(fileURLWithPath: KvshBinary.path()).deletingLastPathComponent().appendingPathComponent("embedded-storm").path
    }
}

/// A child started with posix_spawn: stdin and stdout are /dev/null, stderr goes to a file.
/// Cheaper than Foundation's Process, which matters for 3,200 short-lived children.
struct ChildProcess {
    let pid: pid_t

    init(_ path: String, _ args: [String], stderrPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"
        env.removeValue(forKey: "NATS_URL")
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw TestSupportError("posix_spawn \(path): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// The exit status, or 128 + the signal that ended it.
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }
}

/// `embedded-storm` running, with the writes it has acknowledged so far.
final class StormProcess: @unchecked Sendable {
    // Safety: the buffers are guarded by `lock`; `process` is used through its thread-safe API.
    private let process = Process()
    private let lock = NSLock()
    private var pending = ""
    private var acked: [(Int, UInt64)] = []
    private var errText = ""
    private let done = DispatchGroup()

    init(path: String, bucket: String, count: Int) throws {
        process.executableURL = URL(fileURLWithPath: Kvsh.stormPath)
        process.arguments = [path, bucket, String(count)]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for (handle, isOut) in [(out.fileHandleForReading, true), (err.fileHandleForReading, false)] {
            done.enter()
            Thread.detachNewThread { [self] in
                while true {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    self.take(String(decoding: data, as: UTF8.self), isOut: isOut)
                }
                done.leave()
            }
        }
    }

    private func take(_ text: String, isOut: Bool) {
        lock.lock()
        defer { lock.unlock() }
        guard isOut else {
            errText += text
            return
        }
        pending += text
        while let newline = pending.firstIndex(of: "\n") {
            let parts = pending[..<newline].split(separator: " ")
            if parts.count == 2, let i = Int(parts[0]), let revision = UInt64(parts[1]) { acked.append((i, revision)) }
            pending = String(pending[pending.index(after: newline)...])
        }
    }

    var acks: [(Int, UInt64)] { lock.lock(); defer { lock.unlock() }; return acked }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return errText }

    func waitForAcks(_ count: Int, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if acks.count >= count { return true }
            if !process.isRunning { break }
            usleep(2_000)
        }
        return acks.count >= count
    }

    /// SIGKILL, then waits until the child is gone and its output is read to the end.
    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        _ = done.wait(timeout: .now() + 10)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
