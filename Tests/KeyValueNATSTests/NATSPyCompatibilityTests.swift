import Foundation
import JetStream
import KeyValue
import KeyValueNATS
import KeyValueTestSupport
import Testing
import TestSupport

/// Cross-client checks with nats.py (a client kvsh does not share any code with): buckets,
/// values, revisions, markers and keys written by one are read the same way by the other.
@Suite("NATS KV: nats.py compatibility", .natsServer)
struct NATSPyCompatibilityTests {
    @Test("kvsh reads a bucket nats.py wrote: values, revisions, history ops, keys, markers")
    func kvshReadsNATSPy() async throws {
        let server = try SuiteServer.require()
        let name = uniqueBucketName("frompy")
        let written = try await NATSPy.run(PyWrite.self, "write", server.url, name)
        let r = written.revisions
        try await withClient { client in
            let status = try await client.store.bucket(name).status()
            #expect(status.history == 5)
            #expect(status.description == "made by nats.py")
            #expect(status.values == 10) // 12 writes, the purge rolled up 2
            // nats.py leaves allow_direct off: kvsh reads through STREAM.MSG.GET here.
            #expect(try await client.js.streamInfo("KV_\(name)").config.allowDirect != true)

            let bucket = try await client.store.bucket(name)
            let greeting = try await bucket.get("greeting", revision: nil)
            #expect(greeting.value == b("hello again"))
            #expect(greeting.revision == r["greeting.2"])
            #expect(greeting.operation == .put)
            #expect(try await bucket.get("greeting", revision: r["greeting.1"]).value == b("hello"))
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "greeting")) {
                _ = try await bucket.get("greeting", revision: r["gone.put"])
            }
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "gone")) { _ = try await bucket.get("gone", revision: nil) }
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "purged")) { _ = try await bucket.get("purged", revision: nil) }
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "purged")) {
                _ = try await bucket.get("purged", revision: r["purged.1"])
            }
            #expect(try await bucket.get("nested.a.b", revision: nil).value == (0...255).map(UInt8.init))
            let empty = try await bucket.get("empty", revision: nil)
            #expect(empty.value == [] && empty.operation == .put)
            #expect(try await bucket.get("created", revision: nil).revision == r["created"])
            #expect(try await bucket.get("updated", revision: nil).value == b("u2"))

            let greetingHistory = try await bucket.history("greeting")
            #expect(greetingHistory.map(\.operation) == [.put, .put])
            #expect(greetingHistory.map(\.revision) == [r["greeting.1"], r["greeting.2"]].compactMap { $0 })
            #expect(greetingHistory.map(\.delta) == [1, 0])
            #expect(try await bucket.history("gone").map(\.operation) == [.put, .delete])
            #expect(try await bucket.history("gone").last?.revision == r["gone.del"])
            let purged = try await bucket.history("purged")
            #expect(purged.map(\.operation) == [.purge])
            #expect(purged.first?.revision == r["purged.purge"])

            #expect(try await bucket.keys(filters: []) == ["created", "empty", "greeting", "nested.a.b", "updated"])
            #expect(try await bucket.keys(filters: ["nested.>"]) == ["nested.a.b"])

            // kvsh's CAS rules work on nats.py's markers and revisions.
            await #expect(throws: KeyValueError.keyExists(bucket: bucket.name, key: "greeting", lastRevision: r["greeting.2"] ?? 0)) {
                _ = try await bucket.create("greeting", b("x"))
            }
            let recreated = try await bucket.create("gone", b("back via kvsh"))
            let repurged = try await bucket.create("purged", b("back too"))
            let updated = try await bucket.update("updated", b("u3"), revision: r["updated.2"] ?? 0)

            let watch = WatchRecorder(try await bucket.watch(filters: [], options: WatchOptions()))
            let events = try await watch.waitForMarker()
            await watch.stop()
            #expect(summary(watch.entries) == [
                "PUT greeting=hello again", "PUT nested.a.b=<binary>", "PUT empty=", "PUT created=c",
                "PUT gone=back via kvsh", "PUT purged=back too", "PUT updated=u3",
            ])
            #expect(events.last == .initialValuesDone)

            // ... and nats.py sees kvsh's writes.
            let read = try await NATSPy.run(PyRead.self, "read", server.url, name,
                                      json(["gone", "purged", "updated", "greeting"]), json([[String]]()))
            #expect(read.gets["gone"]?.text == "back via kvsh")
            #expect(read.gets["gone"]?.revision == recreated)
            #expect(read.gets["purged"]?.revision == repurged)
            #expect(read.gets["updated"]?.revision == updated)
            #expect(read.gets["greeting"]?.text == "hello again")
        }
    }

    @Test("nats.py reads a bucket kvsh wrote, and follows kvsh's markers")
    func natsPyReadsKvsh() async throws {
        let server = try SuiteServer.require()
        try await withClient { client in
            var config = BucketConfig(bucket: uniqueBucketName("frmkvsh"))
            config.history = 5
            config.description = "made by kvsh"
            _ = try await client.store.createBucket(config)
            let bucket = try await client.store.bucket(config.bucket)
            let g1 = try await bucket.put("greeting", b("hello"))
            let g2 = try await bucket.put("greeting", b("hello again"))
            let gonePut = try await bucket.put("gone", b("bye"))
            let goneDel = try await bucket.delete("gone", revision: nil)
            _ = try await bucket.put("purged", b("p1"))
            let p2 = try await bucket.put("purged", b("p2"))
            let purge = try await bucket.purge("purged", revision: nil)
            let all = try await bucket.put("bin.all", (0...255).map(UInt8.init))
            let empty = try await bucket.put("empty", [])
            let cas1 = try await bucket.create("cas", b("c1"))
            let cas2 = try await bucket.update("cas", b("c2"), revision: cas1)

            let keys = ["greeting", "gone", "purged", "bin.all", "empty", "cas", "never"]
            let revisions = [["greeting", "\(g1)"], ["greeting", "\(gonePut)"], ["purged", "\(p2)"],
                             ["cas", "\(cas1)"], ["gone", "\(gonePut)"]]
            let read = try await NATSPy.run(PyRead.self, "read", server.url, config.bucket, json(keys), json(revisions))

            #expect(read.gets["greeting"]?.text == "hello again")
            #expect(read.gets["greeting"]?.revision == g2)
            #expect(read.gets["gone"]?.error == "not found")
            #expect(read.gets["purged"]?.error == "not found")
            #expect(read.gets["bin.all"]?.bytes == (0...255).map(UInt8.init))
            #expect(read.gets["bin.all"]?.revision == all)
            #expect(read.gets["empty"]?.bytes == [])
            #expect(read.gets["empty"]?.revision == empty)
            #expect(read.gets["cas"]?.text == "c2")
            #expect(read.gets["cas"]?.revision == cas2)
            #expect(read.gets["never"]?.error == "not found")

            #expect(read.revs["greeting@\(g1)"]?.text == "hello")
            #expect(read.revs["greeting@\(gonePut)"]?.error == "not found", "another key's revision")
            #expect(read.revs["purged@\(p2)"]?.error == "not found", "purged away")
            #expect(read.revs["cas@\(cas1)"]?.text == "c1")
            #expect(read.revs["gone@\(gonePut)"]?.text == "bye")

            #expect(read.history["greeting"]?.map(\.op) == ["PUT", "PUT"])
            #expect(read.history["greeting"]?.map(\.revision) == [g1, g2])
            #expect(read.history["greeting"]?.map(\.delta) == [1, 0])
            #expect(read.history["gone"]?.map(\.op) == ["PUT", "DEL"])
            #expect(read.history["gone"]?.map(\.revision) == [gonePut, goneDel])
            #expect(read.history["purged"]?.map(\.op) == ["PURGE"])
            #expect(read.history["purged"]?.map(\.revision) == [purge])
            #expect(read.history["empty"]?.map(\.op) == ["PUT"])
            #expect(read.historyErrors["never"] == "no keys")
            #expect(read.keys == ["bin.all", "cas", "empty", "greeting"])
            #expect(read.bucketHistory == 5)
            #expect(read.values == UInt64(try await client.messageCount(config.bucket)))

            // nats.py's create/update against kvsh's markers and revisions.
            let mutated = try await NATSPy.run(PyMutate.self, "mutate", server.url, config.bucket, "\(cas1)")
            #expect(mutated.createGone.error == nil, "nats.py create after a kvsh delete: \(mutated.createGone)")
            #expect(mutated.createPurged.error == nil, "nats.py create after a kvsh purge: \(mutated.createPurged)")
            #expect(mutated.createGreeting.error == "wrong last sequence")
            #expect(mutated.updateStale.error == "wrong last sequence")
            #expect(mutated.deleteCas.error == nil)

            let gone = try await bucket.get("gone", revision: nil)
            #expect(gone.value == b("py-created"))
            #expect(gone.revision == mutated.createGone.revision)
            #expect(try await bucket.get("purged", revision: nil).value == b("py-created"))
            await #expect(throws: KeyValueError.keyNotFound(bucket: bucket.name, key: "cas")) { _ = try await bucket.get("cas", revision: nil) }
            #expect(try await bucket.history("cas").map(\.operation) == [.put, .put, .delete])
        }
    }
}

private func json(_ value: some Encodable) -> String {
    String(decoding: (try? JSONEncoder().encode(value)) ?? Data("null".utf8), as: UTF8.self)
}

// MARK: - Script output

struct PyWrite: Decodable {
    var revisions: [String: UInt64]
}

struct PyGet: Decodable, CustomStringConvertible {
    var value: String?
    var revision: UInt64?
    var error: String?
    var bytes: [UInt8]? { value.flatMap { Data(base64Encoded: $0) }.map { Array($0) } }
    var text: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
    var description: String { "value=\(text ?? "nil") revision=\(revision.map(String.init) ?? "nil") error=\(error ?? "nil")" }
}

struct PyEntry: Decodable {
    var op: String
    var revision: UInt64
    var delta: UInt64?
    var value: String
}

struct PyRead: Decodable {
    var gets: [String: PyGet]
    var revs: [String: PyGet]
    var history: [String: [PyEntry]]
    var historyErrors: [String: String]
    var keys: [String]
    var bucketHistory: Int
    var values: UInt64
}

struct PyMutate: Decodable {
    var createGone: PyGet
    var createPurged: PyGet
    var createGreeting: PyGet
    var updateStale: PyGet
    var deleteCas: PyGet
}

// MARK: - Running nats.py

/// Finds (or installs, once per test process) nats-py and runs the helper script.
enum NATSPy {
    static let version = "2.16.0"

    /// `<repo>/.build/test-tools/nats-py-<version>`; scripts/test installs there too.
    static var toolsDir: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/test-tools/nats-py-\(version)").path
    }

    /// The environment in which `python3` can import nats-py, or why there is none.
    private static let prepared: Result<[String: String], TestSupportError> = prepare()

    static func environment() throws -> [String: String] { try prepared.get() }

    private static func canImport(_ env: [String: String]) -> Bool {
        let result = try? runProcess("/usr/bin/env", ["python3", "-c", "import nats, nats.js.kv"], env: env, timeout: 30)
        return result?.status == 0
    }

    private static func withToolsDir(_ env: [String: String]) -> [String: String] {
        var env = env
        let existing = env["PYTHONPATH"].map { ":" + $0 } ?? ""
        env["PYTHONPATH"] = toolsDir + existing
        return env
    }

    private static func prepare() -> Result<[String: String], TestSupportError> {
        let base = inheritedEnvironment()
        if canImport(base) { return .success(base) }
        let env = withToolsDir(base)
        if canImport(env) { return .success(env) }
        // Not installed: install it like scripts/test does (pip --target, no root needed).
        let staging = toolsDir + ".tmp.\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        var pipEnv = base
        pipEnv["PIP_ROOT_USER_ACTION"] = "ignore"
        let install = Result { try runProcess("/usr/bin/env", [
            "python3", "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-input",
            "--target", staging, "nats-py==\(version)",
        ], env: pipEnv, timeout: 180) }
        var detail = ""
        switch install {
        case .success(let r) where r.status == 0:
            try? FileManager.default.removeItem(atPath: toolsDir)
            try? FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: toolsDir).deletingLastPathComponent().path,
                withIntermediateDirectories: true)
            try? FileManager.default.moveItem(atPath: staging, toPath: toolsDir)
            if canImport(env) { return .success(env) }
            detail = "pip installed it into \(toolsDir), but `import nats` still fails"
        case .success(let r):
            detail = "pip exited with \(r.status): \(String(decoding: r.stderr.suffix(2000), as: UTF8.self))"
        case .failure(let error):
            detail = "\(error)"
        }
        try? FileManager.default.removeItem(atPath: staging)
        return .failure(TestSupportError(
            "nats-py \(version) is required for the cross-client tests but cannot be imported by python3 "
                + "and could not be installed (\(detail)). Run scripts/test (it installs nats-py into "
                + ".build/test-tools) or `python3 -m pip install nats-py==\(version)`."))
    }

    /// Runs the helper script in `mode` and decodes its JSON output.
    static func run<T: Decodable & Sendable>(_ type: T.Type, _ mode: String, _ args: String...) async throws -> T {
        try await blocking { try runBlocking(type, mode, args) }
    }

    private static func runBlocking<T: Decodable>(_ type: T.Type, _ mode: String, _ args: [String]) throws -> T {
        let env = try environment()
        let dir = try makeTempDir(prefix: "kvsh-natspy-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = dir + "/kv_compat.py"
        try Data(pythonScript.utf8).write(to: URL(fileURLWithPath: script))
        let result = try runProcess("/usr/bin/env", ["python3", script, mode] + args, env: env, timeout: 60)
        let stdout = String(decoding: result.stdout, as: UTF8.self)
        guard result.status == 0 else {
            throw TestSupportError("nats.py script \(mode) failed with \(result.status):\n\(stdout)\n"
                + String(decoding: result.stderr, as: UTF8.self))
        }
        do {
            return try JSONDecoder().decode(T.self, from: result.stdout)
        } catch {
            throw TestSupportError("nats.py script \(mode) printed unexpected JSON (\(error)):\n\(stdout)")
        }
    }

    static let pythonScript = #"""
import asyncio
import base64
import json
import sys

import nats
from nats.js import errors as jserr


def b64(data):
    return base64.b64encode(data or b"").decode()


async def result(coro):
    try:
        return {"revision": await coro}
    except jserr.KeyWrongLastSequenceError:
        return {"error": "wrong last sequence"}
    except Exception as e:  # report anything else by name
        return {"error": type(e).__name__ + ": " + str(e)}


async def main():
    mode, url, bucket = sys.argv[1], sys.argv[2], sys.argv[3]
    nc = await nats.connect(url, connect_timeout=5, allow_reconnect=False)
    try:
        js = nc.jetstream(timeout=5)
        stream = "KV_" + bucket

        async def last_seq():
            return (await js.stream_info(stream)).state.last_seq

        out = {}
        if mode == "write":
            kv = await js.create_key_value(bucket=bucket, history=5, description="made by nats.py")
            r = {}
            r["greeting.1"] = await kv.put("greeting", b"hello")
            r["greeting.2"] = await kv.put("greeting", b"hello again")
            r["gone.put"] = await kv.put("gone", b"bye")
            await kv.delete("gone")
            r["gone.del"] = await last_seq()
            r["purged.1"] = await kv.put("purged", b"a")
            r["purged.2"] = await kv.put("purged", b"b")
            await kv.purge("purged")
            r["purged.purge"] = await last_seq()
            r["nested"] = await kv.put("nested.a.b", bytes(range(256)))
            r["empty"] = await kv.put("empty", b"")
            r["created"] = await kv.create("created", b"c")
            r["updated.1"] = await kv.put("updated", b"u1")
            r["updated.2"] = await kv.update("updated", b"u2", last=r["updated.1"])
            out["revisions"] = r
        elif mode == "read":
            keys = json.loads(sys.argv[4])
            revisions = json.loads(sys.argv[5])
            kv = await js.key_value(bucket)
            gets, revs, history, history_errors = {}, {}, {}, {}
            for key in keys:
                try:
                    e = await kv.get(key)
                    gets[key] = {"value": b64(e.value), "revision": e.revision}
                except jserr.KeyNotFoundError:
                    gets[key] = {"error": "not found"}
                try:
                    history[key] = [
                        {"op": e.operation or "PUT", "revision": e.revision, "delta": e.delta, "value": b64(e.value)}
                        for e in await kv.history(key)
                    ]
                except jserr.NoKeysError:
                    history_errors[key] = "no keys"
            for key, rev in revisions:
                try:
                    e = await kv.get(key, revision=int(rev))
                    revs[key + "@" + rev] = {"value": b64(e.value), "revision": e.revision}
                except jserr.KeyNotFoundError:
                    revs[key + "@" + rev] = {"error": "not found"}
            try:
                all_keys = sorted(set(await kv.keys()))
            except jserr.NoKeysError:
                all_keys = []
            status = await kv.status()
            out = {
                "gets": gets, "revs": revs, "history": history, "historyErrors": history_errors,
                "keys": all_keys, "bucketHistory": status.history, "values": status.values,
            }
        elif mode == "mutate":
            stale = int(sys.argv[4])
            kv = await js.key_value(bucket)
            out["createGone"] = await result(kv.create("gone", b"py-created"))
            out["createPurged"] = await result(kv.create("purged", b"py-created"))
            out["createGreeting"] = await result(kv.create("greeting", b"x"))
            out["updateStale"] = await result(kv.update("cas", b"x", last=stale))

            async def delete_cas():
                await kv.delete("cas")
                return await last_seq()

            out["deleteCas"] = await result(delete_cas())
        else:
            raise SystemExit("unknown mode " + mode)
        print(json.dumps(out, sort_keys=True))
    finally:
        await nc.close()


asyncio.run(main())
"""#
}
