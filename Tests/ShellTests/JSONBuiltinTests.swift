#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KeyValue
import Testing
import TestSupport
@testable import Shell

@Suite("JSON values and the json built-in", .offCooperativePool)
struct JSONBuiltinTests {
    @Test("$e.json and $s.json read fields, indexes and counts of the document")
    func jsonField() async {
        let r = await runScript(#"""
            let e = kv put cfg app '{"name":"kv","ports":[4222,8222],"ratio":0.5,"on":true,"none":null,"in":{"deep":"x"}}'
            echo $e.json.name $e.json.ports.count $e.json.ports.1 $e.json.ratio $e.json.on "[$e.json.none]"
            echo ${e.json.in.deep} $e.key
            set s '[["a","b"],{"c":3}]'
            echo $s.json.count $s.json.0.1 $s.json.1.c
            let t = json get $e ratio
            echo $e.json.ports
            """#)
        #expect(r.outLines == ["kv 2 8222 0.5 true []", "x app", "2 b 3", "4222 8222"], "\(r.err)")
        #expect(r.status == 0)
    }

    @Test("quoted field names in ${…}: spaces, dots, quotes, braces, dollars, empty names")
    func quotedFields() async {
        let r = await runScript(#"""
            set s '{"odd key":1,"a.b":{"c":2},"with \" quote":3,"}$x\n":4,"":5,"back\\\\slash":6}'
            echo ${s.json."odd key"} ${s.json."a.b".c} ${s.json."with \" quote"} ${s.json."}$x
            "} ${s.json.""} "${s.json."back\\slash"}"
            """#)
        #expect(r.outLines == ["1 2 3 4 5 6"], "\(r.err)")
    }

    @Test("an unbraced reference stops at the name: $e.json.my-key is field my then -key")
    func unbracedStops() async {
        let r = await runScript(#"set s '{"my":"M","my-key":"K"}'; echo $s.json.my-key"#)
        #expect(r.outLines == ["M-key"], "\(r.err)")
    }

    @Test("quoted field name mistakes have positions", arguments: [
        (#"echo ${s."abc"#, "t.kvsh:1:14: unterminated field name starting at 1:10 in the '${' opened at 1:6", true),
        (#"echo ${s."a\nb"}"#, "t.kvsh:1:12: unknown escape '\\n' in a quoted field name: only \\\" and \\\\ are escapes there", false),
        (#"echo ${s."a"x}"#, "t.kvsh:1:13: expected '}' to close the '${' opened at 1:6, found 'x'", false),
        (#"echo ${s.}"#, "t.kvsh:1:10: expected a field name after '.', found '}'", false),
    ] as [(String, String, Bool)])
    func quotedFieldErrors(source: String, message: String, incomplete: Bool) {
        let error = Parser.syntaxError(in: source, file: "t.kvsh")
        #expect(error?.description == message)
        #expect(error?.isIncomplete == incomplete)
    }

    @Test("a value that is not JSON is one clear error; missing fields list what exists", arguments: [
        (#"let e = kv put cfg app '{"a":1 x}'; echo $e.json.a"#,
         "test.kvsh:1:42: $e.json: the value of cfg > app is not JSON: expected ',' or '}', found 'x' at byte 7"),
        (#"set s 'nope'; echo ${s.json.x}"#,
         "test.kvsh:1:20: $s.json: the string is not JSON: expected 'null' at byte 0"),
        (#"set s '{"a":1,"b":2}'; echo $s.json.c"#,
         "test.kvsh:1:29: $s.json.c: the record has no field 'c'; its fields are a, b"),
        (#"set s '[1]'; echo $s.json.3"#, "test.kvsh:1:19: $s.json.3: index 3 is out of range: the list has 1 element (indexes start at 0)"),
        (#"set s '{}'; echo ${s.json."odd key"}"#, "test.kvsh:1:18: ${s.json.\"odd key\"}: the record has no field 'odd key'; its fields are none"),
        ("let e = kv put cfg app v; echo $e.nope",
         "test.kvsh:1:32: $e.nope: an entry has no field 'nope'; its fields are key, value, revision, created, op, bucket, delta, json"),
        ("set s 5; echo $s.x", "test.kvsh:1:15: $s.x: a string has no fields ('.json' reads it as JSON)"),
        ("set l 1 2; echo $l.json", "test.kvsh:1:17: $l.json: a list has no field 'json'; use .count or an index such as .0"),
    ] as [(String, String)])
    func jsonFieldErrors(source: String, message: String) async {
        let r = await runScript(source)
        #expect(r.err == message + "\n")
        #expect(r.status == 1)
        #expect(r.out.isEmpty)
    }

    @Test("json encode, object and array: strings always become JSON strings")
    func build() async {
        let r = await runScript(#"""
            json encode 'say "hi" \\'
            let n = calc 2 + 3
            set l a b
            json object msg '"},{"x":1' n $n list $l ok true
            json array $l "" $n
            json array
            json object
            let e = kv put cfg app v
            json encode $e
            let obj = json object k v
            echo $obj.json.k
            """#)
        #expect(r.outLines == [
            #""say \"hi\" \\""#,
            #"{"msg":"\"},{\"x\":1","n":5,"list":["a","b"],"ok":"true"}"#,
            #"[["a","b"],"",5]"#,
            "[]",
            "{}",
            #"{"bucket":"cfg","key":"app","value":"v","revision":1,"created":"2021-10-12T20:08:01Z","op":"PUT","delta":0}"#,
            "v",
        ], "\(r.err)")
    }

    @Test("json get: scalars as text, structures as JSON, DEFAULT for what is missing")
    func get() async {
        let r = await runScript(#"""
            set d '{"a":{"b":[10,{"c":"deep"}]},"n":null,"s":"x y"}'
            json get $d a.b.1.c
            json get $d a.b
            json get $d s
            json get $d n
            json get $d a.zz fallback
            json get $d a.b.7 "none"
            let v = json get $d a.b.0
            calc $v + 1
            json get $d ""
            let e = kv put cfg app $d
            json get $e a.b.1
            """#)
        #expect(r.outLines == ["deep", #"[10,{"c":"deep"}]"#, "x y", "null", "fallback", "none", "11",
                               #"{"a":{"b":[10,{"c":"deep"}]},"n":null,"s":"x y"}"#, #"{"c":"deep"}"#], "\(r.err)")
    }

    @Test("json get, set and keys errors name the step and what exists", arguments: [
        (#"json get '{"a":{"b":1}}' a.c"#, #"json get: no member "c" at "a.c"; the object's members are "b""#, Int32(1)),
        (#"json get '[1,2]' 5"#, #"json get: no index 5 at "5"; the array has 2 elements (indexes start at 0)"#, 1),
        (#"json get '[1,2]' x def"#, #"json get: "x" at "x" is not an index: the array is indexed 0…1"#, 1),
        (#"json get '{"a":"s"}' a.b def"#, #"json get: "a.b" steps into a string, which has no members"#, 1),
        (#"json get '{' a"#, "json get: the string is not JSON: expected a member name in double quotes, found end of text at byte 1", 1),
        (#"json get '{}' a..b"#, #"json get: the path "a..b" has an empty step; write steps separated by single dots (a.b.0)"#, 64),
        (#"json get '{}'"#, "json get: wrong number of arguments (usage: json get DOC PATH [DEFAULT])", 64),
        (#"json set '{"a":[1]}' a.5 x"#, #"json set: index 5 at "a.5" is past the end: the array has 1 element; use 1 to append"#, 1),
        (#"json set '{"a":"s"}' a.b x"#, #"json set: "a" is a string, not an object or array, so it has no member "b""#, 1),
        (#"json set '3' a x"#, #"json set: the document is a number, not an object or array, so it has no member "a""#, 1),
        (#"json keys '[1]'"#, "json keys: the document is an array, not an object", 1),
        ("json object a 1 b", "json object: expected pairs of KEY VALUE, got 3 words (usage: json object [KEY VALUE]…)", 64),
        ("json object a 1 a 2", #"json object: the key "a" is given twice"#, 1),
        ("json encode", "json encode: wrong number of arguments (usage: json encode VALUE)", 64),
        ("json", "json: expected an operation; the operations are encode object array get set keys (run 'help json')", 64),
        ("json parse x", "json: unknown operation 'parse'; the operations are encode object array get set keys (run 'help json')", 64),
    ] as [(String, String, Int32)])
    func errors(source: String, message: String, status: Int32) async {
        await expectFailure(source, message, status: status)
    }

    @Test("json set creates members, replaces values, appends at index count; json keys lists members")
    func setAndKeys() async {
        let r = await runScript(#"""
            set d '{"a":{"list":[1]},"z":0}'
            json set $d a.list.1 two
            json set $d a.list.0 '{"not":"parsed"}'
            json set $d new.deeper.x y
            let inner = json get $d a
            json set $d z $inner
            json set $d "" replaced
            let n = calc 1 + 1
            let d2 = json set $d z $n
            json keys $d2
            let ks = json keys $d2
            echo $ks.count
            json keys '{}'
            """#)
        #expect(r.outLines == [
            #"{"a":{"list":[1,"two"]},"z":0}"#,
            #"{"a":{"list":["{\"not\":\"parsed\"}"]},"z":0}"#,
            #"{"a":{"list":[1]},"z":0,"new":{"deeper":{"x":"y"}}}"#,
            #"{"a":{"list":[1]},"z":{"list":[1]}}"#,
            #""replaced""#,
            "a", "z", "2",
        ], "\(r.err)")
    }

    @Test("json built-ins bind values under let and print nothing")
    func captured() async {
        let r = await runScript(#"""
            let j = json object a 1
            let l = json keys $j
            let g = json get $j a
            echo $j $l.0 $g
            """#)
        #expect(r.outLines == [#"{"a":"1"} a 1"#], "\(r.err)")
    }

    @Test("an entry whose bytes are not UTF-8 is not JSON")
    func binaryEntry() {
        var environment = Environment(processEnvironment: [:])
        let entry = Entry(bucket: "cfg", key: "bin", value: [0x7B, 0xFF, 0x7D], revision: 1,
                          created: .init(timeIntervalSince1970: 0), operation: .put)
        environment.variables["e"] = .entry(entry)
        let position = SourcePosition(file: "t", line: 1, column: 6)
        let reference = VariableReference(base: .named("e"), fields: ["json", "x"], position: position)
        #expect(throws: ShellError("$e.json: the value of cfg > bin is not JSON: the text is not valid UTF-8 at byte 1",
                                   at: position)) {
            try environment.lookup(reference)
        }
    }
}
