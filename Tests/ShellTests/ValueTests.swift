#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KeyValue
import Testing
@testable import Shell

private let entry = Entry(bucket: "my-kv", key: "Key1", value: Array("Value1".utf8), revision: 13,
                          created: Date(timeIntervalSince1970: 1_634_069_280), delta: 2, operation: .put)

@Suite("Values")
struct ValueTests {
    @Test("text forms")
    func textForms() {
        #expect(Value.string("a b").textForm == "a b")
        #expect(Value.int(-42).textForm == "-42")
        #expect(Value.bool(true).textForm == "true")
        #expect(Value.bool(false).textForm == "false")
        #expect(Value.null.textForm == "")
        #expect(Value.entry(entry).textForm == "Value1")
        #expect(Value.list([.string("a"), .int(1), .list([.string("b"), .string("c")])]).textForm == "a 1 b c")
        #expect(Value.list([]).textForm == "")
        #expect(Value.record(Record([("bucket", .string("my-kv")), ("values", .int(3)),
                                     ("description", .string("two words")), ("empty", .string(""))])).textForm
            == #"{"bucket":"my-kv","values":3,"description":"two words","empty":""}"#)
        // Parts of a JSON document are JSON again when passed on as text.
        #expect(Value.record(Record([("rps", .int(100)), ("tags", .list([.string("a")])), ("x", .null),
                                     ("ratio", .double(0.5))])).textForm == #"{"rps":100,"tags":["a"],"x":null,"ratio":0.5}"#)
    }

    @Test("an entry's value with invalid UTF-8 becomes replacement characters, never a crash")
    func invalidUTF8() {
        var bad = entry
        bad.value = [0x41, 0xFF, 0x42]
        #expect(Value.entry(bad).textForm == "A\u{FFFD}B")
    }

    @Test("entry fields")
    func entryFields() {
        let e = Value.entry(entry)
        #expect(e.field("key") == .string("Key1"))
        #expect(e.field("value") == .string("Value1"))
        #expect(e.field("revision") == .int(13))
        #expect(e.field("created") == .string("2021-10-12T20:08:00Z"))
        #expect(e.field("op") == .string("PUT"))
        #expect(e.field("bucket") == .string("my-kv"))
        #expect(e.field("delta") == .int(2))
        #expect(e.field("nope") == nil)
        #expect(e.missingFieldExplanation("nope")
            == "an entry has no field 'nope'; its fields are key, value, revision, created, op, bucket, delta, json")
        var deleted = entry
        deleted.operation = .delete
        #expect(Value.entry(deleted).field("op") == .string("DEL"))
    }

    @Test("record and list fields")
    func recordAndListFields() {
        let record = Value.record(Record([("a", .int(1)), ("b", .string("x"))]))
        #expect(record.field("b") == .string("x"))
        #expect(record.missingFieldExplanation("c") == "the record has no field 'c'; its fields are a, b")
        let list = Value.list([.string("x"), .string("y")])
        #expect(list.field("count") == .int(2))
        #expect(list.field("0") == .string("x"))
        #expect(list.field("1") == .string("y"))
        #expect(list.field("2") == nil)
        #expect(list.missingFieldExplanation("2") == "index 2 is out of range: the list has 2 elements (indexes start at 0)")
        #expect(list.missingFieldExplanation("size") == "a list has no field 'size'; use .count or an index such as .0")
        #expect(Value.string("s").field("count") == nil)
        #expect(Value.string("s").missingFieldExplanation("x") == "a string has no fields ('.json' reads it as JSON)")
        #expect(Value.int(1).missingFieldExplanation("x") == "an int has no fields")
    }

    @Test("display forms show types and escape control characters")
    func displayForms() {
        #expect(Value.string("a\"b\n$c\u{1B}").displayForm == #""a\"b\n\$c\u{1b}""#)
        #expect(Value.entry(entry).displayForm == #"entry my-kv > Key1 revision 13 PUT: "Value1""#)
        #expect(Value.list([.string("a"), .int(1)]).displayForm == #"["a", 1]"#)
        #expect(Value.record(Record([("n", .bool(true))])).displayForm == "{n: true}")
        #expect(Value.null.displayForm == "null")
    }

    @Test("RFC 3339 timestamps", arguments: [
        (0.0, "1970-01-01T00:00:00Z"),
        (1_634_069_280.0, "2021-10-12T20:08:00Z"),
        (1_634_069_280.25, "2021-10-12T20:08:00.25Z"),
        (951_782_400.0, "2000-02-29T00:00:00Z"),
        (4_107_542_399.0, "2100-02-28T23:59:59Z"),
        (-1.0, "1969-12-31T23:59:59Z"),
    ])
    func timestamps(seconds: Double, text: String) {
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test("durations", arguments: [
        ("2", Int64(2_000_000_000)), ("0", 0), ("1.5", 1_500_000_000), ("500ms", 500_000_000), ("2s", 2_000_000_000),
        ("1m30s", 90_000_000_000), ("1h", 3_600_000_000_000), ("10us", 10_000), ("10µs", 10_000), ("7ns", 7),
        (".5s", 500_000_000),
    ])
    func durations(text: String, nanoseconds: Int64) {
        #expect(DurationText.nanoseconds(text) == nanoseconds)
    }

    @Test("invalid durations", arguments: ["", "s", "-1s", "1x", "1.2.3s", "ms5", "1 s", "abc", ".", "1s2"])
    func invalidDurations(text: String) {
        #expect(DurationText.nanoseconds(text) == nil)
    }
}
