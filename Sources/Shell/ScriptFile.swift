#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reading script files and resolving the paths `source` names.
package enum ScriptFile {
    /// An error reading a script, phrased for the user.
    package struct ReadError: Error, CustomStringConvertible {
        package var description: String
    }

    /// `path` as written when absolute or when there is no current script; otherwise next to
    /// the current script (`lib.kvsh` from `scripts/main.kvsh` is `scripts/lib.kvsh`).
    static func resolve(_ path: String, relativeTo script: String?) -> String {
        guard !path.hasPrefix("/"), let script, let slash = script.lastIndex(of: "/") else { return path }
        return String(script[...slash]) + path
    }

    /// The file's text; it must be UTF-8.
    static func read(_ path: String) throws(ReadError) -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ReadError(description: "cannot read '\(path)': no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(description: "cannot read '\(path)': it is a directory or not readable")
        }
        return try text(of: data, name: path)
    }

    /// A script's bytes as text (from a file or standard input, `name`); it must be UTF-8.
    package static func text(of bytes: some Sequence<UInt8>, name: String) throws(ReadError) -> String {
        guard var text = String(validating: bytes, as: UTF8.self) else {
            throw ReadError(description: "cannot read '\(name)': it is not UTF-8 text")
        }
        // Editors on some systems start UTF-8 files with a byte order mark; it is not a word.
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        return text
    }
}
