import NATSClient

/// What the prompt writes to its history file for a line: the line with the values of secret
/// options (`--password`, `--token`, `--creds`, `--nkey`, `--jwt`, `--seed`, as `--opt VALUE`
/// or `--opt=VALUE`) and the credentials of server URLs replaced by `***`. The line runs as typed; only the copy
/// kept on disk is masked.
enum HistoryRedaction {
    static let secretOptions: Set<String> = ["--password", "--token", "--creds", "--nkey", "--jwt", "--seed"]

    static func masked(_ line: String) -> String {
        let scalars = Array(line.unicodeScalars)
        var out = String.UnicodeScalarView()
        var maskNext = false
        var index = 0
        while index < scalars.count {
            if scalars[index] == " " || scalars[index] == "\t" || scalars[index] == "\n" || scalars[index] == ";" {
                if scalars[index] == "\n" || scalars[index] == ";" { maskNext = false }
                out.append(scalars[index])
                index += 1
                continue
            }
            let end = wordEnd(scalars, from: index)
            let word = String(String.UnicodeScalarView(scalars[index..<end]))
            out.append(contentsOf: maskedWord(word, maskWhole: maskNext).unicodeScalars)
            maskNext = secretOptions.contains(word)
            index = end
        }
        return String(out)
    }

    private static func maskedWord(_ word: String, maskWhole: Bool) -> String {
        if maskWhole { return "***" }
        if let equals = word.firstIndex(of: "="), secretOptions.contains(String(word[..<equals])) {
            return word[...equals] + "***"
        }
        if word.contains("://") && word.contains("@") { return ServerURL.redacting(word) }
        return word
    }

    /// Where the word starting at `start` ends: at an unquoted blank, `;` or newline.
    private static func wordEnd(_ s: [Unicode.Scalar], from start: Int) -> Int {
        var i = start
        var quote: Unicode.Scalar?
        while i < s.count {
            let c = s[i]
            if c == "\\" && quote != "'" {
                i += 2
                continue
            }
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == " " || c == "\t" || c == "\n" || c == ";" {
                break
            }
            i += 1
        }
        return min(i, s.count)
    }
}
