/// The commands the language defines itself. Dispatch and `help` both read this table, so
/// a built-in cannot exist without its help text.
enum Builtin: String, CaseIterable, Sendable {
    case echo, set, use, vars, test, calc, str, json, printf, sleep, source, help, exit, `return`, fail
    case `true`, `false`

    var usage: String {
        switch self {
        case .echo: "echo [WORD…]"
        case .set: "set NAME VALUE…"
        case .use: "use [BUCKET]"
        case .vars: "vars"
        case .test: "test A OP B | test -z S | test -n S"
        case .calc: "calc A OP B"
        case .str: "str OP …"
        case .json: "json OP …"
        case .printf: "printf FORMAT [ARG…]"
        case .sleep: "sleep DURATION"
        case .source: "source FILE [ARG…]"
        case .help: "help [NAME…]"
        case .exit: "exit [STATUS]"
        case .return: "return [VALUE]"
        case .fail: "fail MESSAGE…"
        case .true: "true"
        case .false: "false"
        }
    }

    var summary: String {
        switch self {
        case .echo: "Print the words separated by spaces"
        case .set: "Set a variable (several values make a list)"
        case .use: "Choose the bucket for put, get, del, create, update, … (no argument: show it)"
        case .vars: "List the variables and their values"
        case .test: "Compare two values; succeed when the comparison holds"
        case .calc: "Integer arithmetic: + - * / %"
        case .str: "String operations: length upper lower trim sub split join replace contains starts ends"
        case .json: "Build and read JSON: encode object array get set keys"
        case .printf: "Print the ARGs formatted by FORMAT (%s %d %x %f …), no newline added"
        case .sleep: "Wait, e.g. 500ms, 2s, 1m30s (Ctrl-C interrupts)"
        case .source: "Run a script file here, with its own $1…$N"
        case .help: "Show this list, or help for a command or keyword"
        case .exit: "End the script or session with a status"
        case .return: "End a function; let binds VALUE"
        case .fail: "Fail with MESSAGE (catch, || and if test it)"
        case .true: "Succeed"
        case .false: "Fail with status 1"
        }
    }

    var details: String {
        switch self {
        case .echo:
            "Prints its arguments separated by single spaces and a newline; a list argument prints its "
                + "elements. `let x = echo …` binds the text instead of printing it."
        case .set:
            "`set NAME VALUE` binds VALUE as it is (`set e2 $e` copies an entry, `set all $list` a list). "
                + "With several values NAME holds a list of them: `set fruits apple pear`. "
                + "Use `set NAME \"\"` for the empty string."
        case .use:
            "Checks that BUCKET exists and makes it the current bucket: then `put K V` runs `kv put BUCKET K V`, "
                + "and likewise get, del, create, update, purge, history, keys, watch and status."
        case .vars:
            "Prints every variable with its value (strings quoted, entries and lists summarised), "
                + "then $#, $? and the current bucket. `let v = vars` binds them as a record."
        case .test:
            "OP is one of == != < <= > >=. Two numbers (integers, or decimals such as 0.5) compare as numbers, anything else as text. "
                + "`-z S` holds when S is empty, `-n S` when it is not. Fails (status 1) when the comparison "
                + "does not hold, so use it as a condition: `while test $n < 3 { … }`."
        case .calc:
            "Prints (or, under `let`, returns) A OP B for integers A and B, OP one of + - * / %. "
                + "Overflow and division by zero are errors. `let n = calc $n + 1` counts."
        case .str:
            "Lengths and positions count characters (grapheme clusters). Prints the result, or binds it under `let`; "
                + "contains, starts and ends succeed or fail (status 1) as a condition. "
                + "`sub` counts a negative START from the end and clamps to the string; `split` and `join` make and "
                + "take lists (`str join , $ks` spreads the list)."
        case .json:
            "Each WORD is one value (a list variable is one array) and strings always become JSON strings. "
                + "DOC is JSON text (a string or an entry) or a record or list; PATH is dot-separated "
                + "members and indexes (`a.b.0`). `get` prints scalars as text and objects as JSON; "
                + "`set` creates missing members and appends at index count. `$e.json.field` reads a field directly."
        case .printf:
            "Directives %s %d %i %x %X %o %f %e %g %c %%, with flags - 0 + space, a width and .precision "
                + "(for %s it truncates). FORMAT knows the escapes \\n \\t \\r \\\\; ARGs are data, never "
                + "interpreted. Each directive takes one ARG (lists spread): too few or too many is an error. "
                + "`let s = printf …` binds the text."
        case .sleep:
            "DURATION is a number with a unit (ns, us, ms, s, m, h), several run together (1m30s), "
                + "or a plain number of seconds; at most 24h. Ctrl-C interrupts it."
        case .source:
            "Parses the whole FILE first, then runs it in this session: variables it sets stay set. "
                + "A relative FILE is found next to the running script (at the prompt: in the working directory). "
                + "With ARGs the file sees them as $1…$N; without, it sees the caller's. "
                + "Errors name the sourced file's line and column."
        case .help:
            "`help` lists the built-ins, statements and store commands; `help NAME` describes one, "
                + "`help kv put` asks the store commands for their own help."
        case .exit:
            "Ends the script, or the session at the prompt, with STATUS (0…255); "
                + "without STATUS, with the last command's status ($?)."
        case .return:
            "Ends the function that runs it, successfully; `let x = NAME …` binds VALUE (one word, kept as it is: "
                + "a list stays a list), or null without one. Outside a function it is a mistake."
        case .fail:
            "Fails with the words as the message and status 1, as a store command's failure does: untested it "
                + "stops the script, `catch`, `||` and `if` test it, `$error` holds it."
        case .true: "Does nothing, successfully: `while true { … }`."
        case .false: "Does nothing and fails with status 1."
        }
    }
}

extension Builtin {
    /// The operations of `str` and `json`, from the tables they dispatch on; `help` lists their
    /// usages one a line. Empty for the other built-ins.
    var operations: [BuiltinOperation] {
        switch self {
        case .str: ShellSession.stringOperations
        case .json: ShellSession.jsonOperations
        default: []
        }
    }
}

/// Help for the statements, which are syntax rather than commands.
enum KeywordHelp {
    static let entries: [(name: String, usage: String, text: String)] = [
        ("let", "let NAME = COMMAND",
         "Runs COMMAND without printing and binds its result: an entry for `kv get`/`put`/`create`/`update`, "
            + "a list for `kv keys`/`history`, a record for `kv status`/`account info`. "
            + "Fields: $e.value, ${e.revision}. As a condition, `if let e = kv get b k { … }` binds only on success."),
        ("if", "if COMMAND { … } elif COMMAND { … } else { … }",
         "Runs the first block whose COMMAND succeeds. A failing condition is tested, so it does not stop the "
            + "script. `elif` and `else` go on the line of the closing `}`."),
        ("while", "while COMMAND { … }", "Runs the block as long as COMMAND succeeds. Ctrl-C interrupts it."),
        ("for", "for NAME in WORD… { … }",
         "Runs the block once per word; an unquoted list variable gives one word per element: "
            + "`let ks = kv keys my-kv; for k in $ks { kv get my-kv $k }`."),
        ("&&", "A && B", "Runs B only when A succeeds; A's failure is tested."),
        ("||", "A || B", "Runs B only when A fails; A's failure is tested: `kv update b k v $e.revision || echo conflict`."),
        ("!", "! A", "Succeeds when A fails and fails when A succeeds; A's failure is tested."),
        ("fn", "fn NAME PARAM… [@REST] { … }",
         "Defines a command. Each word of a call is one argument, kept as it is (a list stays a list); the body "
            + "runs on a copy of the caller's variables and changes none of them. `return VALUE` gives what "
            + "`let x = NAME …` binds. A failure inside is the call's failure. Calls nest at most 100 deep."),
        ("try", "try { … } catch NAME { … } finally { … }",
         "The block stops at its first untested failure; `catch` runs then, with NAME a record of message, status, "
            + "file, line and column; `finally` runs however it ended, also after Ctrl-C or SIGTERM (a second one "
            + "stops the cleanup). `catch` and `finally` go on the line of the `}` before them."),
        ("quiet", "quiet STATEMENT",
         "Runs STATEMENT printing nothing, keeping its status, `$error` and bindings: `if quiet kv create b k v { … }`."),
        (">", "COMMAND > FILE | >> FILE | 2> FILE | 2>> FILE | 2>&1 | < FILE",
         "Sends a command's (or a `{ … }`, `if`, `for`, `while`, `try` statement's) output to FILE, appends with `>>`, "
            + "its notes and warnings with `2>`; `< FILE` gives put, create and update their value. The file name "
            + "is data, never parsed again. Only at the start of a word: `orders.>` is a key filter."),
    ]
}

extension ShellSession {
    /// The built-in commands (`echo`, `set`, `use`, …), for a front end's completion and
    /// "did you mean" suggestions.
    public static var builtinNames: [String] { Builtin.allCases.map(\.rawValue) }

    /// The words that start statements (`if`, `while`, `for`, `let`) or continue them (`elif`, `else`).
    public static let keywordNames = ["if", "elif", "else", "while", "for", "let", "fn", "try", "catch", "finally",
                                      "quiet"]

    /// The commands that work on the current bucket after `use BUCKET` (`put`, `get`, …), sorted.
    public static var bucketCommandNames: [String] { bucketCommands.sorted() }
}
