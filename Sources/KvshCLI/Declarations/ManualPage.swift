/// kvsh's manual page in mdoc (`kvsh --generate-manual | man -l -`), made from the command
/// table: the ways to run kvsh, its options and global options, then every command with its
/// usage, abstract, discussion, aliases, operands and options.
struct ManualPage {
    let table: CommandTable

    init(_ table: CommandTable) {
        self.table = table
    }

    var text: String {
        let root = table.root
        var page = [".Dd $Mdocdate$", ".Dt \(root.name.uppercased()) 1", ".Os \(root.name) \(KvshVersion.current)",
                    ".Sh NAME", ".Nm \(root.name)", ".Nd \(escaped(root.abstract))", ".Sh SYNOPSIS"]
        page += literal(root.usage ?? usage(root))
        page.append(".Sh DESCRIPTION")
        page += paragraphs(root.discussion).dropFirst()  // no paragraph break right after a heading
        page.append(".Sh OPTIONS")
        page += list(root.arguments.filter { $0.kind != .operand && $0.declaration.isShown })
        let globals = CommandTable.arguments(of: GlobalOptions.self).filter(\.declaration.isShown)
        page += [".Sh GLOBAL OPTIONS",
                 "Every command takes these, before or after its own words; a shell line takes only the flags."]
        page += list(globals)
        page.append(".Sh COMMANDS")
        for command in commands(under: root) {
            page.append(".Ss " + escaped((command.path + [command.name]).joined(separator: " ")))
            page += literal(command.usage ?? usage(command))
            page += paragraphs([command.abstract, command.discussion].filter { !$0.isEmpty }.joined(separator: "\n\n"))
            if !command.aliases.isEmpty {
                page += [".Pp", "Also: " + escaped(command.aliases.joined(separator: ", ")) + "."]
            }
            let own = command.arguments.filter { !$0.isGlobal && !$0.isBuiltIn && $0.declaration.isShown }
            if !own.isEmpty { page += list(own) }
        }
        page += [".Sh SEE ALSO", "The command language of scripts and the prompt: docs/language.md;",
                 "watch hooks: docs/hooks.md.", ".Xr nats 1"]
        return page.joined(separator: "\n") + "\n"
    }

    /// The commands below `command` that run (groups are headings only through their commands).
    private func commands(under command: CommandTable.Command) -> [CommandTable.Command] {
        command.subcommands.filter(\.isShown).flatMap { $0.isGroup ? commands(under: $0) : [$0] }
    }

    /// `kvsh kv get [<options>] <bucket> <key>`, as ArgumentParser writes a usage line.
    private func usage(_ command: CommandTable.Command) -> String {
        var words = [table.root.name] + command.path + [command.name]
        if command.arguments.contains(where: { $0.kind != .operand && !$0.isBuiltIn && $0.declaration.isShown }) {
            words.append("[<options>]")
        }
        for operand in command.arguments(.operand) where operand.declaration.isShown {
            let name = "<\(operand.valueName)>"
            words.append(operand.declaration.isRepeating ? "[\(name) ...]" : operand.declaration.isOptional ? "[\(name)]" : name)
        }
        return words.joined(separator: " ")
    }

    /// A tagged list: each argument's names (and value), then its help and default.
    private func list(_ arguments: [CommandTable.Argument]) -> [String] {
        guard !arguments.isEmpty else { return [] }
        var lines = [".Bl -tag -width Ds"]
        for argument in arguments {
            if argument.kind == .operand {
                lines.append(".It Ar \(escaped(argument.valueName))")
            } else {
                var item = argument.spellings.map { "Fl " + escaped(String($0.dropFirst())) }.joined(separator: " , ")
                if argument.kind == .option { item += " Ar " + escaped(argument.valueName) }
                lines.append(".It " + item)
            }
            var help = argument.abstract
            if let text = argument.declaration.defaultText(), argument.kind == .option {
                help += " (default: \(text))"
            } else if let on = argument.declaration.invertedFlagDefault, argument.spellings.count >= 2 {
                help += " (default: \(on ? argument.spellings[0] : argument.spellings[argument.spellings.count / 2]))"
            }
            lines.append(escaped(help))
        }
        lines.append(".El")
        return lines
    }

    private func literal(_ text: String) -> [String] {
        [".Bd -literal"] + text.split(separator: "\n", omittingEmptySubsequences: false).map { escaped(String($0)) }
            + [".Ed"]
    }

    /// Paragraphs split at blank lines; a paragraph ending in `:` (the root's heading for its
    /// global options, which have their own section here) is left out.
    private func paragraphs(_ text: String) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n\n") where !paragraph.hasSuffix(":") {
            lines += [".Pp", escaped(paragraph.split(separator: "\n").joined(separator: " "))]
        }
        return lines
    }

    /// Text that roff reads as text: backslashes written as `\e`, characters beyond ASCII as
    /// `\[uXXXX]`, and a line that would start with a control character (`.` or `'`) guarded
    /// by `\&`.
    private func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar == "\\" {
                out += "\\e"
            } else if scalar.isASCII {
                out.unicodeScalars.append(scalar)
            } else {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\[u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
            }
        }
        return out.hasPrefix(".") || out.hasPrefix("'") ? "\\&" + out : out
    }
}
