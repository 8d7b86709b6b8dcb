import ArgumentParser

/// The everyday store command lines — `kv get|put|create|update|del|purge` with plain operands
/// and their own options — parsed without ArgumentParser.
///
/// Why: ArgumentParser builds a command's argument set by reflection, and on Linux every
/// dynamic cast to a protocol it makes costs the Swift runtime a linear scan of the binary's
/// ~5,000 protocol conformance records. That was about 40% of the instructions of a cold
/// one-shot `kvsh kv get`, and is paid again for every store command a script runs.
///
/// What each command accepts comes from its declaration (`FastForm`), and the result is the
/// same command value ArgumentParser would make, so there is still one declaration and one
/// `execute` per command. Anything this parser does not take — help, `--opt=value`, short
/// option bundles, an option given twice, a missing or extra operand, a value that looks like
/// an option, a number that is not one — returns nil and goes to ArgumentParser, which owns
/// every error message. `QuickParseTests` checks that both parsers agree on every line this one
/// accepts.
enum QuickParse {
    /// The commands that take the fast path; their words and options come from their
    /// declarations.
    static let everydayCommands: [any KvshCommand.Type] = [
        KVGet.self, KVPut.self, KVCreate.self, KVUpdate.self, KVDelete.self, KVPurge.self,
    ]

    /// The command for `args` (normalized: `kv`, the command word, then its words with the
    /// global options anywhere after it), or nil to let ArgumentParser parse it.
    static func command(_ args: [String]) -> (any KvshCommand)? {
        command(args, group: KVCommand.commandWord, commands: everydayCommands)
    }

    /// The same for the `commands` of the group named `group`.
    static func command(_ args: [String], group: String, commands: [any KvshCommand.Type]) -> (any KvshCommand)? {
        guard args.count >= 2, args[0] == group, let type = commands.first(where: { $0.isNamed(args[1]) }) else {
            return nil
        }
        return parse(type, Array(args.dropFirst(2)))
    }

    private static func parse<C: KvshCommand>(_ type: C.Type, _ words: [String]) -> (any KvshCommand)? {
        FastForm<C>.cached?.parse(words)
    }
}

extension FastForm {
    /// `Root` from a command's words, or nil for anything but separate `--name value` options,
    /// known flags and operands in the declared number (after `--` every word is an operand,
    /// as in ArgumentParser).
    func parse(_ words: [String]) -> Root? {
        let globalFields = globals?.fields ?? []
        var own = [FastInput](repeating: .absent, count: fields.count)
        var global = [FastInput](repeating: .absent, count: globalFields.count)
        var operands: [String] = []
        var index = 0
        var operandsOnly = false
        while index < words.count {
            let word = words[index]
            index += 1
            if operandsOnly || !word.hasPrefix("-") {
                operands.append(word)
                continue
            }
            if word == "--" {
                operandsOnly = true
                continue
            }
            let input: FastInput
            let found: (field: Int, negated: Bool)
            let isGlobal: Bool
            if let match = matchOption(word, fields) {
                (found, isGlobal) = (match, false)
            } else if let match = matchOption(word, globalFields) {
                (found, isGlobal) = (match, true)
            } else {
                return nil
            }
            let kind = isGlobal ? globalFields[found.field].declaration.kind : fields[found.field].declaration.kind
            if kind == .option {
                guard index < words.count, !words[index].hasPrefix("-") else { return nil }
                input = .text(words[index])
                index += 1
            } else {
                input = .flag(!found.negated)
            }
            // Given twice (also as `-s` and `--server`): ArgumentParser decides.
            if isGlobal {
                guard case .absent = global[found.field] else { return nil }
                global[found.field] = input
            } else {
                guard case .absent = own[found.field] else { return nil }
                own[found.field] = input
            }
        }
        guard assign(operands, to: &own) else { return nil }
        var root = Root()
        for (field, input) in zip(fields, own) {
            guard field.fill(&root, input) else { return nil }
        }
        if let globals {
            var options = GlobalOptions()
            for (field, input) in zip(globalFields, global) {
                guard field.fill(&options, input) else { return nil }
            }
            globals.set(&root, options)
        }
        do {
            try root.validate()
        } catch {
            return nil
        }
        return root
    }

    /// The operands, in order, to the operand properties: required ones first take a word
    /// each, optional ones one if there is one, a repeating one the rest. False when the
    /// number does not fit.
    private func assign(_ operands: [String], to inputs: inout [FastInput]) -> Bool {
        var rest = operands[...]
        for (index, field) in fields.enumerated() where field.declaration.kind == .operand {
            if field.declaration.isRepeating {
                inputs[index] = .list(Array(rest))
                rest = []
            } else if let first = rest.popFirst() {
                inputs[index] = .text(first)
            } else if !field.declaration.isOptional {
                return false
            }
        }
        return rest.isEmpty
    }
}

/// Which of `fields` the option or flag `word` names, and whether it is a flag's inversion.
private func matchOption<Root>(_ word: String, _ fields: [FastForm<Root>.Field]) -> (field: Int, negated: Bool)? {
    for (index, field) in fields.enumerated() {
        if field.spellings.contains(word) { return (index, false) }
        if field.negatedSpellings.contains(word) { return (index, true) }
    }
    return nil
}
