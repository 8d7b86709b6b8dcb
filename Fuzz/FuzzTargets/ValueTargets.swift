@testable import Shell

extension FuzzTargets {
    /// `$e.json` and `json get`: a stored value is anyone's text. It parses to a value whose
    /// encoding parses back to the same value, or fails with an offset inside the text.
    static let jsonText = FuzzTarget(
        "json",
        seeds: [#"{"a":[1,2.5,-0,1e300,"x\u00e9\ud83d\ude00"],"b":{"c":null,"d":[true,false]},"":""}"#,
                "[[[[[[]]]]]]", #""\"\\\/\b\f\n\r\t""#, "-12.5e-3", "9223372036854775808", " {} "],
        tokens: ["{", "}", "[", "]", ":", ",", "\"", "\\", "\\u", "\\ud83d", "\\ude00", "e", "E", "-", "+", ".",
                 "0", "9", "true", "false", "null", " ", "\u{0}", "\u{FEFF}", "🙂"],
        run: { bytes in
            let value: Value
            do throws(JSONText.SyntaxError) {
                value = try JSONText.parse(bytes: bytes)
            } catch {
                return (0...bytes.count).contains(error.offset) ? nil : "offset \(error.offset) outside the text"
            }
            guard let text = try? JSONText.encode(value) else { return "a parsed value has no encoding" }
            guard let again = try? JSONText.parse(text), again == value else { return "\(text) does not read back" }
            return nil
        })

    /// `printf`: any format is one error, or takes exactly one argument per directive.
    static let printfFormat = FuzzTarget(
        "printf",
        seeds: ["%s|%5s|%-5s|%.2s|%%\\n", "%d %i %05d %+d % d %.3d %x %X %o", "%f %.2e %g %c %08.3f", "\\t\\r\\\\"],
        tokens: ["%", "-", "0", "+", " ", ".", "9", "1024", "s", "d", "x", "f", "e", "g", "c", "\\", "n", "%%"],
        run: { bytes in
            guard let format = try? PrintfFormat(String(decoding: bytes, as: UTF8.self)) else { return nil }
            // "12" is an integer and a number, so every valid format takes it for every directive.
            guard (try? format.render(Array(repeating: "12", count: format.directiveCount))) != nil else {
                return "a valid format refused its arguments"
            }
            if (try? format.render(Array(repeating: "12", count: format.directiveCount + 1))) != nil {
                return "an extra argument was accepted"
            }
            return nil
        })
}
