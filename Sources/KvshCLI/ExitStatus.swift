import Shell

/// kvsh's exit statuses, one scheme for one-shot commands, scripts and the shell
/// (docs/language.md, "Exit statuses"). The two that belong to the language and the hooks are
/// declared there: 2 for a syntax error (`ShellSession.syntaxErrorStatus`), 3 for hooks that
/// failed for good (`HookCommands.failedEventsStatus`).
enum ExitStatus {
    /// The command did what it was asked.
    static let success: Int32 = 0
    /// It failed: a store or server error, a refused destructive command, a failed write.
    static let failure: Int32 = 1
    /// The command line is wrong: an unknown command or option, a missing or bad argument
    /// (EX_USAGE).
    static let usage: Int32 = 64
    /// Interrupted by SIGINT or SIGTERM.
    static let interrupted: Int32 = ShellSession.interruptedStatus
    /// A reader closed the output pipe (128 + SIGPIPE, as a program that signal kills).
    static let closedPipe: Int32 = 141
}
