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
    /// The program's path (found on PATH as the shell finds it) and its arguments, or nil
    /// when `text` needs the shell or its first word is no program in an absolute directory
    /// of `path`. The path is resolved here because swift-subprocess, given only a name,
    /// tries a spawn in every PATH directory until one works.
    static func resolve(_ text: String, path: String?) -> (program: String, arguments: [String])? {
        guard text.unicodeScalars.allSatisfy(isPlain) else { return nil }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let name = words.first, !name.contains("="), !name.hasPrefix("-"), !shellOnly.contains(name),
              let program = lookUp(name, path) else { return nil }
        return (program, Array(words.dropFirst()))
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

    /// The first executable file `name` in PATH's absolute directories, as `/bin/sh` would
    /// run it (empty and relative entries are skipped, as swift-subprocess skips them).
    private static func lookUp(_ name: String, _ path: String?) -> String? {
        guard let path else { return nil }
        for directory in path.split(separator: ":") where directory.hasPrefix("/") {
            var info = stat()
            let candidate = directory + "/" + name
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }
}
