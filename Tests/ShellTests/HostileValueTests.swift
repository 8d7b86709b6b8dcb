import Testing
import TestSupport
@testable import Shell

/// Text that would do harm if anything re-read it as source, a format or JSON passes through
/// every string and JSON operation as data.
@Suite("Hostile text in str, json and printf", .offCooperativePool)
struct HostileValueTests {
    static let hostile = "; rm -rf ~ $(id) > { } \" ' \\ \n \u{0} %s%n ${x} $x `id`"
    /// A member name written in the script's source, in a quoted field.
    static let name = "; rm -rf ~ $(id) > { } \" {"

    @Test("$e.json.x, ${….\"…\"}, str, json and printf ARGs keep the text exactly")
    func staysData() async {
        let host = FakeHost(buckets: ["cfg"])
        let r = await runScript(#"""
            set h $env.H
            let doc = json object x $h $h tail
            let e = kv put cfg app $doc
            echo $e.json.x
            let k = json keys $doc
            echo $k.1
            let d2 = json object $env.Q $h
            echo ${d2.json."; rm -rf ~ $(id) > { } \" {"}
            echo "${d2.json."; rm -rf ~ $(id) > { } \" {"}"
            json get $doc x
            let s = json set $doc x $h
            json get $s x
            json get $doc nope $h
            str length $h
            str upper $h
            str lower $h
            str trim $h
            str sub $h 0
            let parts = str split $h ";"
            str join ";" $parts
            str replace $h "%s" "%s"
            str contains $h $h && str starts $h $h && str ends $h $h && echo predicates
            printf '%s\n' $h
            printf '%5s|%.100s\n' $h $h
            let p = printf '%s' $h
            echo $p
            """#, host: host, environment: ["H": Self.hostile, "Q": Self.name])
        let h = Self.hostile
        let expected = [h, h, h, h, h, h, h, String(h.count), h.uppercased(), h.lowercased(), h, h, h, h,
                        "predicates", h, h + "|" + h, h]
        #expect(r.out == expected.map { $0 + "\n" }.joined(), "\(r.err)")
        #expect(r.status == 0)
        // Only the one write reached the store: nothing in the text ran.
        #expect(await host.calls.count == 1)
        #expect(await host.value("cfg", "app") == #"{"x":"# + Self.escaped + #","# + Self.escaped + #":"tail"}"#)
    }

    @Test("json object escapes a string that tries to close the object")
    func noInjection() async {
        let r = await runScript(#"let j = json object msg '"},{"admin":true,"x":"'; echo $j; echo $j.json.msg; json keys $j"#)
        #expect(r.outLines == [#"{"msg":"\"},{\"admin\":true,\"x\":\""}"#, #""},{"admin":true,"x":""#, "msg"], "\(r.err)")
    }

    /// The hostile text as JSON writes it.
    static let escaped = #""; rm -rf ~ $(id) > { } \" ' \\ \u000a \u0000 %s%n ${x} $x `id`""#
}
