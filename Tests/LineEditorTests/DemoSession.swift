// Runs Tests/LineEditorDemo (`lineeditor-demo`) on a real pseudo-terminal and drives it like a
// person at a keyboard: keystrokes in, screen out. The demo is a session leader with the pty as
// its controlling terminal, like a program started from a shell.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Testing

/// Keystrokes, as a terminal sends them.
enum Key {
    static let enter = "\r"
    static let tab = "\t"
    static let up = "\u{1B}[A"
    static let ctrlA = "\u{1}"
    static let ctrlC = "\u{3}"
    static let ctrlD = "\u{4}"
    static let ctrlR = "\u{12}"
}

struct DemoSessionError: Error, CustomStringConvertible {
    let description: String
}

/// One run of the demo program.
final class DemoSession {
    /// Every wait is bounded by this (a few seconds: the demo answers in milliseconds).
    static let timeout: Duration = .seconds(5)

    let pid: pid_t
    private let master: Int32
    private var output: [UInt8] = []
    /// How much of the output `expectOutput` has matched so far.
    private var consumed = 0
    private(set) var screen: TerminalScreen
    private var status: Int32?

    /// Starts the demo on a `rows`×`columns` pseudo-terminal.
    /// - Parameter environment: added to a clean environment (TERM=xterm, a UTF-8 locale,
    ///   HOME and EDITRC pointing into `home`, so no user configuration applies).
    /// Starts `executable` (the LineEditor demo unless given) on a new pseudo-terminal.
    init(home: URL, environment: [String: String] = [:], rows: Int = 24, columns: Int = 80,
         executable: String? = nil, arguments extraArguments: [String] = []) throws {
        let executable = try executable ?? DemoBinary.path()
        var master: Int32 = -1
        var slave: Int32 = -1
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, nil, nil, &size) == 0 else {
            throw DemoSessionError(description: "openpty failed: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        defer { close(slave) }
        var nameBuffer = [CChar](repeating: 0, count: 256)
        guard ttyname_r(slave, &nameBuffer, nameBuffer.count) == 0 else {
            close(master)
            throw DemoSessionError(description: "ttyname_r failed")
        }
        let slavePath = String(decoding: nameBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // After setsid, opening the terminal (without O_NOCTTY) makes it the controlling one.
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        // Nothing else: other suites in this process hold sockets and pipes without
        // close-on-exec (fake servers, child process pipes); a demo keeping one open would keep
        // a port bound or a pipe unfinished for them.
        Self.closeInheritedDescriptors(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        let setSessionID: Int32 = 0x80  // POSIX_SPAWN_SETSID (glibc), hidden from Swift
        posix_spawnattr_setflags(&attributes, Int16(Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK) | setSessionID))

        let arguments: [UnsafeMutablePointer<CChar>?] = ([executable] + extraArguments).map { strdup($0) } + [nil]
        let environmentStrings: [UnsafeMutablePointer<CChar>?] = Self.environment(home: home, extra: environment)
            .map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            arguments.forEach { free($0) }
            environmentStrings.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, arguments, environmentStrings)
        guard spawned == 0 else {
            close(master)
            throw DemoSessionError(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        self.pid = pid
        self.master = master
        screen = TerminalScreen(rows: rows, columns: columns)
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            _ = waitpid(pid, &raw, 0)
        }
        close(master)
    }

    /// Adds "close every descriptor from 3 up" to `actions`: glibc's
    /// posix_spawn_file_actions_addclosefrom_np (2.34+, hidden from Swift's Glibc module), else
    /// a close for each descriptor open now.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
            if closeFrom(&actions, 3) == 0 { return }
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }

    private static func environment(home: URL, extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        // XDG_CONFIG_HOME and NATS_CONTEXT too: kvsh then reads the temp HOME's config, never
        // the developer's kvshrc or natscli context.
        for name in ["COLUMNS", "LINES", "LC_ALL", "LC_CTYPE", "LANG", "EDITRC", "LINEEDITOR_DEMO_HISTORY",
                     "XDG_CONFIG_HOME", "NATS_CONTEXT"] {
            environment.removeValue(forKey: name)
        }
        environment["TERM"] = "xterm"
        environment["LANG"] = "C.UTF-8"
        environment["HOME"] = home.path
        environment["EDITRC"] = home.appendingPathComponent("no-editrc").path
        environment["SWIFT_BACKTRACE"] = "enable=no"
        environment.merge(extra) { _, new in new }
        return environment
    }

    // MARK: Keyboard

    func send(_ keys: String) {
        let bytes = Array(keys.utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(master, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno != EINTR, errno != EAGAIN {
                    return
                }
            }
        }
    }

    // MARK: Screen and output

    /// Everything the demo wrote, as text (escape sequences included).
    var outputText: String { String(decoding: output, as: UTF8.self) }

    /// A position in the output, for `outputText(since:)`.
    var outputMark: Int { output.count }

    func outputText(since mark: Int) -> String { String(decoding: output[min(mark, output.count)...], as: UTF8.self) }

    /// Reads the terminal until `condition` holds or `timeout` passes; true when it held.
    /// Never blocks a thread: between reads it sleeps a few milliseconds, so the suite holds no
    /// shared executor thread while other suites (which block) need them.
    @discardableResult
    func wait(timeout: Duration = DemoSession.timeout, until condition: (DemoSession) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            while readAvailable() {}
            if condition(self) { return true }
            if ContinuousClock.now >= deadline { return false }
            if status == nil { reapIfExited() }
            try? await Task.sleep(for: .milliseconds(3))
        }
    }

    /// Reads what the terminal has now; false when nothing came.
    private func readAvailable() -> Bool {
        var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(master, &buffer, buffer.count)
        guard count > 0 else { return false }  // EIO: the demo and every other holder are gone
        output.append(contentsOf: buffer[..<count])
        screen.feed(buffer[..<count])
        return true
    }

    /// Waits for `text` in the output after what earlier calls matched, and consumes it.
    func expectOutput(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        var found: Range<Int>?
        let needle = Array(text.utf8)
        await wait { session in
            found = session.output[session.consumed...].firstRange(of: needle)
            return found != nil
        }
        if let found {
            consumed = found.upperBound
        } else {
            Issue.record("timed out waiting for output \(text.debugDescription)\n\(report)",
                         sourceLocation: sourceLocation)
        }
    }

    /// Waits until the screen satisfies `condition`.
    func expectScreen(_ description: String, sourceLocation: SourceLocation = #_sourceLocation,
                      _ condition: (TerminalScreen) -> Bool) async {
        if await !wait(until: { condition($0.screen) }) {
            Issue.record("timed out waiting for the screen to show \(description)\n\(report)",
                         sourceLocation: sourceLocation)
        }
    }

    /// Waits until the screen's last used rows are `lines` (the last one holding the cursor).
    func expectScreenEnds(with lines: [String], sourceLocation: SourceLocation = #_sourceLocation) async {
        await expectScreen("rows ending with \(lines)", sourceLocation: sourceLocation) { screen in
            screen.usedLines.suffix(lines.count) == lines[...] && screen.cursorRow == screen.usedLines.count - 1
        }
    }

    /// Waits for a fresh, empty prompt on the last row.
    func expectPrompt(_ prompt: String = "demo>", sourceLocation: SourceLocation = #_sourceLocation) async {
        await expectScreen("an empty prompt \(prompt.debugDescription)", sourceLocation: sourceLocation) { screen in
            screen.usedLines.last == prompt && screen.cursorRow == screen.usedLines.count - 1
                && screen.cursorColumn == prompt.count + 1
        }
    }

    /// Screen and raw output, for failure messages.
    var report: String {
        let rows = screen.usedLines.enumerated().map { "  \($0.offset): \($0.element)" }.joined(separator: "\n")
        return "--- screen (cursor at row \(screen.cursorRow), column \(screen.cursorColumn)) ---\n\(rows)\n"
            + "--- raw output ---\n\(outputText.debugDescription)"
    }

    /// Waits until the terminal generates signals again (ISIG: the program left edit mode), so
    /// that Ctrl-C raises SIGINT instead of arriving as a key.
    func expectSignalMode(sourceLocation: SourceLocation = #_sourceLocation) async {
        let master = self.master
        let ok = await wait { _ in
            var settings = termios()
            return tcgetattr(master, &settings) == 0 && settings.c_lflag & tcflag_t(ISIG) != 0
        }
        if !ok { Issue.record("the terminal never left edit mode\n\(report)", sourceLocation: sourceLocation) }
    }

    // MARK: Exit

    private func reapIfExited() {
        var raw: Int32 = 0
        if waitpid(pid, &raw, WNOHANG) == pid { status = raw }
    }

    /// Waits for the demo to exit; its exit code, or nil (and the reason recorded) when it did
    /// not exit normally in time.
    func expectExit(sourceLocation: SourceLocation = #_sourceLocation) async -> Int32? {
        await wait { session in
            session.reapIfExited()
            return session.status != nil
        }
        guard let status else {
            Issue.record("the demo did not exit\n\(report)", sourceLocation: sourceLocation)
            return nil
        }
        while readAvailable() {}
        if status & 0x7F != 0 {
            Issue.record("the demo died of signal \(status & 0x7F)\n\(report)", sourceLocation: sourceLocation)
            return nil
        }
        return (status >> 8) & 0xFF
    }
}

/// Finds the built `lineeditor-demo` next to the test binary.
enum DemoBinary {
    static let name = "lineeditor-demo"

    static func path() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["LINEEDITOR_DEMO_BINARY"], !explicit.isEmpty {
            return explicit
        }
        var starts: [URL] = []
        if let argument0 = CommandLine.arguments.first, !argument0.isEmpty {
            starts.append(URL(fileURLWithPath: argument0).deletingLastPathComponent())
        }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            starts.append(URL(fileURLWithPath: executable).deletingLastPathComponent())
        }
        starts.append(Bundle.main.bundleURL)
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0...3 {
                let candidate = directory.appendingPathComponent(name).path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw DemoSessionError(description: "\(name) not found near \(starts.map(\.path)); "
            + "build it (swift build --build-tests) or set LINEEDITOR_DEMO_BINARY")
    }
}

/// A temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("lineeditor-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
