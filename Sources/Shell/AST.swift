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
    var position: SourcePosition { words[0].position }
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

    /// Where the statement starts.
    var position: SourcePosition {
        switch self {
        case .command(let command): command.position
        case .binding(_, _, let position), .not(_, let position),
             .conditional(_, _, let position), .loop(_, _, _, let position),
             .repeatWhile(_, _, let position):
            position
        case .chain(let first, _): first.position
        case .block(let block): block.position
        }
    }
}
