import Hooks
import Shell

/// kvsh's exit statuses, one scheme for one-shot commands, scripts and the shell
/// (docs/language.md, "Exit statuses").
enum ExitStatus {
    /// The command did what it was asked.
    static let success: Int32 = 0
    /// It failed: a store or server error, a refused destructive command, a failed write.
    static let failure: Int32 = 1
    /// A script has a syntax error; nothing of it ran.
    static let syntaxError: Int32 = ShellSession.syntaxErrorStatus
    /// The command line is wrong: an unknown command or option, a missing or bad argument
    /// (EX_USAGE).
    static let usage: Int32 = 64
    /// Hooks were served until a stop, but some run failed for good (`wait`, `kvsh serve`).
    static let hooksFailed: Int32 = HookCommands.failedEventsStatus
    /// Interrupted by SIGINT or SIGTERM.
    static let interrupted: Int32 = ShellSession.interruptedStatus
    /// A reader closed the output pipe (128 + SIGPIPE, as a program that signal kills).
    static let closedPipe: Int32 = 141
}
