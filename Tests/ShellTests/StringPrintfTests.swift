import Testing
import TestSupport
@testable import Shell

@Suite("str and printf", .offCooperativePool)
struct StringPrintfTests {
    @Test("str operations count characters (grapheme clusters)")
    func operations() async {
        let r = await runScript(#"""
            str length "héllo 🇫🇷"
            str upper "straße é"
            str lower ÀB
            str trim "  \t a b \n "
            str sub abcdef 2
            str sub abcdef 1 3
            str sub abcdef -2
            str sub abcdef -10 2
            str sub abcdef 9
            str sub "🇫🇷é!" 1 1
            str split a,b,,c ,
            str split "a::b" ::
            str join - x y
            set ks k1 k2 k3
            str join , $ks
            str join ,
            str replace "a.b.c" . /
            str replace aaa a bb
            let n = str length abc
            calc $n + 1
            let parts = str split x=y =
            echo $parts.count $parts.1
            """#)
        #expect(r.outLines == ["7", "STRASSE É", "àb", "a b", "cdef", "bcd", "ef", "ab", "", "é",
                               "a", "b", "", "c", "a", "b", "x-y", "k1,k2,k3", "", "a/b/c", "bbbbbb", "4", "2 y"],
                "\(r.err)")
        #expect(r.status == 0)
    }

    @Test("str predicates succeed or fail with a message, as conditions; under let they bind true")
    func predicates() async {
        let r = await runScript(#"""
            if str contains "hello world" "o w" { echo yes }
            if str contains abc x { echo no } else { echo $error }
            str starts kv-shell kv && echo starts
            str ends kv-shell shell && echo ends
            str ends kv-shell kv || echo $error
            str contains abc ""  && echo empty
            let b = str starts abc a
            echo $b
            str starts abc z
            echo unreachable
            """#)
        #expect(r.outLines == ["yes", #"str contains: "abc" does not contain "x""#, "starts", "ends",
                               #"str ends: "kv-shell" does not end with "kv""#, "empty", "true"], "\(r.err)")
        #expect(r.err == "test.kvsh:9:1: str starts: \"abc\" does not start with \"z\"\n")
        #expect(r.status == 1)
    }

    @Test("str mistakes are usage errors naming the operation", arguments: [
        ("str", "str: expected an operation; the operations are length upper lower trim sub split join replace contains starts ends (run 'help str')", Int32(64)),
        ("str reverse x", "str: unknown operation 'reverse'; the operations are length upper lower trim sub split join replace contains starts ends (run 'help str')", 64),
        ("str length", "str length: wrong number of arguments (usage: str length S)", 64),
        ("str length a b", "str length: wrong number of arguments (usage: str length S)", 64),
        ("str sub abc", "str sub: wrong number of arguments (usage: str sub S START [LENGTH])", 64),
        ("str sub abc x", "str sub: START must be an integer, got \"x\"", 64),
        ("str sub abc 0 -1", "str sub: LENGTH must be an integer 0 or more, got \"-1\"", 64),
        ("str split abc ''", "str split: SEP must not be empty", 64),
        ("str replace abc '' x", "str replace: OLD must not be empty", 64),
        ("str join", "str join: wrong number of arguments (usage: str join SEP VALUE…)", 64),
        ("str contains a", "str contains: wrong number of arguments (usage: str contains S T)", 64),
    ] as [(String, String, Int32)])
    func stringErrors(source: String, message: String, status: Int32) async {
        await expectFailure(source, message, status: status)
    }

    @Test("printf directives, flags, widths and precisions")
    func printf() async {
        let r = await runScript(#"""
            printf '%s|%5s|%-5s|%.2s|%%\n' a b c xyz
            printf '%d|%i|%5d|%-5d|%05d|%+d|% d|%.3d|%x|%X|%o|%08.3f\n' 42 -7 42 42 -42 5 5 7 255 255 8 3.14159
            printf '%f|%.2e|%g|%g|%c|%c|%5.1f\n' 1.5 12345.678 0.0001 100000000 hello "" -2.25
            printf "no newline"
            printf '\t|\\\\|\r\n'
            printf '%x %s\n' -1 "é"
            let s = printf '%03d-%s' 7 x
            echo "[$s]"
            set l a b
            printf '%s+%s\n' $l
            """#)
        #expect(r.out == "a|    b|c    |xy|%\n"
                + "42|-7|   42|42   |-0042|+5| 5|007|ff|FF|10|0003.142\n"
                + "1.500000|1.23e+04|0.0001|1e+08|h|| -2.2\n"
                + "no newline\t|\\|\r\n"
                + "ffffffffffffffff é\n"
                + "[007-x]\n"
                + "a+b\n", "\(r.err)")
    }

    @Test("printf mistakes name the argument or the directive", arguments: [
        ("printf", "printf: expected a FORMAT (usage: printf FORMAT [ARG…])", Int32(64)),
        ("printf '%s %s' a", "printf: the format has 2 directives but 1 argument was given", 1),
        ("printf '%s' a b", "printf: argument 2 (\"b\") has no directive to format it: the format has only 1", 1),
        ("printf 'x' a", "printf: argument 1 (\"a\") has no directive to format it: the format has none", 1),
        ("printf '%d' abc", "printf: argument 1 (\"abc\") is not an integer, as %d needs", 1),
        ("printf '%s %5.1f' a b", "printf: argument 2 (\"b\") is not a number, as %5.1f needs", 1),
        ("printf '%q' a", "printf: bad directive '%q' at character 1 of the format; the conversions are %s %d %i %x %X %o %f %e %g %c and %% for a percent sign", 1),
        ("printf 'ab%-5' a", "printf: the directive '%-5' at character 3 of the format has no conversion (such as %s or %d)", 1),
        ("printf '%2000s' a", "printf: the width or precision of the directive at character 1 of the format is larger than 1024", 1),
        (#"printf 'a\qb'"#, "printf: unknown escape '\\q' at character 2 of the format; the escapes are \\n \\t \\r \\\\", 1),
        (#"printf 'a\'"#, "", 2),
    ] as [(String, String, Int32)])
    func printfErrors(source: String, message: String, status: Int32) async {
        await expectFailure(source, message, status: status)
    }

    @Test("a lone backslash at the end of a format is an error")
    func trailingBackslash() async {
        let r = await runScript(#"printf 'a\\'"#)
        #expect(r.err == "test.kvsh:1:1: printf: the format ends in a lone '\\' (write \\\\ for a backslash)\n")
        #expect(r.status == 1)
    }

    @Test("help str, help json and help printf come from the built-in table")
    func help() async {
        for name in ["str", "json", "printf"] {
            let r = await runScript("help \(name)")
            let builtin = Builtin(rawValue: name)!
            let usage = builtin.operations.isEmpty
                ? "usage: \(builtin.usage)\n" : "usage:\n" + builtin.operations.map { "  \($0.usage)\n" }.joined()
            #expect(r.out.hasPrefix(usage + "\n"))
            #expect(r.status == 0)
        }
        let r = await runScript("help str; help json")
        #expect(r.out.contains("\n  str sub S START [LENGTH]\n"))
        #expect(r.out.contains("\n  json set DOC PATH VALUE\n"))
        let overview = await runScript("help")
        #expect(overview.out.contains("printf FORMAT [ARG…]"))
    }
}
