/// A parsed script: the syntax tree the interpreter walks. Parsing the whole script before
/// running it is what lets a syntax error on line 40 stop the script before line 1 runs.
struct Script: Sendable, Equatable {
    var statements: [Statement]
    var file: String
}

/// A command: its words, unexpanded. The first word names the command.
struct Command: Sendable, Equatable {
    var words: [Word]
    /// A `{ … }` written after the words of a command that takes code to run later
    /// (`on put my-kv { … }`); the command receives it, unrun, as a `CommandBlock`.
    var block: Block? = nil
    /// `> FILE`, `< FILE`… written among the words, in order.
    var redirects: [Redirect] = []
    var position: SourcePosition { words[0].position }
}

/// `> FILE` and its kin: where a statement's output goes, or where a value comes from.
struct Redirect: Sendable, Equatable {
    var op: RedirectOperator
    /// The file name, expanded as data when the statement runs; nil for `2>&1`.
    var target: Word?
    var position: SourcePosition
}

/// `fn NAME PARAM… { … }`: a command defined in the language.
struct FunctionDefinition: Sendable, Equatable {
    var name: String
    var parameters: [String]
    /// The last parameter was written `@NAME`: it takes the remaining arguments as a list.
    var collectsRest: Bool
    var body: Block
    var position: SourcePosition
}

/// `try { … } catch NAME { … } finally { … }`
struct Attempt: Sendable, Equatable {
    var body: Block
    /// The variable the failure is bound to in `handler` (nil: `catch { … }`).
    var failureName: String?
    var handler: Block?
    var cleanup: Block?
    var position: SourcePosition
}

/// A `{ … }` block.
struct Block: Sendable, Equatable {
    var statements: [Statement]
    var position: SourcePosition
}

/// One `if`/`elif` test and the block it guards.
struct Branch: Sendable, Equatable {
    var condition: Statement
    var body: Block
}

/// `&& B` or `|| B` in a chain.
struct ChainLink: Sendable, Equatable {
    enum Operator: Sendable, Equatable {
        /// `&&`: run when the chain so far succeeded.
        case and
        /// `||`: run when the chain so far failed.
        case or
    }

    var op: Operator
    var statement: Statement
}

indirect enum Statement: Sendable, Equatable {
    /// `kv put my-kv Key1 Value1`, `echo hi`
    case command(Command)
    /// `let NAME = COMMAND`: runs the command and binds its result.
    case binding(name: String, command: Command, position: SourcePosition)
    /// `A && B || C …`, evaluated left to right as `(A && B) || C`. Kept flat so that a long
    /// chain is a list, not a deep tree (whose recursive teardown could exhaust the stack).
    case chain(Statement, [ChainLink])
    /// `! A`: succeeds when A fails.
    case not(Statement, position: SourcePosition)
    /// `if A { … } elif B { … } else { … }`
    case conditional(branches: [Branch], otherwise: Block?, position: SourcePosition)
    /// `for NAME in WORDS { … }`
    case loop(variable: String, items: [Word], body: Block, position: SourcePosition)
    /// `while A { … }`
    case repeatWhile(condition: Statement, body: Block, position: SourcePosition)
    /// `{ … }`
    case block(Block)
    /// A compound statement (`{ … }`, `if`, `for`, `while`, `try`) followed by redirections.
    case redirected(Statement, [Redirect])
    /// `quiet STATEMENT`: runs it printing nothing.
    case quiet(Statement, position: SourcePosition)
    /// `fn NAME PARAM… { … }`: defines the function when it runs.
    case function(FunctionDefinition)
    /// `try { … } catch NAME { … } finally { … }`
    case attempt(Attempt)

    /// Where the statement starts.
    var position: SourcePosition {
        switch self {
        case .command(let command): command.position
        case .binding(_, _, let position), .not(_, let position),
             .conditional(_, _, let position), .loop(_, _, _, let position),
             .repeatWhile(_, _, let position), .quiet(_, let position):
            position
        case .chain(let first, _), .redirected(let first, _): first.position
        case .block(let block): block.position
        case .function(let definition): definition.position
        case .attempt(let attempt): attempt.position
        }
    }
}
