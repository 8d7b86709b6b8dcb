// The libedit wrapper; see docs/architecture.md.
import CEditLine
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An interactive line editor on libedit: prompt, emacs-style editing (or whatever the user's
/// `~/.editrc` selects for program name `programName`), history with up/down recall and
/// incremental search (Ctrl-R), Tab completion through a Swift callback, and lines printed
/// above the line being edited from other threads.
///
/// Use it only when ``isInteractive`` is true; read plain lines otherwise.
///
/// Threads: ``readLine(prompt:onKeystroke:)`` blocks, so call it from a dedicated thread (never from a task
/// on the cooperative pool), and from one thread at a time. ``printAbove(_:)`` may be called
/// from any thread at any time. ``addHistory(_:)`` belongs to the thread that calls
/// `readLine`. libedit keeps some process-wide state (its signal handlers), so create one
/// editor per process.
///
/// Keys beyond libedit's defaults: Tab completes, Ctrl-C abandons the line
/// (``ReadResult/interrupted``), Ctrl-D on an empty line ends input (``ReadResult/eof``),
/// Ctrl-Z suspends the process, Ctrl-R searches the history incrementally.
///
/// Signals: while a line is edited the terminal does not generate SIGINT, SIGQUIT or SIGTSTP
/// (Ctrl-C, Ctrl-\ and Ctrl-Z arrive as keys), and libedit handles window resizes. Between
/// calls the terminal is back in its normal mode and signals are the caller's business. libedit
/// saves the dispositions of SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGCONT and SIGWINCH when
/// a line starts, handles them itself meanwhile, and restores what it saved when the line ends:
/// set up your own handling before the first ``readLine(prompt:onKeystroke:)``, not during one.
public final class LineEditor: @unchecked Sendable {
    // @unchecked: everything but `shared` and `input.wake()` is touched only by the thread
    // running readLine (and the libedit callbacks it runs); `shared` is a Mutex.

    /// How a call to ``readLine(prompt:onKeystroke:)`` ended.
    public enum ReadResult: Equatable, Sendable {
        /// The user pressed Enter. The text has no trailing newline; a history entry recalled
        /// from a multi-line block may contain newlines.
        case line(String)
        /// Ctrl-D on an empty line, or standard input closed.
        case eof
        /// Ctrl-C: the line was abandoned (it stays on screen followed by `^C`) and the cursor
        /// is on a fresh row. Show a fresh prompt.
        case interrupted
    }

    /// Returns the candidates for completing the word before the cursor.
    ///
    /// - Parameters:
    ///   - line: the whole line being edited.
    ///   - cursor: the cursor's offset in `line`, in `Character`s.
    /// - Returns: replacements for the current word (the text between the last whitespace
    ///   before the cursor and the cursor). Candidates are inserted verbatim: end a candidate
    ///   with a space when the word is complete (`"my-sem "`), leave it open when more may
    ///   follow (`"users."`). One candidate replaces the word; for several, their longest
    ///   common prefix does, or, when that adds nothing, they are listed below the line.
    public typealias Completion = @Sendable (_ line: String, _ cursor: Int) -> [String]

    /// Whether standard input and standard output are both terminals (use plain line reading
    /// otherwise).
    public static var isInteractive: Bool { isatty(0) != 0 && isatty(1) != 0 }

    /// The history file, or nil when history is kept in memory only.
    public var historyFile: String? { history.path }

    let editLine: OpaquePointer
    let history: HistoryStore
    let input: EditorInput
    let completion: Completion?

    // Editor thread only.
    var prompt = PromptText("")
    private var promptStorage: UnsafeMutablePointer<CChar>?
    var interrupted = false
    var keystrokeHandler: (() -> Void)?

    struct Shared {
        /// True while readLine runs: printAbove then queues instead of writing.
        var editing = false
        var pending: [String] = []
    }
    let shared = Mutex(Shared())

    /// Creates the editor on standard input and output.
    ///
    /// - Parameters:
    ///   - programName: selects the `programName:` lines of `~/.editrc` (or `$EDITRC`).
    ///   - historyFile: where history persists, or nil for memory only. It is loaded now
    ///     (when it exists) and rewritten after each ``addHistory(_:)``, with mode 0600;
    ///     missing parent directories are created with mode 0700. A path that exists but is
    ///     not a regular file (e.g. `/dev/null`) disables persistence.
    ///   - historyLimit: the most entries kept and saved (oldest dropped first).
    ///   - completion: called on Tab; nil makes Tab beep.
    /// - Throws: ``LineEditorError/historyUnreadable(path:reason:)`` when the history file
    ///   exists but cannot be loaded (it is left untouched), or
    ///   ``LineEditorError/editorUnavailable(reason:)``.
    public init(programName: String = "kvsh", historyFile: String? = nil, historyLimit: Int = 1000,
                completion: Completion? = nil) throws(LineEditorError) {
        EditorTerminal.useUTF8CharacterLocale()
        history = try HistoryStore(path: historyFile, limit: historyLimit)
        input = try EditorInput()
        guard let editLine = kv_el_init(programName) else {
            throw .editorUnavailable(reason: "libedit could not initialise the terminal")
        }
        self.editLine = editLine
        self.completion = completion
        configure(programName: programName)
    }

    deinit {
        el_end(editLine)
        promptStorage?.deallocate()
    }

    /// Shows `prompt`, lets the user edit a line, and returns it.
    ///
    /// `prompt` is one row; it may contain terminal escape sequences (colours), which take no
    /// columns. Pass a different prompt for continuation lines of a multi-line block.
    /// Does not add the line to the history: call ``addHistory(_:)`` for what should be kept.
    ///
    /// `onKeystroke` runs on this thread for every key read, before libedit acts on it. The
    /// last call is for the key that ends the line, while the terminal is still in edit mode:
    /// a caller can tell what happened while the line was typed (when Ctrl-C is a key) from
    /// what happens once the terminal is back to normal (when Ctrl-C raises SIGINT).
    public func readLine(prompt: String, onKeystroke: (() -> Void)? = nil) -> ReadResult {
        setPrompt(prompt)
        interrupted = false
        keystrokeHandler = onKeystroke
        defer { keystrokeHandler = nil }
        shared.withLock { $0.editing = true }
        // Edit mode before the prompt is drawn (libedit itself switches only when it first
        // reads): a key typed as soon as the prompt shows is then never echoed by the terminal
        // driver, and a Ctrl-C never raises SIGINT.
        _ = kv_el_prep_term(editLine, 1)
        var count: Int32 = 0
        let buffer = el_wgets(editLine, &count)
        let result: ReadResult
        if interrupted {
            result = .interrupted
        } else if let buffer, count > 0 {
            var scalars = String.UnicodeScalarView()
            for index in 0..<Int(count) {
                scalars.append(Unicode.Scalar(UInt32(bitPattern: buffer[index])) ?? "\u{FFFD}")
            }
            var line = String(scalars)
            if line.hasSuffix("\n") { line.removeLast() }
            result = .line(line)
        } else {
            result = .eof
        }
        // libedit has put the terminal back in its normal mode: queued lines go out as is.
        shared.withLock { state in
            if result == .eof, isatty(1) != 0 { EditorTerminal.output("\n") }  // leave the prompt's row
            state.editing = false
            for text in state.pending { EditorTerminal.output(text) }
            state.pending.removeAll()
        }
        return result
    }

    /// Adds `line` to the history and saves the history file, unless the line is blank or
    /// the same as the most recent entry. A multi-line block is best added as one entry.
    /// - Throws: ``LineEditorError/historyNotSaved(path:reason:)`` when the file could not be
    ///   written; the entry is in the in-memory history all the same.
    public func addHistory(_ line: String) throws(LineEditorError) {
        try history.add(line)
    }

    /// Prints `text` (one or more lines; a final newline is added when missing) without
    /// disturbing the user. While ``readLine(prompt:onKeystroke:)`` waits, the text appears above the
    /// prompt and the prompt is redrawn with the partly typed line and the cursor where they
    /// were; otherwise it is written directly. Safe from any thread. The text is written as
    /// given: escape control characters from untrusted sources first.
    public func printAbove(_ text: String) {
        let text = text.hasSuffix("\n") ? text : text + "\n"
        shared.withLock { state in
            if state.editing {
                state.pending.append(text)
                input.wake()
            } else {
                EditorTerminal.output(text)
            }
        }
    }

    func setPrompt(_ text: String) {
        prompt = PromptText(text)
        promptStorage?.deallocate()
        let utf8 = Array(prompt.libeditText.utf8)
        let storage = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count + 1)
        for (index, byte) in utf8.enumerated() { storage[index] = CChar(bitPattern: byte) }
        storage[utf8.count] = 0
        promptStorage = storage
    }

    /// The prompt text libedit asks for through its prompt callback.
    var promptCString: UnsafeMutablePointer<CChar>? { promptStorage }
}
