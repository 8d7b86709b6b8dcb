#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The explicit-intent rule for commands that destroy a whole bucket or many keys at once
/// (docs/language.md, "Destructive commands"): `--force`, or a "yes" typed at a terminal by the
/// person who typed the command. Anywhere else — a script, `-c`, a hook, stdin that is not a
/// terminal — the command is refused before anything is touched.
extension CommandExecution {
    /// Returns when the command may go ahead; throws `IntentRefused` (nothing destroyed) when
    /// it may not.
    ///
    /// - Parameters:
    ///   - question: what a person is asked, e.g. `Really delete bucket my-kv and all its keys?`
    ///   - consequence: what the command would do, for the refusal where no one can be asked,
    ///     e.g. `kv del my-kv with no key deletes the whole bucket and every key in it`.
    func confirm(_ question: String, consequence: String, force: Bool) async throws {
        if force { return }
        guard canAsk else {
            throw IntentRefused("\(consequence): give -f/--force to do that where kvsh cannot ask "
                                + "(nothing was changed)")
        }
        output.writeError(question + " [y/N] ")
        let answer = try await TerminalAnswer.readLine()
        guard let answer, ["y", "yes"].contains(answer.lowercased()) else {
            if answer == nil { output.writeError("\n") }
            throw IntentRefused("nothing was changed (the answer was not yes)")
        }
    }
}

/// A destructive command that was not confirmed. Status 1, as any failed command.
struct IntentRefused: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One line typed at the terminal on stdin, read without blocking a thread of the cooperative
/// pool for long, and given up when the task is cancelled (Ctrl-C at the prompt).
enum TerminalAnswer {
    /// The line without its newline and surrounding blanks; nil at end of input.
    ///
    /// The terminal is put in line mode with echo for the answer (the prompt's line editor may
    /// have left it otherwise: Enter would then not end the line), and restored afterwards.
    static func readLine() async throws -> String? {
        var saved = termios()
        let isTerminal = tcgetattr(0, &saved) == 0
        if isTerminal {
            var lineMode = saved
            lineMode.c_lflag |= tcflag_t(ICANON | ECHO)
            lineMode.c_iflag |= tcflag_t(ICRNL)
            tcsetattr(0, TCSANOW, &lineMode)
        }
        defer { if isTerminal { tcsetattr(0, TCSANOW, &saved) } }
        return try await readAnswer()
    }

    private static func readAnswer() async throws -> String? {
        var bytes: [UInt8] = []
        while true {
            try Task.checkCancellation()
            var ready = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            if poll(&ready, 1, 0) <= 0 {
                try await Task.sleep(for: .milliseconds(30))
                continue
            }
            var byte: UInt8 = 0
            let n = read(0, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return bytes.isEmpty ? nil : text(bytes) }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { return text(bytes) }
            bytes.append(byte)
            if bytes.count > 4096 { return text(bytes) }
        }
    }

    private static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).trimmingBlanks()
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and carriage returns.
    fileprivate func trimmingBlanks() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
