// Output of the read commands through the built `kvsh` binary: history and bucket tables,
// key lists, `--json` documents and `--raw` bytes.

import Foundation
import Testing
import TestSupport

@Suite("kvsh binary: output", .offCooperativePool)
struct CLIOutputTests {
    @Test("kv history: a table of every kept revision")
    func historyTable() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "hist", "--history", "5")
        try kvsh.ok("kv", "put", "hist", "k", "v1")
        try kvsh.ok("kv", "put", "hist", "other", "x")
        try kvsh.ok("kv", "put", "hist", "k", String(repeating: "0123456789", count: 5))
        try kvsh.ok("kv", "del", "hist", "k")

        let r = try kvsh.ok("kv", "history", "hist", "k")
        let lines = r.lines
        #expect(lines.first?.hasPrefix("╭") == true && lines.last?.hasPrefix("╰") == true, "\(r)")
        #expect(cells(lines[1]) == ["History for hist > k"], "\(r)")
        #expect(cells(lines[3]) == ["Key", "Revision", "Op", "Created", "Length", "Value"], "\(r)")
        let rows = lines.dropFirst(5).dropLast().map(cells)
        #expect(rows.count == 3, "\(r)")
        guard rows.count == 3 else { return }
        #expect(rows.map { $0[0] } == ["k", "k", "k"])
        #expect(rows.map { $0[1] } == ["1", "3", "4"])
        #expect(rows.map { $0[2] } == ["PUT", "PUT", "DELETE"])
        #expect(rows.allSatisfy { isRecentUTC($0[3]) }, "\(r)")
        #expect(rows.map { $0[4] } == ["2", "50", "0"])
        #expect(rows.map { $0[5] } == ["v1", "012345678901234...567890123456789", ""])
        // Every line of the box has the same width.
        #expect(Set(lines.map(\.count)).count == 1, "\(r)")

        let json = try kvsh.ok("kv", "history", "hist", "k", "--json")
        let entries = try #require(json.json as? [[String: Any]], "\(json)")
        #expect(entries.map { $0["revision"] as? Int } == [1, 3, 4])
        #expect(entries.map { $0["operation"] as? String } == ["PUT", "PUT", "DELETE"])
        #expect(entries.first?["value"] as? String == "v1")
        #expect(entries.first?["value_b64"] as? String == "djE=")
        #expect(entries.allSatisfy { $0["bucket"] as? String == "hist" && $0["key"] as? String == "k" })

        let none = try kvsh("kv", "history", "hist", "never-written")
        #expect(none.status == 1 && none.stdout.isEmpty && none.stderr == "nats: error: nats: key not found\n",
                "\(none)")
    }

    @Test("kv keys and kv ls BUCKET: one key per line, filters, or No keys found in bucket")
    func keyLists() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "keys")
        #expect(try kvsh.run(["kv", "keys", "keys"]).stderr == "No keys found in bucket\n")
        #expect(try kvsh.run(["kv", "ls", "keys"]).stderr == "No keys found in bucket\n")
        #expect(try kvsh.ok("kv", "keys", "keys", "--json").json as? [String] == [])

        for key in ["orders.1", "orders.2", "users.1", "plain"] {
            try kvsh.ok("kv", "put", "keys", key, "v")
        }
        try kvsh.ok("kv", "del", "keys", "orders.2")
        let expected: Set = ["orders.1", "users.1", "plain"]
        #expect(Set(try kvsh.ok("kv", "keys", "keys").lines) == expected)
        #expect(Set(try kvsh.ok("kv", "ls", "keys").lines) == expected)
        #expect(Set(try kvsh.ok("kv", "list", "keys").lines) == expected)
        #expect(Set(try kvsh.keys("keys")) == expected)
        #expect(try kvsh.ok("kv", "keys", "keys", "orders.*").lines == ["orders.1"])
        #expect(try kvsh.ok("kv", "ls", "keys", "users.>").lines == ["users.1"])
        #expect(Set(try kvsh.ok("kv", "keys", "keys", "orders.*", "plain").lines) == ["orders.1", "plain"])
        #expect(try kvsh.run(["kv", "keys", "keys", "nothing.*"]).stderr == "No keys found in bucket\n")
    }

    @Test("kv ls: the bucket table, --names, --json, and no buckets")
    func bucketList() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        #expect(try kvsh.run(["kv", "ls"]).stderr == "No Key-Value buckets found\n")
        #expect(try kvsh.ok("kv", "ls", "--names").stdout == "")
        #expect(try kvsh.ok("kv", "ls", "--json").json as? [Any] != nil)

        try kvsh.ok("kv", "add", "big", "--description", "the big one")
        try kvsh.ok("kv", "add", "empty")
        try kvsh.ok("kv", "put", "big", "k1", String(repeating: "x", count: 100))
        try kvsh.ok("kv", "put", "big", "k2", "y")

        let table = try kvsh.ok("kv", "ls")
        let lines = table.lines
        #expect(cells(lines[1]) == ["Key-Value Buckets"], "\(table)")
        #expect(cells(lines[3]) == ["Bucket", "Description", "Created", "Size", "Values", "Last Update"], "\(table)")
        let rows = lines.dropFirst(5).dropLast().map(cells)
        // Smallest first: the empty bucket, then the one with data.
        #expect(rows.map { $0.first ?? "" } == ["empty", "big"], "\(table)")
        if rows.count == 2 {
            #expect(rows[0][1] == "" && rows[1][1] == "the big one", "\(table)")
            #expect(isRecentUTC(rows[0][2]) && isRecentUTC(rows[1][2]), "\(table)")
            #expect(rows[0][3] == "0 B" && rows[1][3].hasSuffix(" B"), "\(table)")
            #expect(rows[0][4] == "0" && rows[1][4] == "2", "\(table)")
            #expect(rows[0][5] == "never", "\(table)")
        }

        for flag in ["--names", "-n"] {
            let names = try kvsh.ok("kv", "ls", flag)
            #expect(Set(names.lines) == ["big", "empty"], "\(names)")
            #expect(names.lines.count == 2, "\(names)")
        }

        let json = try kvsh.ok("kv", "ls", "--json")
        let buckets = try #require(json.json as? [[String: Any]], "\(json)")
        let byName = Dictionary(uniqueKeysWithValues: buckets.map { ($0["bucket"] as? String ?? "", $0) })
        #expect(Set(byName.keys) == ["big", "empty"])
        #expect(byName["big"]?["values"] as? Int == 2)
        #expect(byName["big"]?["description"] as? String == "the big one")
        #expect(byName["empty"]?["values"] as? Int == 0)
        #expect(byName["big"]?["stream"] as? String == "KV_big")
    }

    @Test("--json of get, put, del, status and add")
    func jsonDocuments() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        let add = try kvsh.ok("kv", "add", "js", "--history", "3", "--max-value-size", "1KiB", "--ttl", "1h",
                              "--storage", "memory", "--json")
        let created = try #require(add.json as? [String: Any], "\(add)")
        #expect(created["bucket"] as? String == "js")
        #expect(created["history"] as? Int == 3)
        #expect(created["max_value_size"] as? Int == 1024)
        #expect(created["ttl_ns"] as? Int == 3_600_000_000_000)
        #expect(created["storage"] as? String == "memory")
        #expect(created["stream"] as? String == "KV_js")
        #expect(created["backing_store"] as? String == "JetStream")
        #expect(created["values"] as? Int == 0)

        let put = try kvsh.ok("kv", "put", "js", "Key1", "Value1", "--json")
        let written = try #require(put.json as? [String: Any], "\(put)")
        #expect(written["bucket"] as? String == "js")
        #expect(written["key"] as? String == "Key1")
        #expect(written["revision"] as? Int == 1)

        let get = try kvsh.ok("kv", "get", "js", "Key1", "--json")
        let entry = try #require(get.json as? [String: Any], "\(get)")
        #expect(entry["bucket"] as? String == "js")
        #expect(entry["key"] as? String == "Key1")
        #expect(entry["value"] as? String == "Value1")
        #expect(entry["value_b64"] as? String == "VmFsdWUx")
        #expect(entry["revision"] as? Int == 1)
        #expect(entry["operation"] as? String == "PUT")
        let createdAt = try #require(entry["created"] as? String)
        #expect(createdAt.hasSuffix("Z"), "\(createdAt)")
        #expect(abs((ISO8601DateFormatter().date(from: String(createdAt.prefix(19)) + "Z")?.timeIntervalSinceNow
            ?? 1e9)) < 300, "\(createdAt)")

        try kvsh.ok("kv", "put", "js", "Key1", "Value2")
        let old = try #require(try kvsh.ok("kv", "get", "js", "Key1", "--revision", "1", "--json").json
            as? [String: Any])
        #expect(old["value"] as? String == "Value1")

        let del = try kvsh.ok("kv", "del", "js", "Key1", "--json")
        #expect((del.json as? [String: Any])?["revision"] as? Int == 3, "\(del)")

        let status = try kvsh.status("js")
        #expect(status["values"] as? Int == 3)
        #expect(status["history"] as? Int == 3)
        #expect((status["bytes"] as? Int ?? 0) > 0)
        #expect(status["last_update"] is String)
        #expect(status["compressed"] as? Bool == false)
        #expect(status["replicas"] as? Int == 1)

        let text = try kvsh.ok("kv", "status", "js")
        let rows = statusRows(text)
        #expect(rows["Storage"] == "Memory")
        #expect(rows["Maximum Value Size"] == "1.0 KiB")
        #expect(rows["Maximum Age"] == "1h0m0s")
        #expect(rows["History Kept"] == "3")
        #expect(rows["Values Stored"] == "3")
        for alias in ["info", "view"] {
            #expect(try kvsh.ok("kv", alias, "js").stdout.contains("Bucket Name: js"))
        }
    }

    @Test("--raw get returns a binary value written from stdin byte for byte")
    func rawBinaryRoundTrip() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "bin")
        let bytes = Data((0...255).map { UInt8($0) })

        let put = try kvsh.ok("kv", "put", "bin", "all", stdin: bytes)
        #expect(put.stdout == bytes.base64EncodedString() + "\n", "binary values print as base64: \(put)")

        let raw = try kvsh.ok("kv", "get", "bin", "all", "--raw")
        #expect(raw.stdoutData == bytes)

        let json = try #require(try kvsh.ok("kv", "get", "bin", "all", "--json").json as? [String: Any])
        #expect(json["value"] is NSNull)
        #expect(json["value_b64"] as? String == bytes.base64EncodedString())

        // Without --raw: the first 120 bytes as base64 and a pointer to --raw.
        let shown = try kvsh.ok("kv", "get", "bin", "all")
        #expect(shown.lines.count == 5, "\(shown)")
        if shown.lines.count == 5 {
            #expect(shown.lines[2] == bytes.prefix(120).base64EncodedString())
            #expect(shown.lines[3] == "Showing first 120 bytes of 256, use --raw for full data")
            #expect(shown.lines[4] == "")
        }

        // create and update take stdin too; text with a trailing newline survives as is.
        let text = Data("line one\nline two\n".utf8)
        try kvsh.ok("kv", "create", "bin", "text", stdin: text)
        #expect(try kvsh.ok("kv", "get", "bin", "text", "--raw").stdoutData == text)
        let revision = try #require((try kvsh.ok("kv", "get", "bin", "text", "--json").json as? [String: Any])?["revision"]
            as? Int)
        try kvsh.ok("kv", "update", "bin", "text", String(revision), stdin: bytes)
        #expect(try kvsh.ok("kv", "get", "bin", "text", "--raw").stdoutData == bytes)

        // An empty stdin stores an empty value.
        try kvsh.ok("kv", "put", "bin", "empty", stdin: Data())
        #expect(try kvsh.ok("kv", "get", "bin", "empty", "--raw").stdoutData.isEmpty)
    }
}

/// The cells of one table line (`│ a │ b │`), trimmed; empty for border lines.
func cells(_ line: String) -> [String] {
    guard line.hasPrefix("│") else { return [] }
    return line.split(separator: "│", omittingEmptySubsequences: false).dropFirst().dropLast()
        .map { $0.trimmingCharacters(in: .whitespaces) }
}
