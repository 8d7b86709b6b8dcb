/// Where the shell's text goes: the terminal in kvsh, a buffer in tests.
///
/// Text is written exactly as given; whoever writes a line ends it with `"\n"`.
public protocol ShellOutput: Sendable {
    /// Normal output (`echo`, a command's human output).
    func write(_ text: String)
    /// Diagnostics (script errors, `nats: error: …` at the prompt).
    func writeError(_ text: String)
    /// Bytes that need not be UTF-8 (`kv get --raw`): unchanged where the output takes bytes
    /// (the terminal), else as text with invalid sequences replaced.
    func writeBytes(_ bytes: [UInt8])
    /// The first write that failed (a full disk, a closed pipe), or nil. A script stops after
    /// the command during which it appears, whether or not that command was tested.
    var writeFailure: OutputFailed? { get }
}

extension ShellOutput {
    /// Writes that cannot fail (a buffer).
    public var writeFailure: OutputFailed? { nil }

    /// Outputs of text only: the bytes as text.
    public func writeBytes(_ bytes: [UInt8]) { write(String(decoding: bytes, as: UTF8.self)) }
}

/// A write to the session's output that failed (kvsh: the first failed write to stdout or
/// stderr): which output, and what ends the script and how.
public struct OutputFailed: Error, Sendable, Equatable, CustomStringConvertible {
    /// The two outputs of a `ShellOutput`: `write`'s and `writeError`'s.
    public enum Stream: Sendable, Equatable {
        case standardOutput
        case standardError
    }

    public var stream: Stream
    /// What to report, or nil to end quietly (a reader closed the pipe, as with `| head -1`).
    public var message: String?
    /// The exit status it leaves: 1, or 141 for a closed pipe.
    public var status: Int32

    /// A failure of `stream` reported with `message` (nil: quietly), leaving `status`.
    public init(stream: Stream = .standardOutput, message: String?, status: Int32) {
        self.stream = stream
        self.message = message
        self.status = status
    }

    public var description: String { message ?? "the reader of the output went away" }
}

/// Runs the commands the language does not define itself: `kv …`, `account info`, and the
/// bucket commands after `use` (which reach the host already rewritten to `kv put BUCKET …`).
///
/// The host prints its own human output through `context.output` (nothing when
/// `context.isCaptured`) and returns the value `let` binds. A failure is thrown: a
/// `CommandError`'s message, or `message(for:)` of any other error, is what the user sees; the
/// interpreter adds the script position. Throw `CommandError` to choose the exit status.
public protocol CommandHost: Sendable {
    /// Runs one command. `words` are the expanded arguments, without a leading `nats`.
    func run(_ words: [String], context: CommandContext) async throws -> CommandResult

    /// Help for `help WORDS…` (`help kv`, `help kv put`); for `help` alone, `topic` is empty and
    /// the host may summarise its commands. Nil when the host knows no such command.
    func help(for topic: [String]) -> String?

    /// The message of a failure that is not a `CommandError`: an error `run` threw, or a
    /// key-value error of a built-in (`use` checks the bucket name). One line, shown after the
    /// position.
    func message(for error: any Error) -> String

    /// The first words of the host's commands (`kv`, `account`, …): a function may not take
    /// one of these names.
    var commandNames: Set<String> { get }
}

extension CommandHost {
    /// No names reserved.
    public var commandNames: Set<String> { [] }

    /// No help of its own: `help` lists only the language's commands.
    public func help(for topic: [String]) -> String? { nil }

    /// The error's description.
    public func message(for error: any Error) -> String { String(describing: error) }
}

/// What a command may know about the statement that runs it.
public struct CommandContext: Sendable {
    /// Where the command's text goes.
    public var output: any ShellOutput
    /// True when `let` binds the result: print nothing, just return the value.
    public var isCaptured: Bool
    /// Where the command starts in its script, for messages.
    public var position: SourcePosition
    /// Indexes in the words of arguments that begin with a substituted value (`$v`, `"$v…"`,
    /// each element of a spread `$list`). They are data: a host that parses options must
    /// treat them as operands even when they start with `-` (a stored value `--help`).
    public var dataArguments: Set<Int>
    /// The `{ … }` written after the words, for the commands that take one (`on`); nil otherwise.
    public var block: CommandBlock?
    /// Unquoted `$list` words that held no element, so gave no argument at all: a host whose
    /// operands they stood for must not run as if they had been left out (`kv del b $ks` with
    /// `$ks` empty is not `kv del b`).
    public var emptyLists: [EmptyList]
    /// The command was typed at the interactive prompt (not read from a script, a sourced file
    /// or a hook's block): a person is there to answer a question.
    public var isTypedAtPrompt: Bool
    /// The bytes of the file given with `< FILE`, read before the command runs; nil without
    /// one. Only commands that take a value (put, create, update) may accept it, in place of
    /// the value argument; any other command must refuse it.
    public var input: [UInt8]?

    /// A context; the interpreter makes one per command, tests may make their own.
    public init(output: any ShellOutput, isCaptured: Bool, position: SourcePosition, dataArguments: Set<Int> = [],
                block: CommandBlock? = nil, emptyLists: [EmptyList] = [], isTypedAtPrompt: Bool = false,
                input: [UInt8]? = nil) {
        self.output = output
        self.isCaptured = isCaptured
        self.position = position
        self.dataArguments = dataArguments
        self.block = block
        self.emptyLists = emptyLists
        self.isTypedAtPrompt = isTypedAtPrompt
        self.input = input
    }
}

/// An unquoted `$list` word whose list was empty.
public struct EmptyList: Sendable, Equatable {
    /// Where its elements would have gone: the index in the words of the argument after it.
    public var index: Int
    /// The word as written, e.g. `$ks`.
    public var sourceText: String

    /// An empty list written as `sourceText` before the word at `index`.
    public init(index: Int, sourceText: String) {
        self.index = index
        self.sourceText = sourceText
    }
}

/// What a successful command returns.
public struct CommandResult: Sendable, Equatable {
    /// What `let NAME = COMMAND` binds: an entry for `kv get`, a list for `kv keys`, a record
    /// for `kv status`…, `.null` when there is nothing to bind.
    public var value: Value

    /// A result binding `value` (nothing, by default).
    public init(_ value: Value = .null) { self.value = value }
}

/// A failure with a message and an exit status (1 unless said otherwise). Hosts and built-ins
/// throw it; any other error counts as status 1 with the host's `message(for:)`.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong and, where possible, what to do; shown after the position.
    public var message: String
    /// The `$?` the failure leaves, 1…255.
    public var status: Int32

    /// A failure with `message`, leaving `$?` at `status`.
    public init(_ message: String, status: Int32 = 1) {
        self.message = message
        self.status = status
    }

    /// The message.
    public var description: String { message }
}

extension CommandError {
    /// `< FILE` given to a command that takes no value (`name`: `kv get`, `echo`, `lock`): a usage
    /// error, status 64. The language and the host refuse with this one message.
    public static func inputRefused(by name: String) -> CommandError {
        CommandError("\(name) takes no input: '< FILE' gives the value of kv put, create and update", status: 64)
    }
}
