import ArgumentParser

/// The command tree as declared: each command's words, abstract and discussion from its
/// `configuration`, and its arguments from its declared properties (groups flattened).
///
/// One table serves the shell's option handling, Tab completion, the `kvsh completion` scripts
/// and the manual. Building it makes dynamic casts (see `FastForm`), so the cold path of a
/// one-shot command never does; `kvsh` is built once per process, on first use.
struct CommandTable: Sendable {
    struct Command: Sendable {
        var name: String
        var aliases: [String]
        var abstract: String
        var discussion: String
        /// The configuration's usage text, when it has its own.
        var usage: String?
        var isShown: Bool
        /// The command words before this one's (`["kv"]` for `kv get`); empty for the root's
        /// commands.
        var path: [String]
        var arguments: [Argument]
        var subcommands: [Command]
        var type: any ParsableCommand.Type

        /// The words that name it: its name, then its aliases.
        var words: [String] { [name] + aliases }
        var isGroup: Bool { !subcommands.isEmpty }

        /// The subcommand `word` names (an alias included).
        func subcommand(_ word: String) -> Command? {
            subcommands.first { $0.words.contains(word) }
        }

        func arguments(_ kind: ArgumentDeclaration.Kind) -> [Argument] {
            arguments.filter { $0.kind == kind }
        }
    }

    struct Argument: Sendable {
        /// The property's name (`maxValueSize`).
        var label: String
        var kind: ArgumentDeclaration.Kind
        /// How an option or flag is typed, its inversion included (`--deletes`, `--no-deletes`).
        var spellings: [String]
        var declaration: ArgumentDeclaration
        /// Declared in `GlobalOptions`.
        var isGlobal = false
        /// ArgumentParser's `-h`/`--help` (and the root's `--version`), not a declared property.
        var isBuiltIn = false

        /// The name help shows for its value (`<bucket>`, `<max-value-size>`).
        var valueName: String { declaration.help?.valueName ?? kebabCased(label) }
        var abstract: String { declaration.help?.abstract ?? "" }
    }

    let root: Command

    /// kvsh's commands.
    static let kvsh = CommandTable(root: KvshRoot.self, rootOperands: ScriptOperands.self)

    /// The table of `root`'s tree; `rootOperands` declares what the root takes where a command
    /// word is not (kvsh's script file), which ArgumentParser does not parse.
    init(root: any ParsableCommand.Type, rootOperands: (any DeclaredArguments.Type)? = nil) {
        var root = Self.command(root, path: nil)
        if let rootOperands { root.arguments += Self.arguments(of: rootOperands) }
        self.root = root
    }

    /// The command the words name (`["kv", "rm"]`: `kv del`); nil when none.
    func command(_ words: [String]) -> Command? {
        var command = root
        for word in words {
            guard let sub = command.subcommand(word) else { return nil }
            command = sub
        }
        return command
    }

    /// The top-level commands that hold store commands (`kv`, `account`), the ones a shell line
    /// may start with; the others (`serve`, `completion`) are command-line forms.
    var shellGroups: [Command] { root.subcommands.filter(\.isGroup) }

    private static func command(_ type: any ParsableCommand.Type, path: [String]?) -> Command {
        let configuration = type.configuration
        let name = type.commandWord
        let subpath = path.map { $0 + [name] } ?? []
        var arguments = (type as? any DeclaredArguments.Type).map { Self.arguments(of: $0) } ?? []
        let help = Argument(label: "help", kind: .flag, spellings: ["-h", "--help"],
                            declaration: ArgumentDeclaration(kind: .flag, help: "Show help information."),
                            isBuiltIn: true)
        arguments.append(help)
        if path == nil, !configuration.version.isEmpty {
            arguments.append(Argument(label: "version", kind: .flag, spellings: ["--version"],
                                      declaration: ArgumentDeclaration(kind: .flag, help: "Show the version."),
                                      isBuiltIn: true))
        }
        return Command(
            name: name, aliases: configuration.aliases, abstract: configuration.abstract,
            discussion: configuration.discussion, usage: configuration.usage, isShown: configuration.shouldDisplay,
            path: path ?? [], arguments: arguments,
            subcommands: configuration.subcommands.map { command($0, path: subpath) }, type: type)
    }

    /// The arguments `type` declares, its groups' in their place.
    static func arguments(of type: any DeclaredArguments.Type) -> [Argument] {
        var arguments: [Argument] = []
        for (label, declaration) in type.declaredProperties {
            if declaration.kind == .group, let group = declaration.group {
                let isGlobal = ObjectIdentifier(group) == ObjectIdentifier(GlobalOptions.self)
                arguments += Self.arguments(of: group).map { argument in
                    var argument = argument
                    argument.isGlobal = argument.isGlobal || isGlobal
                    return argument
                }
                continue
            }
            var spellings: [String] = []
            if declaration.kind != .operand {
                spellings = declaration.names.spellings(for: label)
                switch declaration.inversion {
                case .prefixedNo?: spellings += declaration.names.spellings(for: label, prefix: "no")
                case .prefixedEnableDisable?:
                    spellings = declaration.names.spellings(for: label, prefix: "enable")
                        + declaration.names.spellings(for: label, prefix: "disable")
                default: break
                }
            }
            arguments.append(Argument(label: label, kind: declaration.kind, spellings: spellings,
                                      declaration: declaration))
        }
        return arguments
    }
}

extension ParsableCommand {
    /// The word that names this command (every kvsh command sets `commandName`).
    static var commandWord: String { configuration.commandName ?? "" }

    /// True when `word` is this command's name or one of its aliases.
    static func isNamed(_ word: String) -> Bool {
        commandWord == word || configuration.aliases.contains(word)
    }
}

extension CommandTable.Command {
    /// The words of the subcommands shown in help (names and aliases), sorted: what Tab offers
    /// after a group's word.
    var subcommandWords: [String] { subcommands.filter(\.isShown).flatMap(\.words).sorted() }

    /// The options and flags a shell line may give this command, sorted: its own, `--json`
    /// and `--help`; not the other global ones, which belong to the shell's one connection
    /// (`ShellHost.connectionOptionNames`).
    var shellOptionWords: [String] {
        arguments.filter { $0.kind != .operand && $0.declaration.isShown }.flatMap(\.spellings)
            .filter { !ShellHost.connectionOptionNames.contains($0) }.sorted()
    }
}
