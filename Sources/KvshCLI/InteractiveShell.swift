#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import KeyValue
import LineEditor
import NATSClient
import Shell
import Synchronization

// The interactive shell: `kvsh` (optionally with global options) when stdin and stdout are
// terminals. libedit reads lines on a thread of its own (it blocks); each line runs as a task
// that Ctrl-C cancels (a foreground `kv watch` then returns to the prompt).

/// Runs the interactive shell with `options` (kvsh's global options) and returns the exit status
/// (0 on Ctrl-D, N after `exit N`). The startup file runs first unless `skipStartupFile`.
func runInteractiveShell(options: GlobalOptions, skipStartupFile: Bool) async -> Int32 {
    let shell: (session: ShellSession, host: ShellHost)
    do {
        shell = try makeShell(options: options)
    } catch {
        Terminal.err("nats: error: \(ErrorMessage.line(for: error))\n")
        return 1
    }
    let host = shell.host
    let session = shell.session
    let bucketBox = CurrentBucket()
    // Tab's lookups, awaited before the shell closes the session they use.
    let lookups = TaskSet()
    let editor: LineEditor
    do {
        editor = try LineEditor(historyFile: ShellPaths.historyFile, historyLimit: 1000) { line, cursor in
            // libedit calls this on its own thread: wait (bounded: `completions` gives up on the
            // store after its deadline) for the async completer.
            let result = CompletionResult()
            let done = DispatchSemaphore(value: 0)
            let started = lookups.start {
                result.set(await completions(line: line, cursor: cursor, host: host,
                                             currentBucket: bucketBox.get()))
                done.signal()
            }
            if started != nil { _ = done.wait(timeout: .now() + .seconds(2)) }
            return result.get()
        }
    } catch {
        Terminal.err("kvsh: \(error)\n")
        return 1
    }
    func leave(_ status: Int32) async -> Int32 {
        await lookups.close()
        await host.close()
        return status
    }
    // Background news goes above the line being edited, escaped so it stays one line.
    await host.observeConnection { event in
        switch event {
        case .disconnected(let url): editor.printAbove("nats: disconnected from \(url), reconnecting")
        case .reconnected(let url): editor.printAbove("nats: reconnected to \(url)")
        case .lameDuck(let server): editor.printAbove("nats: server \(ValueText.escapingControls(server)) is shutting down")
        case .serverError(let error): editor.printAbove(ErrorMessage.line(for: error))
        case .closed: break
        }
    }
    // Hooks print above the prompt too, never into the line being typed.
    host.hooks.setOutput(AbovePromptOutput(editor: editor))
    // Which natscli context the shell connects with, once, before anything else prints.
    if let banner = Prompt.contextBanner(options) { Terminal.err(banner + "\n") }
    if !skipStartupFile, let rc = ShellPaths.rcFile, access(rc, R_OK) == 0 {
        _ = await session.runFile(atPath: rc, arguments: [])
    }
    let place = Prompt.place(options)
    // One listener for the whole session; each command's task is its target while it runs.
    // Listening before the first line is read (see `InterruptSignals`).
    let signals = await InterruptSignals()
    defer { signals.stop() }
    var warnedAboutHooks = false
    while true {
        let bucket = await session.currentBucket
        bucketBox.set(bucket)
        // Output that did not end its line (`kv get --raw`) would put the prompt after it, and
        // libedit's cursor arithmetic would be off: mark it and start a fresh row, as zsh does.
        if !Terminal.atLineStart { Terminal.out(Prompt.missingNewlineMark) }
        // A signal that arrives while a line is typed is not for it: Ctrl-C is a key then.
        // The last keystroke comes before the terminal leaves edit mode, so a Ctrl-C pressed
        // right after Enter is kept for the line.
        guard let text = await readBlock(editor, prompt: Prompt.main(place, bucket: bucket),
                                         onKeystroke: { signals.reset() }) else {
            let live = HookCount(host.hooks.count)
            if live.count > 0, !warnedAboutHooks {
                warnedAboutHooks = true
                Terminal.err("kvsh: \(live.phrase) \(live.verb) running; press Ctrl-D again "
                             + "to stop \(live.pronoun) and leave\n")
                continue
            }
            break
        }
        Terminal.assumeLineStart()  // the terminal echoed the line and its newline
        if text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" }) { continue }
        warnedAboutHooks = false
        do {
            try editor.addHistory(HistoryRedaction.masked(text))
        } catch {
            editor.printAbove("kvsh: \(error)")
        }
        switch await runLine(text, in: session, signals: signals) {
        case .finished:
            // The terminal went away (a hang-up): nobody reads the prompt any more.
            if let failure = Terminal.outputFailure, failure.stream == .standardOutput {
                return await leave(failure.status)
            }
        case .exit(let s):
            return await leave(s)
        }
    }
    return await leave(0)
}

/// Runs one input typed at the prompt as a task that SIGINT and SIGTERM cancel, a signal seen
/// since the last keystroke included (one that arrived between Enter and this call would be
/// lost if the listener were reset here, and a watch would never end).
func runLine(_ text: String, in session: ShellSession, signals: InterruptSignals) async -> ShellSession.LineOutcome {
    // Not a child task: the signal handler must reach it. Awaited here, so it ends with the call.
    let run = Task { await session.runInteractive(line: text) }
    signals.onSignal {
        Terminal.out("\n")  // the terminal echoed ^C; the next prompt starts on a new row
        session.interruptCleanups()
        run.cancel()
    }
    let outcome = await run.value
    signals.reset()
    return outcome
}

/// Reads one complete input: a line, or several while a block is still open.
/// Returns nil on Ctrl-D at an empty prompt; Ctrl-C abandons what was typed.
private func readBlock(_ editor: LineEditor, prompt: String, onKeystroke: @escaping @Sendable () -> Void) async -> String? {
    var lines: [String] = []
    while true {
        let result = await readLineOffPool(editor, prompt: lines.isEmpty ? prompt : Prompt.continuation,
                                           onKeystroke: onKeystroke)
        switch result {
        case .eof:
            return lines.isEmpty ? nil : lines.joined(separator: "\n")
        case .interrupted:
            lines = []
        case .line(let line):
            lines.append(line)
            let text = lines.joined(separator: "\n")
            if !Parser.isIncomplete(text) { return text }
        }
    }
}

/// libedit blocks its thread; keep it off the cooperative pool, always on the same thread.
private let editorQueue = DispatchQueue(label: "kvsh.lineeditor")

private func readLineOffPool(_ editor: LineEditor, prompt: String,
                             onKeystroke: @escaping @Sendable () -> Void) async -> LineEditor.ReadResult {
    await withCheckedContinuation { continuation in
        editorQueue.async { continuation.resume(returning: editor.readLine(prompt: prompt, onKeystroke: onKeystroke)) }
    }
}

enum Prompt {
    /// Where commands go: the servers (without credentials, from the options, `NATS_URL` or the
    /// context in use), the `--store` file, or `embedded` for the default store.
    static func place(_ options: GlobalOptions) -> String {
        if let store = options.store { return store }
        if let servers = options.server ?? StoreBackend.environment("NATS_URL") {
            return ServerURL.redacting(servers)
        }
        return contextSettings(options)?.shownServers ?? "embedded"
    }

    /// `kvsh: context NAME, server URL` (credentials masked) when a natscli context is in use.
    static func contextBanner(_ options: GlobalOptions) -> String? {
        guard let settings = contextSettings(options), let context = settings.context else { return nil }
        return "kvsh: context \(ValueText.escapingControls(context.name)), server \(settings.shownServers)"
    }

    /// The settings when a context is in use (the shell checked at start-up that they load).
    private static func contextSettings(_ options: GlobalOptions) -> ConnectionSettings? {
        guard options.store == nil else { return nil }
        let directory = ContextDirectory(environment: StoreBackend.environment)
        let settings = try? ConnectionSettings.resolve(options, environment: StoreBackend.environment, directory: directory)
        return settings?.context == nil ? nil : settings
    }

    /// What follows output that did not end its line, before the prompt: zsh's mark.
    static let missingNewlineMark = "\u{1B}[7m%\u{1B}[0m\n"

    static func main(_ place: String, bucket: String?) -> String {
        "kvsh \(place)\(bucket.map { " " + $0 } ?? "")> "
    }

    static let continuation = "...> "
}

/// XDG locations of the interactive shell's files.
enum ShellPaths {
    static var historyFile: String? {
        if let state = StoreBackend.environment("XDG_STATE_HOME") { return state + "/kvsh/history" }
        return StoreBackend.environment("HOME").map { $0 + "/.local/state/kvsh/history" }
    }

    static var rcFile: String? {
        if let config = StoreBackend.environment("XDG_CONFIG_HOME") { return config + "/kvsh/kvshrc" }
        return StoreBackend.environment("HOME").map { $0 + "/.config/kvsh/kvshrc" }
    }
}

private final class CurrentBucket: Sendable {
    private let value = Mutex<String?>(nil)
    func set(_ bucket: String?) { value.withLock { $0 = bucket } }
    func get() -> String? { value.withLock { $0 } }
}

private final class CompletionResult: Sendable {
    private let value = Mutex<[String]>([])
    func set(_ candidates: [String]) { value.withLock { $0 = candidates } }
    func get() -> [String] { value.withLock { $0 } }
}

/// Hook output at the prompt: each line above the line being edited, control characters
/// escaped (a run's output is not trusted to leave the terminal alone).
private struct AbovePromptOutput: ShellOutput {
    let editor: LineEditor

    func write(_ text: String) { emit(text) }
    func writeError(_ text: String) { emit(text) }

    private func emit(_ text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for line in lines { editor.printAbove(ValueText.escapingControls(String(line))) }
    }
}
