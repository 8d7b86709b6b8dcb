/// A shell's completion script for the kvsh command line, made from the command table: every
/// command, alias and option kvsh declares, script files where the command line takes one,
/// and live bucket names and keys asked from `kvsh completion --buckets|--keys`.
///
/// The script's walk over the words typed so far follows kvsh's command line: global options
/// (and a leading `nats`) before the command, `-c TEXT` and a script file whose arguments
/// follow (nothing is completed for them), `--` ending the options. Each command is a node
/// named by its words (`kvsh kv get`); the tables below say what each node takes.
struct CompletionScript {
    enum Shell: String, CaseIterable, Sendable {
        case bash, zsh, fish
    }

    /// What goes in a word. The scripts' tables print it as one line — `none`, `file`,
    /// `bucket`, `key`, `rest` (the words are a script's arguments: nothing more to complete) —
    /// or as `list` and then the words, a line each.
    enum Kind: Equatable {
        case none, file, bucket, key, rest
        case list([String])

        var lines: [String] {
            switch self {
            case .none: ["none"]
            case .file: ["file"]
            case .bucket: ["bucket"]
            case .key: ["key"]
            case .rest: ["rest"]
            case .list(let words): ["list"] + words
            }
        }
    }

    struct Node {
        var id: String
        /// Subcommand words (names and aliases) and the node each names.
        var children: [(word: String, node: String)] = []
        /// Options and flags offered after `-`.
        var options: [String] = []
        /// Options that take a value, and what the value is.
        var valued: [(spelling: String, value: Kind)] = []
        /// The operands in order; the last one repeats when `repeats`.
        var operands: [Kind] = []
        var repeats = false
    }

    let nodes: [Node]
    /// The global options that take a value: passed on to the name callbacks.
    let globalValued: [String]
    /// After this option's value the words are a script's arguments (`-c TEXT`).
    let scriptTextOption = "-" + String(KvshRoot.scriptTextOption)

    init(_ table: CommandTable) {
        let globals = CommandTable.arguments(of: GlobalOptions.self).map { argument in
            var argument = argument
            argument.isGlobal = true
            return argument
        }
        globalValued = globals.filter { $0.kind == .option }.flatMap(\.spellings)
        var nodes: [Node] = []
        // Global options may precede the command: the root takes them too.
        Self.collect(table.root, id: "kvsh", extra: globals, into: &nodes)
        self.nodes = nodes
    }

    private static func collect(_ command: CommandTable.Command, id: String, extra: [CommandTable.Argument] = [],
                                into nodes: inout [Node]) {
        var node = Node(id: id)
        let arguments = (command.arguments + extra).filter(\.declaration.isShown)
        for argument in arguments {
            switch argument.kind {
            case .option:
                node.options += argument.spellings
                node.valued += argument.spellings.map { ($0, kind(argument.declaration.completion)) }
            case .flag:
                node.options += argument.spellings
            case .operand:
                let declaration = argument.declaration
                node.operands.append(declaration.parsing == .remaining ? kind(declaration.completion) : .rest)
                node.repeats = declaration.isRepeating
            case .group:
                break
            }
        }
        nodes.append(node)
        let index = nodes.count - 1
        for sub in command.subcommands where sub.isShown {
            let child = id + " " + sub.name
            nodes[index].children += sub.words.map { ($0, child) }
            collect(sub, id: child, into: &nodes)
        }
    }

    private static func kind(_ completion: Completion?) -> Kind {
        switch completion {
        case .list(let words)?: .list(words)
        case .file?: .file
        case .bucket?: .bucket
        case .key?, .keyFilter?: .key
        case nil: .none
        }
    }

    /// Every word the script offers (commands, aliases, options), for tests and the manual.
    var words: Set<String> {
        Set(nodes.flatMap { $0.children.map(\.word) + $0.options })
    }

    func text(for shell: Shell) -> String {
        switch shell {
        case .bash: posixTables + bashWrapper
        case .zsh: "#compdef kvsh\n" + posixTables + zshWrapper
        case .fish: fishScript
        }
    }

    // MARK: bash and zsh: the same functions (the syntax both read), each shell's entry point

    /// The tables as `(patterns, lines printed)` cases, a shell's syntax aside. A pattern's
    /// trailing `*` is a wildcard (a repeating operand's every place).
    var tables: [(name: String, subject: Int, cases: [(patterns: [String], lines: [String])], otherwise: String)] {
        [
            ("__kvsh_child", 2, nodes.flatMap { node in node.children.map { (["\(node.id)|\($0.word)"], [$0.node]) } },
             "fail"),
            ("__kvsh_subcommands", 1, nodes.filter { !$0.children.isEmpty }.map { ([$0.id], $0.children.map(\.word)) },
             "nothing"),
            ("__kvsh_options", 1, nodes.filter { !$0.options.isEmpty }.map { ([$0.id], $0.options) }, "nothing"),
            ("__kvsh_value", 2, nodes.flatMap { node in node.valued.map { (["\(node.id)|\($0.spelling)"], $0.value.lines) } },
             "fail"),
            ("__kvsh_operand", 2, nodes.flatMap { node in
                node.operands.indices.map { index in
                    let last = node.repeats && index == node.operands.count - 1
                    return (["\(node.id)|" + (last ? "*" : String(index))], node.operands[index].lines)
                }
            }, "none"),
            ("__kvsh_global", 1, [(globalValued, [])], "fail"),
        ]
    }

    private var posixTables: String {
        func quoted(_ word: String) -> String { "'" + word.replacing("'", with: "'\\''") + "'" }
        func pattern(_ text: String) -> String { text.hasSuffix("*") ? quoted(String(text.dropLast())) + "*" : quoted(text) }
        var text = "# kvsh completion (kvsh \(KvshVersion.current)), generated from its command declarations.\n"
        for table in tables {
            let subject = table.subject == 2 ? "\"$1|$2\"" : "\"$1\""
            text += "\(table.name)() {\n    case \(subject) in\n"
            for entry in table.cases where !entry.patterns.isEmpty {
                let body = entry.lines.isEmpty ? "return 0" : "printf '%s\\n' " + entry.lines.map(quoted).joined(separator: " ")
                text += "        " + entry.patterns.map(pattern).joined(separator: "|") + ") " + body + " ;;\n"
            }
            let otherwise = switch table.otherwise {
            case "fail": "return 1"
            case "none": "echo none"
            default: ":"
            }
            text += "        *) \(otherwise) ;;\n    esac\n}\n"
        }
        return text + posixEngine
    }

    /// Prints the candidates for the last word: `__kvsh_candidates PROGRAM CURRENT WORD…` with
    /// the words before it; `@files` asks the shell for file names.
    private var posixEngine: String {
        """
        __kvsh_candidates() {
            local program="$1" cur="$2" node=kvsh expect= endopts= stopped= nats=1 bucket= operands=0 word name kind
            shift 2
            local -a globals
            globals=()
            for word in "$@"; do
                if [ -n "$stopped" ]; then continue; fi
                if [ -n "$expect" ]; then
                    __kvsh_global "$expect" && globals+=("$expect" "$word")
                    [ "$expect" = \(scriptTextOption) ] && [ "$node" = kvsh ] && stopped=1
                    expect=
                    continue
                fi
                if [ -z "$endopts" ]; then
                    case "$word" in
                        --) endopts=1; continue ;;
                        --*=*) __kvsh_global "${word%%=*}" && globals+=("$word"); continue ;;
                        -?*) __kvsh_value "$node" "$word" >/dev/null && expect="$word"; continue ;;
                    esac
                fi
                if [ "$operands" = 0 ] && [ "$node" = kvsh ] && [ "$word" = nats ] && [ -n "$nats" ]; then
                    nats=
                    continue
                fi
                if [ "$operands" = 0 ] && [ -z "$endopts" ] && name="$(__kvsh_child "$node" "$word")"; then
                    node="$name"
                    continue
                fi
                [ "$operands" = 0 ] && bucket="$word"
                operands=$((operands + 1))
                [ "$(__kvsh_operand "$node" "$operands")" = rest ] && stopped=1
            done
            [ -n "$stopped" ] && return 0
            if [ -n "$expect" ]; then
                kind="$(__kvsh_value "$node" "$expect")"
            elif [ -z "$endopts" ] && [[ "$cur" == -* ]]; then
                __kvsh_options "$node"
                return 0
            else
                [ "$operands" = 0 ] && __kvsh_subcommands "$node"
                kind="$(__kvsh_operand "$node" "$operands")"
            fi
            case "$kind" in
                file) echo @files ;;
                list?*) printf '%s\\n' "${kind#list?}" ;;
                bucket) "$program" completion --buckets "${globals[@]}" 2>/dev/null </dev/null ;;
                key) "$program" completion --keys "$bucket" --prefix "$cur" "${globals[@]}" 2>/dev/null </dev/null ;;
            esac
            return 0
        }

        """
    }

    private var bashWrapper: String {
        """
        _kvsh() {
            local line="${COMP_LINE:0:COMP_POINT}" word="${COMP_WORDS[COMP_CWORD]}" candidate
            local -a words
            # The words as typed (bash splits COMP_WORDS at ':' and '=' too, which URLs have).
            read -r -a words <<< "$line"
            [[ -z "$line" || "$line" == *[[:space:]] ]] && words+=("")
            local cur="${words[${#words[@]}-1]}"
            local lead=$(( ${#cur} - ${#word} ))
            (( lead < 0 )) && lead=0
            COMPREPLY=()
            while IFS= read -r candidate; do
                if [ "$candidate" = @files ]; then
                    compopt -o filenames 2>/dev/null
                    while IFS= read -r candidate; do COMPREPLY+=("$candidate"); done < <(compgen -f -- "$word")
                elif [[ "$candidate" == "$cur"* ]]; then
                    COMPREPLY+=("${candidate:lead}")
                fi
            done < <(__kvsh_candidates "${words[0]}" "$cur" "${words[@]:1:${#words[@]}-2}")
        }
        complete -F _kvsh kvsh

        """
    }

    private var zshWrapper: String {
        """
        _kvsh() {
            local candidate
            local -a names
            for candidate in "${(@f)$(__kvsh_candidates "${words[1]}" "${words[CURRENT]}" "${(@)words[2,CURRENT-1]}")}"; do
                if [ "$candidate" = @files ]; then
                    _files
                elif [ -n "$candidate" ]; then
                    names+=("$candidate")
                fi
            done
            (( ${#names} )) && compadd -a names
            return 0
        }
        if [ "$funcstack[1]" = _kvsh ]; then
            _kvsh "$@"
        else
            compdef _kvsh kvsh
        fi

        """
    }
}
