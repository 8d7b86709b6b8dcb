import NIOCore
import Testing
@testable import NATSWire

@Suite("JSONTree: the INFO document's JSON")
struct JSONTreeTests {
    func parse(_ text: String) throws(WireError) -> JSONTree { try JSONTree.parse(Array(text.utf8)) }

    @Test("values of every kind, nested, with whitespace around")
    func values() throws {
        let tree = try parse(#" {"a": [1, -2.5e+3, 0, "x", true, false, null, {}, []], "b": {"c": {"d": "e"}}} "#)
        #expect(tree == .object([
            "a": .array([.number("1"), .number("-2.5e+3"), .number("0"), .string("x"), .bool(true), .bool(false),
                         .null, .object([:]), .array([])]),
            "b": .object(["c": .object(["d": .string("e")])]),
        ]))
    }

    @Test("string escapes, surrogate pairs, a lone surrogate, UTF-8 text")
    func strings() throws {
        #expect(try parse(#""\" \\ \/ \b \f \n \r \t""#) == .string("\" \\ / \u{08} \u{0C} \n \r \t"))
        #expect(try parse(#""\u00e9\u20AC\ud83d\ude00""#) == .string("é€😀"))
        #expect(try parse(#""\ud83d x""#) == .string("\u{FFFD} x"))
        #expect(try parse("\"grüße ✓\"") == .string("grüße ✓"))
    }

    @Test("what strict JSON refuses", arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "-", "1.", ".5", "1e", "+1",
        "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"a\u{01}b\"", "1 2", "{} x", "[1 2]",
        "// c\n1", "'a'", "NaN",
    ])
    func refused(_ text: String) {
        #expect(throws: WireError.self, "\(text.debugDescription)") { _ = try parse(text) }
    }

    @Test("invalid UTF-8 in a string is refused")
    func invalidUTF8() {
        #expect(throws: WireError.self) { _ = try JSONTree.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("nesting is bounded: 64 levels parse, 65 do not")
    func depth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try parse(ok)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: WireError.self) { _ = try parse(deep) }
        let hostile = String(repeating: "[", count: 100_000)
        #expect(throws: WireError.self) { _ = try parse(hostile) }
    }

    @Test("a real server's INFO, unknown members of every shape skipped")
    func serverInfo() throws {
        let json = #"{"server_id":"NCX","server_name":"n1","version":"2.15.1","proto":1,"go":"go1.24","#
            + #""host":"127.0.0.1","port":4222,"headers":true,"max_payload":1048576,"jetstream":true,"#
            + #""client_id":18446744073709551615,"client_ip":"127.0.0.1","auth_required":true,"nonce":"n\u00e9","#
            + #""connect_urls":["10.0.0.1:4222","[::1]:4222"],"ldm":false,"api_lvl":2,"#
            + #""xkey":"X","tags":{"nested":[1,{"deep":null}]},"domain":null}"#
        let info = try ServerInfo.decode(ByteBuffer(string: json))
        #expect(info.serverID == "NCX" && info.serverName == "n1" && info.version == "2.15.1" && info.proto == 1)
        #expect(info.host == "127.0.0.1" && info.port == 4222 && info.headers && info.maxPayload == 1_048_576)
        #expect(info.jetstream && info.clientID == UInt64.max && info.clientIP == "127.0.0.1" && info.authRequired)
        #expect(info.nonce == "né" && info.connectURLs == ["10.0.0.1:4222", "[::1]:4222"] && !info.lameDuckMode)
        #expect(info.apiLevel == 2 && info.domain == nil && !info.tlsRequired)
        #expect(try ServerInfo.decode(ByteBuffer(string: "{}")) == ServerInfo())
    }

    @Test("a known INFO member of the wrong type is an error naming it", arguments: [
        (#"{"port":"4222"}"#, "port is not an integer in range"),
        (#"{"port":4222.5}"#, "port is not an integer in range"),
        (#"{"client_id":-1}"#, "client_id is not an integer in range"),
        (#"{"headers":1}"#, "headers is not true or false"),
        (#"{"connect_urls":["a",1]}"#, "connect_urls is not a list of strings"),
        (#"{"server_id":7}"#, "server_id is not a string"),
        (#"[1]"#, "not an object"),
    ])
    func wrongTypes(_ json: String, _ message: String) {
        let error = #expect(throws: WireError.self) { _ = try ServerInfo.decode(ByteBuffer(string: json)) }
        #expect(error?.description.hasSuffix(message) == true, "\(String(describing: error))")
    }
}
