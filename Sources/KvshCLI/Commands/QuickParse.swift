/// The everyday store command lines — `kv get|put|create|update|del|purge` with plain
/// operands and their own options — parsed without ArgumentParser.
///
/// Why: ArgumentParser builds a command's argument set by reflection, and on Linux every
/// generic type and dynamic cast it needs costs the Swift runtime a linear scan of the binary's
/// ~5,000 protocol conformance records. That was about 40% of the instructions of a cold
/// one-shot `kvsh kv get`, and is paid again for every store command a script runs.
///
/// The result is the same command value ArgumentParser would make, so there is still one
/// `execute` per command. Anything this parser does not know — help, `--opt=value`, short
/// option bundles, an option given twice, a missing or extra operand, a value that looks like
/// an option — returns nil and goes to ArgumentParser, which owns every error message.
/// `QuickParseTests` checks that both parsers agree on every line this one accepts.
enum QuickParse {
    /// The command for `args` (normalized: `kv`, the command word, then its words with the
    /// global options anywhere after it), or nil to let ArgumentParser parse it.
    static func command(_ args: [String]) -> (any KvshCommand)? {
        guard args.count >= 2, args[0] == "kv", let spec = specs[args[1]] else { return nil }
        guard let words = Words(Array(args.dropFirst(2)), options: spec.options, flags: spec.flags),
              spec.operands.contains(words.operands.count) else { return nil }
        return spec.make(words)
    }

    /// What a command accepts and how its value is built.
    private struct Spec: Sendable {
        var operands: ClosedRange<Int>
        var options: Set<String> = []
        var flags: Set<String> = []
        var make: @Sendable (Words) -> any KvshCommand
    }

    private static let specs: [String: Spec] = {
        let get = Spec(operands: 2...2, options: ["--revision"], flags: ["--raw"]) { w in
            var c = KVGet()
            c.global = w.global
            c.bucket = w.operands[0]
            c.key = w.operands[1]
            c.revision = w.options["--revision"]
            c.raw = w.flags.contains("--raw")
            return c
        }
        let put = Spec(operands: 2...3) { w in
            var c = KVPut()
            c.global = w.global
            c.arguments = w.valueWrite
            return c
        }
        let create = Spec(operands: 2...3) { w in
            var c = KVCreate()
            c.global = w.global
            c.arguments = w.valueWrite
            return c
        }
        let update = Spec(operands: 3...4) { w in
            var c = KVUpdate()
            c.global = w.global
            c.bucket = w.operands[0]
            c.key = w.operands[1]
            c.rest = Array(w.operands[2...])
            return c
        }
        let guarded: Set<String> = ["-f", "--force"]
        let del = Spec(operands: 1...2, options: ["--revision"], flags: guarded) { w in
            var c = KVDelete()
            c.global = w.global
            c.bucket = w.operands[0]
            c.key = w.operands.count > 1 ? w.operands[1] : nil
            c.revision = w.options["--revision"]
            c.force = w.forced
            return c
        }
        let purge = Spec(operands: 2...2, options: ["--revision"], flags: guarded) { w in
            var c = KVPurge()
            c.global = w.global
            c.bucket = w.operands[0]
            c.key = w.operands[1]
            c.revision = w.options["--revision"]
            c.force = w.forced
            return c
        }
        return ["get": get, "put": put, "create": create, "update": update,
                "del": del, "delete": del, "rm": del, "purge": purge]
    }()

    /// A command's words sorted into operands, options with values and flags.
    private struct Words {
        var operands: [String] = []
        var options: [String: String] = [:]
        var flags: Set<String> = []

        /// Nil for anything but separate `--name value` options, known flags and operands
        /// (after `--` every word is an operand, as in ArgumentParser).
        init?(_ words: [String], options known: Set<String>, flags knownFlags: Set<String>) {
            var index = 0
            var operandsOnly = false
            while index < words.count {
                let word = words[index]
                index += 1
                if operandsOnly || !word.hasPrefix("-") {
                    operands.append(word)
                } else if word == "--" {
                    operandsOnly = true
                } else if known.contains(word) || GlobalOptions.valued.contains(word) {
                    guard index < words.count, !words[index].hasPrefix("-"),
                          options.updateValue(words[index], forKey: word) == nil else { return nil }
                    index += 1
                } else if knownFlags.contains(word) || word == "--json" || word == "--trace" {
                    guard flags.insert(word).inserted else { return nil }
                } else {
                    return nil
                }
            }
            // `-s` and `--server` are one option; so are `-f` and `--force`.
            if options["-s"] != nil && options["--server"] != nil { return nil }
            if flags.contains("-f") && flags.contains("--force") { return nil }
        }

        var forced: Bool { flags.contains("-f") || flags.contains("--force") }

        var global: GlobalOptions {
            var g = GlobalOptions()
            g.server = options["-s"] ?? options["--server"]
            g.store = options["--store"]
            g.user = options["--user"]
            g.password = options["--password"]
            g.token = options["--token"]
            g.tlsca = options["--tlsca"]
            g.tlscert = options["--tlscert"]
            g.tlskey = options["--tlskey"]
            g.timeout = options["--timeout"] ?? GlobalOptions.defaultTimeout
            g.json = flags.contains("--json")
            g.trace = flags.contains("--trace")
            return g
        }

        var valueWrite: ValueWriteArguments {
            var a = ValueWriteArguments()
            a.bucket = operands[0]
            a.key = operands[1]
            a.value = operands.count > 2 ? operands[2] : nil
            return a
        }
    }
}
