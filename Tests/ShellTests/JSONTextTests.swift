import Testing
import TestSupport
@testable import Shell

private func parseError(_ text: String) -> JSONText.SyntaxError? {
    do {
        _ = try JSONText.parse(text)
        return nil
    } catch {
        return error
    }
}

@Suite("JSON text")
struct JSONTextTests {
    @Test("documents become values: objects in member order, integers ints, other numbers doubles")
    func parse() throws {
        let value = try JSONText.parse(#" {"b": [1, -2, 1.5, 1e3, true, false, null], "a": {"x": "y"}, "": 0} "#)
        let expected = Value.record(Record([
            ("b", .list([.int(1), .int(-2), .double(1.5), .double(1000), .bool(true), .bool(false), .null])),
            ("a", .record(Record([("x", .string("y"))]))),
            ("", .int(0)),
        ]))
        #expect(value == expected)
        #expect(try JSONText.parse("-0") == .int(0))
        #expect(try JSONText.parse("9223372036854775807") == .int(Int.max))
        #expect(try JSONText.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try JSONText.parse("0.1").textForm == "0.1")
        #expect(try JSONText.parse("1E+2") == .double(100))
        #expect(try JSONText.parse("[]") == .list([]))
        #expect(try JSONText.parse("{}") == .record(Record([])))
    }

    @Test("string escapes, including surrogate pairs")
    func escapes() throws {
        #expect(try JSONText.parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try JSONText.parse(#""\u00e9\u0000""#) == .string("é\u{0}"))
        #expect(try JSONText.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONText.parse("\"😀 é\"") == .string("😀 é"))
    }

    @Test("each malformed document has one message with its byte offset", arguments: [
        ("", "expected a value, found end of text at byte 0"),
        ("  ", "expected a value, found end of text at byte 2"),
        (#"{"a":1 "b":2}"#, "expected ',' or '}', found '\"' at byte 7"),
        (#"{"a":1,}"#, "expected a member name in double quotes, found '}' at byte 7"),
        (#"{"a" 1}"#, "expected ':' after the member name, found '1' at byte 5"),
        (#"{a:1}"#, "expected a member name in double quotes, found 'a' at byte 1"),
        ("[1 2]", "expected ',' or ']', found '2' at byte 3"),
        ("[1,]", "expected a value, found ']' at byte 3"),
        ("[1", "expected ',' or ']', found end of text at byte 2"),
        (#"{"a":1,"a":2}"#, "duplicate member \"a\" at byte 7"),
        ("01", "a number may not start with 0 at byte 0"),
        ("-", "expected a digit after '-' at byte 1"),
        ("1.", "expected a digit after '.' at byte 2"),
        ("1e", "expected a digit in the exponent at byte 2"),
        ("+1", "expected a value, found '+' at byte 0"),
        ("1e400", "number 1e400 is out of range at byte 0"),
        ("NaN", "expected a value, found 'N' at byte 0"),
        ("tru", "expected 'true' at byte 0"),
        ("nul", "expected 'null' at byte 0"),
        ("1 2", "unexpected text after the document at byte 2"),
        (#""abc"#, "unterminated string starting at byte 0"),
        ("\"a\nb\"", "control character 0xa in a string (escape it) at byte 2"),
        (#""\"#, "unterminated escape at byte 1"),
        ("\"", "unterminated string starting at byte 0"),
        (#""\x""#, "unknown escape '\\x' (the escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX) at byte 1"),
        (#""\u12""#, "expected four hex digits after \\u at byte 1"),
        (#""\ud83d""#, "high surrogate \\ud83d not followed by a low surrogate at byte 1"),
        (#""\ud83d\u0041""#, "high surrogate \\ud83d not followed by a low surrogate at byte 1"),
        (#""\ude00""#, "lone low surrogate \\ude00 at byte 1"),
        ("\u{FEFF}1", "expected a value, found byte 0xef at byte 0"),
        ("[\u{7}]", "expected a value, found byte 0x7 at byte 1"),
    ] as [(String, String)])
    func errors(text: String, message: String) {
        #expect(parseError(text)?.description == message, "\(text)")
    }

    @Test("bytes that are not UTF-8 are refused with their offset")
    func invalidUTF8() {
        #expect(throws: JSONText.SyntaxError(problem: "the text is not valid UTF-8", offset: 2)) {
            try JSONText.parse(bytes: [0x22, 0x61, 0xFF, 0x22])
        }
    }

    @Test("nesting is bounded at 100 levels, and deep hostile input fails without recursing further")
    func nesting() throws {
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSONText.parse(ok)) != nil)
        let deep = String(repeating: "[", count: 101) + String(repeating: "]", count: 101)
        #expect(parseError(deep)?.description == "nesting deeper than 100 levels at byte 100")
        let hostile = String(repeating: "{\"a\":", count: 100_000)
        #expect(parseError(hostile)?.problem == "nesting deeper than 100 levels")
    }

    @Test("encoding: compact, strings escaped per RFC 8259, control characters as \\u00XX")
    func encode() throws {
        #expect(try JSONText.encode(.string("a\"b\\c\n\t\u{0}\u{7F}é😀")) == #""a\"b\\c\u000a\u0009\u0000\u007fé😀""#)
        #expect(try JSONText.encode(.list([.int(-3), .double(0.5), .bool(true), .null])) == "[-3,0.5,true,null]")
        #expect(try JSONText.encode(.record(Record([("k", .list([])), ("o", .record(Record([])))]))) == #"{"k":[],"o":{}}"#)
        #expect(throws: JSONText.EncodingError(description: "nan has no JSON form (only finite numbers do)")) {
            try JSONText.encode(.double(.nan))
        }
        #expect(throws: JSONText.EncodingError.self) { try JSONText.encode(.list([.double(.infinity)])) }
    }

    @Test("round trips: parse(encode(v)) == v and encode(parse(t)) == t for compact text", arguments: [
        #"{"a":[1,2.5,"x\u000ay"],"b":{"c":null,"d":false},"e":""}"#,
        #"[-1.25e-10,1e+300,0,-9223372036854775808,"\"quoted\" \\ slash"]"#,
        #"["😀","\u0001",{"":{"":[]}}]"#,
    ])
    func roundTrip(text: String) throws {
        let value = try JSONText.parse(text)
        #expect(try JSONText.encode(value) == text)
        #expect(try JSONText.parse(try JSONText.encode(value)) == value)
    }

    @Test("doubles print in their shortest round-trip form")
    func doubles() throws {
        for text in ["0.1", "1.5", "-2.25", "1e+300", "5e-324", "123456.789"] {
            let value = try JSONText.parse(text)
            guard case .double(let d) = value else { Issue.record("\(text) is not a double"); continue }
            #expect(Double(value.textForm) == d)
            #expect(value.typeName == "number")
        }
    }

    @Test("hostile text of every kind survives a round trip unchanged")
    func hostileRoundTrip() throws {
        let hostile = "; rm -rf ~ $(id) > { } \" ' \\ \n \u{0} %s%n ${x} `id`"
        let encoded = try JSONText.encode(.record(Record([(hostile, .string(hostile))])))
        #expect(try JSONText.parse(encoded) == .record(Record([(hostile, .string(hostile))])))
    }

    @Test("mutated documents either parse and round-trip, or fail with an offset inside the text")
    func mutations() throws {
        let seeds = [#"{"a":[1,2.5,"x\u00e9"],"b":{"c":null,"d":[true,false]},"e":"\ud83d\ude00"}"#, "[[[[]]]]", #""\\\"""#]
        let alphabet = Array(#"{}[]:,"\\u0123456789abcdefeE+-. ntrl"#.utf8) + [0x00, 0x7F, 0xC3, 0xFF]
        var rng = SplitMix64(seed: 0x4A53_4F4E)
        for round in 0..<3000 {
            var bytes = Array(seeds[round % seeds.count].utf8)
            for _ in 0...Int.random(in: 0..<4, using: &rng) {
                let at = Int.random(in: 0...bytes.count, using: &rng)
                let byte = alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes.insert(byte, at: at)
                case 1 where at < bytes.count: bytes.remove(at: at)
                default: if at < bytes.count { bytes[at] = byte }
                }
            }
            let value: Value
            do throws(JSONText.SyntaxError) {
                value = try JSONText.parse(bytes: bytes)
            } catch {
                #expect((0...bytes.count).contains(error.offset), "\(bytes)")
                continue
            }
            #expect(try JSONText.parse(try JSONText.encode(value)) == value)
        }
    }
}
