// A tiny program around LineEditor for the pseudo-terminal tests in Tests/LineEditorTests.
//
// Prompt `demo> ` (`...> ` after a line ending in a backslash). Prints `GOT:<line>` for each
// line, `INT` after Ctrl-C, `EOF` after Ctrl-D (then exits 0). The line `bg [MS]` makes
// another thread call printAbove("async line") after MS milliseconds (default 200).
// Environment: LINEEDITOR_DEMO_HISTORY (history file), LINEEDITOR_DEMO_COLOR=1 (a coloured
// prompt that looks the same).
import Dispatch
import LineEditor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let words = ["kv", "kv get", "my-kv", "my-sem", "account"]

/// Completes the whole line typed so far against `words`, one word at a time.
let completion: LineEditor.Completion = { line, cursor in
    let before = String(line.prefix(cursor))
    let wordStart = before.lastIndex(where: \.isWhitespace).map { before.index(after: $0) } ?? before.startIndex
    let offset = before.distance(from: before.startIndex, to: wordStart)
    return words.filter { $0.hasPrefix(before) }.map { String($0.dropFirst(offset)) + " " }
}

func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

let colour = environment("LINEEDITOR_DEMO_COLOR") == "1"
let editor: LineEditor
do {
    editor = try LineEditor(programName: "lineeditor-demo", historyFile: environment("LINEEDITOR_DEMO_HISTORY"),
                            historyLimit: 50, completion: completion)
} catch {
    print("ERROR: \(error)")
    exit(1)
}
print("READY interactive=\(LineEditor.isInteractive)")

var continuing = false
while true {
    let prompt = continuing ? "...> " : colour ? "\u{1B}[1;32mdemo\u{1B}[0m> " : "demo> "
    switch editor.readLine(prompt: prompt) {
    case .line(let line):
        print("GOT:\(line)")
        do {
            try editor.addHistory(line)
        } catch {
            print("HISTORY-ERROR: \(error)")
        }
        continuing = line.hasSuffix("\\")
        let parts = line.split(separator: " ")
        if parts.first == "bg" {
            let delay = parts.count > 1 ? Int(parts[1]) ?? 200 : 200
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delay)) {
                editor.printAbove("async line")
            }
        }
    case .interrupted:
        continuing = false
        print("INT")
    case .eof:
        print("EOF")
        exit(0)
    }
}
