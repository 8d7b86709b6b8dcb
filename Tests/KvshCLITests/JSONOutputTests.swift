import Foundation
import KeyValue
import Testing
@testable import KvshCLI

@Suite("JSON output")
struct JSONOutputTests {
    private static let created = Date(timeIntervalSince1970: 1_795_584_398.25)

    /// Decodes `text` with Foundation's parser, failing the test when it is not valid JSON.
    private func decode(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    @Test func entryExactText() {
        let e = Entry(bucket: "my-kv", key: "Key1", value: Array("Value1".utf8), revision: 3,
                      created: Self.created, delta: 2)
        #expect(jsonEntry(e) == #"{"bucket":"my-kv","key":"Key1","value":"Value1","value_b64":"VmFsdWUx","#
            + #""revision":3,"created":"2026-11-25T05:26:38.25Z","delta":2,"operation":"PUT"}"#)
    }

    @Test func entryRoundTripsTextWithEscapes() throws {
        let text = "quote\" slash\\ nl\n cr\r tab\t esc\u{1B} nul\0 del\u{7F} c1\u{85} ls\u{2028} ü 日本 🙂"
        let e = Entry(bucket: "b", key: "k", value: Array(text.utf8), revision: 1, created: Self.created)
        let json = jsonEntry(e)
        #expect(!json.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        #expect(json.contains("ü 日本 🙂"))  // non-ASCII passes through
        let object = try #require(try decode(json) as? [String: Any])
        #expect(object["value"] as? String == text)
        #expect(object["value_b64"] as? String == Data(text.utf8).base64EncodedString())
        #expect(object["operation"] as? String == "PUT")
        #expect((object["revision"] as? NSNumber)?.intValue == 1)
    }

    @Test func binaryEntryHasNullValue() throws {
        let e = Entry(bucket: "b", key: "k", value: [0xFF, 0x00], revision: 7, created: Self.created)
        #expect(jsonEntry(e).contains(#""value":null,"value_b64":"/wA=""#))
        let object = try #require(try decode(jsonEntry(e)) as? [String: Any])
        #expect(object["value"] is NSNull)
        #expect(Data(base64Encoded: try #require(object["value_b64"] as? String)) == Data([0xFF, 0x00]))
    }

    @Test func markersAndEmptyValues() throws {
        let del = Entry(bucket: "b", key: "k", value: [], revision: 8, created: Self.created, operation: .delete)
        let purge = Entry(bucket: "b", key: "k", value: [], revision: 9, created: Self.created, operation: .purge)
        let empty = Entry(bucket: "b", key: "k", value: [], revision: 10, created: Self.created)
        #expect(jsonEntry(del).contains(#""value":"","value_b64":"""#))
        #expect(jsonEntry(del).hasSuffix(#""operation":"DELETE"}"#))
        #expect(jsonEntry(purge).hasSuffix(#""operation":"PURGE"}"#))
        #expect(jsonEntry(empty).contains(#""value":"""#))
    }

    @Test func history() throws {
        let entries = (1...3).map {
            Entry(bucket: "b", key: "k", value: Array("v\($0)".utf8), revision: UInt64($0), created: Self.created,
                  delta: UInt64(3 - $0))
        }
        let array = try #require(try decode(jsonHistory(entries)) as? [[String: Any]])
        #expect(array.map { $0["value"] as? String } == ["v1", "v2", "v3"])
        #expect(array.map { ($0["delta"] as? NSNumber)?.intValue } == [2, 1, 0])
        #expect(jsonHistory([]) == "[]")
    }

    @Test func keys() throws {
        #expect(jsonKeys([]) == "[]")
        #expect(jsonKeys(["a", "b.c", "x/y=z"]) == #"["a","b.c","x/y=z"]"#)
        #expect(try decode(jsonKeys(["a\"b"])) as? [String] == ["a\"b"])
    }

    @Test func statusExactText() {
        var s = BucketStatus(bucket: "my-kv", values: 6, history: 5, bytes: 476, backingStore: "JetStream")
        s.ttlNanos = 3_600_000_000_000
        s.streamName = "KV_my-kv"
        s.created = Self.created
        #expect(jsonStatus(s) == #"{"bucket":"my-kv","description":null,"history":5,"values":6,"bytes":476,"#
            + #""max_bucket_size":null,"max_value_size":null,"ttl_ns":3600000000000,"storage":"file","#
            + #""replicas":1,"compressed":false,"per_key_ttl":false,"limit_marker_ttl_ns":null,"#
            + #""backing_store":"JetStream","stream":"KV_my-kv","created":"2026-11-25T05:26:38.25Z","#
            + #""last_update":null,"cluster":null}"#)
    }

    @Test func statusWithEverythingDecodes() throws {
        var s = BucketStatus(bucket: "b", values: .max, bytes: 1, storage: .memory, backingStore: "JetStream")
        s.description = "multi\nline \"desc\""
        s.maxBucketSize = 1 << 30
        s.maxValueSize = 1_024
        s.limitMarkerTTLNanos = 2_000_000_000
        s.lastUpdate = Self.created
        s.cluster = ClusterInfo(name: "east", leader: nil, replicas: [
            .init(name: "n2", current: true, offline: false, activeNanos: 5, lag: 3),
        ])
        let object = try #require(try decode(jsonStatus(s)) as? [String: Any])
        #expect(object["description"] as? String == "multi\nline \"desc\"")
        #expect((object["values"] as? NSNumber)?.uint64Value == .max)
        #expect((object["max_bucket_size"] as? NSNumber)?.int64Value == 1 << 30)
        #expect((object["max_value_size"] as? NSNumber)?.intValue == 1_024)
        #expect((object["limit_marker_ttl_ns"] as? NSNumber)?.int64Value == 2_000_000_000)
        #expect(object["storage"] as? String == "memory")
        #expect(object["ttl_ns"] is NSNull)
        let cluster = try #require(object["cluster"] as? [String: Any])
        #expect(cluster["name"] as? String == "east")
        #expect(cluster["leader"] is NSNull)
        let replicas = try #require(cluster["replicas"] as? [[String: Any]])
        #expect(replicas.first?["name"] as? String == "n2")
        #expect((replicas.first?["lag"] as? NSNumber)?.intValue == 3)
    }

    @Test func writerEscapesEveryControlCharacter() throws {
        let all = String(String.UnicodeScalarView((0..<0xA0).compactMap(Unicode.Scalar.init)))
        let json = JSONValue.string(all).serialized
        #expect(json.hasPrefix(#""\u0000\u0001"#))
        #expect(json.contains(#"\b\t\n\u000b\f\r"#))
        #expect(json.contains(##" !\"#"##))
        #expect(json.contains(#"[\\]"#))
        #expect(json.contains(#"~\u007f\u0080"#))
        #expect(try decode(json) as? String == all)
    }

    @Test func writerScalars() {
        #expect(JSONValue.null.serialized == "null")
        #expect(JSONValue.bool(true).serialized == "true")
        #expect(JSONValue.int(-5).serialized == "-5")
        #expect(JSONValue.uint(.max).serialized == "18446744073709551615")
        #expect(JSONValue.nullable(nil).serialized == "null")
        #expect(JSONValue.object([]).serialized == "{}")
        #expect(JSONValue.object([.init("a", .array([.int(1), .null])), .init("b", .bool(false))]).serialized
            == #"{"a":[1,null],"b":false}"#)
    }
}
