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
    static let everydayCommands: [Entry] = [
        Entry(KVGet.self), Entry(KVPut.self), Entry(KVCreate.self), Entry(KVUpdate.self), Entry(KVDelete.self),
        Entry(KVPurge.self),
    ]

    /// A command on the fast path, and its parser compiled for its type (through an
    /// existential the generic code would run unspecialized, making type metadata at run time).
    struct Entry: Sendable {
        let type: any KvshCommand.Type
        let parse: @Sendable ([String]) -> (any KvshCommand)?

        init<C: KvshCommand>(_ type: C.Type) {
            self.type = type
            parse = { words in FastForm<C>.cached?.parse(words) }
        }
    }

    /// The command for `args` (normalized: `kv`, the command word, then its words with the
    /// global options anywhere after it), or nil to let ArgumentParser parse it.
    static func command(_ args: [String]) -> (any KvshCommand)? {
        command(args, group: KVCommand.commandWord, commands: everydayCommands)
    }

    /// The same for the `commands` of the group named `group`.
    static func command(_ args: [String], group: String, commands: [Entry]) -> (any KvshCommand)? {
        guard args.count >= 2, args[0] == group, let entry = commands.first(where: { $0.type.isNamed(args[1]) }) else {
            return nil
        }
        return entry.parse(Array(args.dropFirst(2)))
    }
}

extension FastForm where Root: DeclaredArguments {
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
        // Index loops: `zip` and `enumerated` would be instantiated here at run time.
        var root = Root()
        for index in fields.indices {
            guard Self.fill(fields[index], of: &root, with: own[index]) else { return nil }
        }
        if let globals {
            var options = GlobalOptions()
            for index in globalFields.indices {
                guard FastForm<GlobalOptions>.fill(globalFields[index], of: &options, with: global[index]) else { return nil }
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
        var next = 0
        for index in fields.indices where fields[index].declaration.kind == .operand {
            let declaration = fields[index].declaration
            if declaration.isRepeating {
                inputs[index] = .list(Array(operands[next...]))
                next = operands.count
            } else if next < operands.count {
                inputs[index] = .text(operands[next])
                next += 1
            } else if !declaration.isOptional {
                return false
            }
        }
        return next == operands.count
    }
}

/// Which of `fields` the option or flag `word` names, and whether it is a flag's inversion.
private func matchOption(_ word: String, _ fields: [FastField]) -> (field: Int, negated: Bool)? {
    for index in fields.indices {
        if fields[index].spellings.contains(word) { return (index, false) }
        if fields[index].negatedSpellings.contains(word) { return (index, true) }
    }
    return nil
}
