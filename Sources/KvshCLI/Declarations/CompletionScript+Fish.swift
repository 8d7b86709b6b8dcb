// fish: the same tables and walk as the bash and zsh script, in fish's syntax.

extension CompletionScript {
    var fishScript: String {
        func quoted(_ word: String) -> String {
            "'" + word.replacing("\\", with: "\\\\").replacing("'", with: "\\'") + "'"
        }
        var text = "# kvsh completion (kvsh \(KvshVersion.current)), generated from its command declarations.\n"
        for table in tables {
            let subject = table.subject == 2 ? "\"$argv[1]|$argv[2]\"" : "\"$argv[1]\""
            text += "function \(table.name)\n    switch \(subject)\n"
            for entry in table.cases where !entry.patterns.isEmpty {
                // Wildcards match in fish's case patterns even when quoted.
                text += "        case " + entry.patterns.map(quoted).joined(separator: " ") + "\n"
                text += entry.lines.isEmpty ? "            return 0\n"
                    : "            printf '%s\\n' " + entry.lines.map(quoted).joined(separator: " ") + "\n"
            }
            let otherwise = switch table.otherwise {
            case "fail": "return 1"
            case "none": "echo none"
            default: "true"
            }
            text += "        case '*'\n            \(otherwise)\n    end\nend\n"
        }
        return text + fishEngine
    }

    private var fishEngine: String {
        """
        function __kvsh_candidates
            set -l program $argv[1]
            set -l cur $argv[2]
            set -l node kvsh
            set -l expect ''
            set -l endopts ''
            set -l stopped ''
            set -l nats 1
            set -l bucket ''
            set -l operands 0
            set -l globals
            for word in $argv[3..-1]
                if test -n "$stopped"
                    continue
                end
                if test -n "$expect"
                    if __kvsh_global $expect
                        set -a globals $expect $word
                    end
                    if test "$expect" = \(scriptTextOption) -a "$node" = kvsh
                        set stopped 1
                    end
                    set expect ''
                    continue
                end
                if test -z "$endopts"; and string match -q -- '-*' $word; and test "$word" != -
                    if test "$word" = --
                        set endopts 1
                    else if string match -q -- '--*=*' $word
                        if __kvsh_global (string split -m 1 = -- $word)[1]
                            set -a globals $word
                        end
                    else if __kvsh_value $node $word >/dev/null
                        set expect $word
                    end
                    continue
                end
                if test $operands -eq 0 -a "$node" = kvsh -a "$word" = nats -a -n "$nats"
                    set nats ''
                    continue
                end
                if test $operands -eq 0 -a -z "$endopts"
                    set -l child (__kvsh_child $node $word)
                    if test $status -eq 0
                        set node $child
                        continue
                    end
                end
                if test $operands -eq 0
                    set bucket $word
                end
                set operands (math $operands + 1)
                if test (__kvsh_operand $node $operands)[1] = rest
                    set stopped 1
                end
            end
            if test -n "$stopped"
                return 0
            end
            set -l kind
            if test -n "$expect"
                set kind (__kvsh_value $node $expect)
            else if test -z "$endopts"; and string match -q -- '-*' $cur
                __kvsh_options $node
                return 0
            else
                if test $operands -eq 0
                    __kvsh_subcommands $node
                end
                set kind (__kvsh_operand $node $operands)
            end
            switch "$kind[1]"
                case file
                    __fish_complete_path $cur
                case list
                    printf '%s\\n' $kind[2..-1]
                case bucket
                    $program completion --buckets $globals 2>/dev/null </dev/null
                case key
                    $program completion --keys $bucket --prefix $cur $globals 2>/dev/null </dev/null
            end
        end

        function __kvsh_complete
            set -l tokens (commandline -opc)
            set -l cur (commandline -ct)
            __kvsh_candidates $tokens[1] "$cur" $tokens[2..-1]
        end

        complete -c kvsh -f -a '(__kvsh_complete)'

        """
    }
}
