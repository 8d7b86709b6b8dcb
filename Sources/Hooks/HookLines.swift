import Shell
import Synchronization

/// A run's output on its way to the user: split into lines, each prefixed with the hook's id
/// (`[hook 3] …`), stdout to `write` and stderr to `writeError`. A line longer than
/// `maximumLine` bytes is cut there, so a run that never prints a newline cannot grow memory.
final class HookLines: ShellOutput, Sendable {
    static let maximumLine = 16 * 1024

    private let prefix: String
    private let output: any ShellOutput
    private let partial = Mutex<(out: [UInt8], err: [UInt8])>(([], []))

    init(hook id: Int, output: any ShellOutput) {
        prefix = "[hook \(id)] "
        self.output = output
    }

    /// Bytes from a child process; complete lines go out now, the rest waits for its newline.
    func append(_ bytes: [UInt8], isError: Bool) {
        let complete = partial.withLock { state -> [[UInt8]] in
            var buffer = isError ? state.err : state.out
            var lines: [[UInt8]] = []
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    lines.append(buffer)
                    buffer = []
                } else {
                    buffer.append(byte)
                    if buffer.count >= Self.maximumLine {
                        lines.append(buffer)
                        buffer = []
                    }
                }
            }
            if isError { state.err = buffer } else { state.out = buffer }
            return lines
        }
        for line in complete { emit(String(decoding: line, as: UTF8.self), isError: isError) }
    }

    /// Sends what is left without its newline, as a line of its own.
    func flush() {
        let rest = partial.withLock { state in
            defer { state = ([], []) }
            return state
        }
        if !rest.out.isEmpty { emit(String(decoding: rest.out, as: UTF8.self), isError: false) }
        if !rest.err.isEmpty { emit(String(decoding: rest.err, as: UTF8.self), isError: true) }
    }

    // A block's `echo` and store commands write text: the same line discipline.
    func write(_ text: String) { append(Array(text.utf8), isError: false) }
    func writeError(_ text: String) { append(Array(text.utf8), isError: true) }

    private func emit(_ line: String, isError: Bool) {
        if isError { output.writeError(prefix + line + "\n") } else { output.write(prefix + line + "\n") }
    }
}
