import Foundation
import KeyValueTestSupport
import NATSClient
import NIOCore
import Testing
import TestSupport

/// A bucket made by another client (natscli, nats.go, nats.py) may carry stream settings kvsh
/// does not model. Every kvsh command keeps the server's whole configuration, field by field,
/// changing only what the command is about.
@Suite("NATS KV: another client's bucket settings survive kvsh", .natsServer, .offCooperativePool)
struct ForeignBucketSettingsTests {
    /// A KV stream as another client makes it: what kvsh writes for `--history 5 --description
    /// "made elsewhere"`, plus settings kvsh does not model (republish, subject transform,
    /// consumer limits, atomic batches, discard-new per subject, metadata) and per-key TTLs.
    /// Without `perKeyTTL` the per-key TTL settings (which a server refuses to switch off) are left out.
    static func foreignConfig(_ bucket: String, perKeyTTL: Bool = true) -> [String: Any] {
        var config: [String: Any] = [
            "name": "KV_\(bucket)", "subjects": ["$KV.\(bucket).>"], "retention": "limits",
            "max_consumers": -1, "max_msgs": -1, "max_bytes": -1, "discard": "new", "max_age": 0,
            "max_msgs_per_subject": 5, "max_msg_size": -1, "storage": "file", "num_replicas": 1,
            "duplicate_window": 120_000_000_000, "deny_delete": true, "allow_rollup_hdrs": true,
            "compression": "none", "allow_direct": true, "mirror_direct": false, "description": "made elsewhere",
            "republish": ["src": "$KV.\(bucket).>", "dest": "repub.\(bucket).>"],
            "subject_transform": ["src": "$KV.\(bucket).>", "dest": "$KV.\(bucket).>"],
            "consumer_limits": ["inactive_threshold": 600_000_000_000],
            "allow_atomic": true, "discard_new_per_subject": true, "metadata": ["owner": "team-a"],
        ]
        if perKeyTTL {
            config["allow_msg_ttl"] = true
            config["subject_delete_marker_ttl"] = 60_000_000_000
        }
        return config
    }

    /// The settings of a bucket made by an old client: discard old, no direct get (what kvsh,
    /// like nats.go, upgrades), without the settings that need discard new.
    static func oldClientConfig(_ bucket: String, perKeyTTL: Bool) -> [String: Any] {
        var config = foreignConfig(bucket, perKeyTTL: perKeyTTL)
        config["discard"] = "old"
        config["allow_direct"] = false
        config["discard_new_per_subject"] = nil
        return config
    }

    /// The fields the test means to see survive (the server adds more, e.g. `sealed`).
    static let foreignOnlyFields = ["republish", "subject_transform", "consumer_limits", "allow_atomic",
                                    "discard_new_per_subject", "metadata", "allow_msg_ttl", "subject_delete_marker_ttl"]

    func create(_ config: [String: Any], on client: KVClient) async throws {
        let name = try #require(config["name"] as? String)
        let body = try JSONSerialization.data(withJSONObject: config)
        let reply = try await client.connection.request("$JS.API.STREAM.CREATE.\(name)", payload: ByteBuffer(bytes: body))
        let text = String(buffer: reply.payload)
        #expect(!text.contains("\"error\""), "the server refused the test's stream: \(text)")
    }

    func serverConfig(_ bucket: String, _ client: KVClient) async throws -> [String: Any] {
        try #require(try await client.rawStreamInfo("KV_\(bucket)")["config"] as? [String: Any])
    }

    /// Fields whose values differ between `before` and `after`, except `changed`, which must
    /// hold the given values afterwards.
    func differences(_ before: [String: Any], _ after: [String: Any], changed: [String: Any] = [:]) -> [String] {
        func text(_ value: Any?) -> String {
            guard let value else { return "absent" }
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
            return data.map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
        }
        var found: [String] = []
        for key in Set(before.keys).union(after.keys).sorted() {
            let expected = changed[key] ?? before[key]
            if text(expected) != text(after[key]) {
                found.append("\(key): \(text(before[key])) → \(text(after[key]))")
            }
        }
        return found
    }

    @discardableResult
    func kvsh(_ args: String..., expectStatus: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> (status: Int32, stdout: String, stderr: String) {
        let env = inheritedEnvironment(["NATS_URL": try SuiteServer.require().url, "SWIFT_BACKTRACE": "enable=no"])
        let r = try runProcess(KvshBinary.path(), args, env: env, timeout: 20)
        let result = (r.status, String(decoding: r.stdout, as: UTF8.self), String(decoding: r.stderr, as: UTF8.self))
        #expect(result.0 == expectStatus, "kvsh \(args.joined(separator: " ")): \(result)", sourceLocation: sourceLocation)
        return result
    }

    @Test("the test's stream holds every field it means to check (the server accepted them all)")
    func serverKeepsTheForeignFields() async throws {
        try await withClient { client in
            let bucket = uniqueBucketName("foreign")
            try await create(Self.foreignConfig(bucket), on: client)
            let config = try await serverConfig(bucket, client)
            for field in Self.foreignOnlyFields { #expect(config[field] != nil, "\(field) missing: \(config)") }
            #expect((config["metadata"] as? [String: Any])?["owner"] as? String == "team-a")
        }
    }

    @Test("kv add with the same settings on another client's bucket succeeds and changes no field",
          arguments: [true, false])
    func addSameSettings(perKeyTTL: Bool) async throws {
        try await withClient { client in
            let bucket = uniqueBucketName("foreign")
            try await create(Self.foreignConfig(bucket, perKeyTTL: perKeyTTL), on: client)
            let before = try await serverConfig(bucket, client)
            try kvsh("kv", "add", bucket, "--history", "5", "--description", "made elsewhere")
            let after = try await serverConfig(bucket, client)
            #expect(differences(before, after).isEmpty, "\(differences(before, after))")
        }
    }

    @Test("kv add on an old client's bucket changes discard and allow_direct only", arguments: [true, false])
    func addUpgradesOnlyWhatItMust(perKeyTTL: Bool) async throws {
        try await withClient { client in
            let bucket = uniqueBucketName("oldclient")
            try await create(Self.oldClientConfig(bucket, perKeyTTL: perKeyTTL), on: client)
            let before = try await serverConfig(bucket, client)
            #expect(before["discard"] as? String == "old" && before["allow_direct"] as? Bool == false)
            try kvsh("kv", "add", bucket, "--history", "5", "--description", "made elsewhere")
            let after = try await serverConfig(bucket, client)
            let found = differences(before, after, changed: ["discard": "new", "allow_direct": true])
            #expect(found.isEmpty, "\(found)")
            #expect(after["republish"] != nil && after["subject_transform"] != nil && after["allow_atomic"] as? Bool == true)
        }
    }

    @Test("kv add with different settings is refused with one message and changes no field")
    func addDifferentSettings() async throws {
        try await withClient { client in
            let bucket = uniqueBucketName("foreign")
            try await create(Self.foreignConfig(bucket), on: client)
            let before = try await serverConfig(bucket, client)
            for args in [["--history", "3"], ["--history", "5"], ["--history", "5", "--description", "other"],
                         ["--history", "5", "--description", "made elsewhere", "--ttl", "1h"]] {
                let r = try runProcess(KvshBinary.path(), ["kv", "add", bucket] + args,
                                       env: inheritedEnvironment(["NATS_URL": try SuiteServer.require().url]))
                let stderr = String(decoding: r.stderr, as: UTF8.self)
                #expect(r.status == 1 && r.stdout.isEmpty && stderr == "nats: error: nats: bucket name already in use: \(bucket)\n", "\(args): \(stderr)")
            }
            let after = try await serverConfig(bucket, client)
            #expect(differences(before, after).isEmpty, "\(differences(before, after))")
        }
    }

    @Test("reads, writes, deletes, purges, status and listings leave every field as it was")
    func everyOtherCommand() async throws {
        try await withClient { client in
            let bucket = uniqueBucketName("foreign")
            try await create(Self.foreignConfig(bucket), on: client)
            let before = try await serverConfig(bucket, client)
            try kvsh("kv", "put", bucket, "k", "v1")
            try kvsh("kv", "create", bucket, "lock", "me")
            try kvsh("kv", "update", bucket, "k", "v2", "1")
            try kvsh("kv", "get", bucket, "k")
            try kvsh("kv", "history", bucket, "k")
            try kvsh("kv", "keys", bucket)
            try kvsh("kv", "ls", bucket)
            try kvsh("kv", "ls")
            try kvsh("kv", "status", bucket)
            try kvsh("kv", "del", bucket, "lock")
            try kvsh("kv", "purge", bucket, "k", "--force")
            try kvsh("account", "info")
            let after = try await serverConfig(bucket, client)
            #expect(differences(before, after).isEmpty, "\(differences(before, after))")
        }
    }
}
