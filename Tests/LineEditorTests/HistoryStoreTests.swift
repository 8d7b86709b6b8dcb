import Foundation
@testable import LineEditor
import Testing

@Suite("History file", .serialized)
struct HistoryStoreTests {
    private func permissions(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    private func savedEntries(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").map(String.init)
    }

    @Test("saving creates missing directories (0700) and the file (0600), in libedit's format")
    func createsFileAndDirectories() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("a/b/history").path
        let store = try HistoryStore(path: path, limit: 10)
        #expect(try store.add("kv ls"))
        #expect(try permissions(path) == 0o600)
        #expect(try permissions(directory.url.appendingPathComponent("a").path) == 0o700)
        #expect(try permissions(directory.url.appendingPathComponent("a/b").path) == 0o700)
        #expect(try savedEntries(path) == ["_HiStOrY_V2_", "kv\\040ls"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("a/b").path)
                == ["history"])  // no temporary file left behind
    }

    @Test("blank lines and repeats of the last entry are not added")
    func skipsBlankAndRepeats() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("history").path
        let store = try HistoryStore(path: path, limit: 10)
        #expect(try store.add("one"))
        #expect(try !store.add("one"))
        #expect(try !store.add(""))
        #expect(try !store.add("  \t"))
        #expect(try store.add("two"))
        #expect(try store.add("one"))  // only the last entry counts as a repeat
        #expect(store.count == 3)
        #expect(store.mostRecent == "one")
    }

    @Test("the history is bounded, and a restart loads what was saved, multi-line entries included")
    func boundedAndReloaded() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("history").path
        do {
            let store = try HistoryStore(path: path, limit: 3)
            for line in ["1", "2", "3", "4", "if x {\n  y\n}"] { try store.add(line) }
            #expect(store.count == 3)
        }
        #expect(try savedEntries(path).count == 4)
        let reloaded = try HistoryStore(path: path, limit: 3)
        #expect(reloaded.count == 3)
        #expect(reloaded.mostRecent == "if x {\n  y\n}")
        let smaller = try HistoryStore(path: path, limit: 2)
        #expect(smaller.count == 2)
    }

    @Test("a file that is not a libedit history is refused and left untouched")
    func refusesForeignFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("history").path
        try "ls -l\ncd /tmp\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: LineEditorError.self) { try HistoryStore(path: path, limit: 10) }
        do {
            _ = try HistoryStore(path: path, limit: 10)
        } catch {
            guard case .historyUnreadable(let errorPath, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(errorPath == path)
            #expect(error.description.contains("not a libedit history file"))
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "ls -l\ncd /tmp\n")
    }

    @Test("an empty file is an empty history")
    func emptyFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("history").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let store = try HistoryStore(path: path, limit: 10)
        #expect(store.count == 0)
    }

    @Test("a path that is not a regular file (like /dev/null) means: do not persist")
    func notARegularFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("fifo").path
        #expect(mkfifo(path, 0o600) == 0)
        let store = try HistoryStore(path: path, limit: 10)
        #expect(try store.add("kv ls"))
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & 0o170000 == 0o010000)  // still the FIFO
    }

    @Test("a symlinked history file is updated through the link, which stays a link")
    func followsSymlink() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = directory.url.appendingPathComponent("dotfiles/history").path
        let link = directory.url.appendingPathComponent("history").path
        try FileManager.default.createDirectory(atPath: directory.url.appendingPathComponent("dotfiles").path,
                                                withIntermediateDirectories: true)
        try HistoryStore(path: target, limit: 10).add("first")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let store = try HistoryStore(path: link, limit: 10)
        #expect(store.count == 1)
        try store.add("second")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(try savedEntries(target) == ["_HiStOrY_V2_", "first", "second"])
    }

    @Test("a failed save is reported with the path; the entry stays in memory")
    func saveFailure() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let blocker = directory.url.appendingPathComponent("not-a-directory").path
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        let path = blocker + "/history"
        let store = try HistoryStore(path: path, limit: 10)
        #expect(throws: LineEditorError.self) { try store.add("kv ls") }
        #expect(store.count == 1)
        do {
            try store.add("kv get")
        } catch {
            guard case .historyNotSaved(let errorPath, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(errorPath == path)
        }
    }

    @Test("no path: history in memory only")
    func memoryOnly() throws {
        let store = try HistoryStore(path: nil, limit: 10)
        #expect(try store.add("kv ls"))
        #expect(store.mostRecent == "kv ls")
        #expect(store.path == nil)
    }
}
