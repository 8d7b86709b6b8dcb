import CEditLine
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Raw terminal output and process-wide settings libedit depends on.
enum EditorTerminal {
    /// Writes `text` to standard output, after whatever stdio (libedit, `print`) still buffers.
    static func output(_ text: String) {
        fflush(kv_stdout())
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(1, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else if written < 0, errno == EAGAIN {
                    var descriptor = pollfd(fd: 1, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&descriptor, 1, 100)
                } else {
                    return  // the terminal is gone; nothing useful to do
                }
            }
        }
    }

    /// Text for a terminal in raw mode, where a newline does not return the carriage.
    static func rawModeLines(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            if scalar == "\n", previous != "\r" { out.unicodeScalars.append("\r") }
            out.unicodeScalars.append(scalar)
            previous = scalar
        }
        return out
    }

    /// libedit decodes prompts, history and its display through the C library's multibyte
    /// functions, which follow `LC_CTYPE`. Under the default "C" locale anything beyond ASCII is
    /// shown as `\U+XXXX` escapes. Make `LC_CTYPE` UTF-8: the environment's locale when it is
    /// UTF-8, else `C.UTF-8`. Process-wide; other categories are untouched.
    static func useUTF8CharacterLocale() {
        func isUTF8(_ name: UnsafeMutablePointer<CChar>?) -> Bool {
            guard let name else { return false }
            let lowered = String(cString: name).lowercased()
            return lowered.contains("utf-8") || lowered.contains("utf8")
        }
        if isUTF8(setlocale(LC_CTYPE, nil)) { return }
        if isUTF8(setlocale(LC_CTYPE, "")) { return }
        _ = setlocale(LC_CTYPE, "C.UTF-8")
    }
}
