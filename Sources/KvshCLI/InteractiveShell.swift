import Shell

// The interactive shell: `kvsh` (optionally with global options) when stdin is a terminal.
// A stub until the REPL is wired to LineEditor. What it builds on:
//
// - `makeShell(options:output:)` gives the `ShellSession` (variables, `$?`, `use` bucket; run a
//   line with `runInteractive(line:)`, continue lines while `Parser.isIncomplete`) and its
//   `ShellHost` (one lazily opened connection; `close()` it at the end);
// - `completions(line:cursor:host:currentBucket:)` (ShellCompletion.swift) for Tab;
// - Ctrl-C: run each line in a task and cancel it (a running `kv watch` then returns normally,
//   and the session prints `interrupted` for anything else).

/// Runs the interactive shell with `options` (kvsh's global options) and returns the exit status.
func runInteractiveShell(options: GlobalOptions) async -> Int32 {
    Terminal.err("kvsh: interactive shell not available yet\n")
    return 1
}
