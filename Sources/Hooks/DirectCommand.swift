#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A hook command the shell would only split into words — `true`, `logger -t kv changed`,
/// `/usr/local/bin/notify` is not one (it has a slash) — is started directly, as systemd
/// does, saving `/bin/sh`'s start-up on every event. Anything a shell would interpret
/// (quotes, `$`, redirections, globs, `;`, builtins, assignments) still runs under
/// `/bin/sh -c`, so the outcome is the same either way.
enum DirectCommand {
    /// The program name and its arguments, or nil when `text` needs the shell or its first
    /// word is no program in an absolute directory of `path`.
    static func words(_ text: String, path: String?) -> [String]? {
        guard text.unicodeScalars.allSatisfy(isPlain) else { return nil }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let program = words.first, !program.contains("="), !program.hasPrefix("-"),
              !shellOnly.contains(program), isOnPath(program, path) else { return nil }
        return words
    }

    /// Characters no POSIX shell treats specially in a word (the slash is left out so that
    /// every program is found the way the shell finds it: on PATH).
    private static func isPlain(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", " ", "\t", "-", "_", ".", ",", ":", "@", "+", "%", "=": true
        default: false
        }
    }

    /// Builtins that act on the shell itself or have no program of the same name, and
    /// keywords: these need `/bin/sh`.
    private static let shellOnly: Set<String> = [
        ".", ":", "alias", "bg", "break", "cd", "command", "continue", "eval", "exec", "exit",
        "export", "fc", "fg", "getopts", "hash", "jobs", "local", "newgrp", "read", "readonly",
        "return", "set", "shift", "times", "trap", "type", "ulimit", "umask", "unalias", "unset",
        "wait", "case", "do", "done", "elif", "else", "esac", "fi", "for", "function", "if", "in",
        "select", "then", "time", "until", "while",
    ]

    /// Whether an executable file `name` is in one of PATH's absolute directories (the ones
    /// swift-subprocess searches for `Executable.name`).
    private static func isOnPath(_ name: String, _ path: String?) -> Bool {
        guard let path else { return false }
        for directory in path.split(separator: ":") where directory.hasPrefix("/") {
            var info = stat()
            let candidate = directory + "/" + name
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return true
            }
        }
        return false
    }
}
