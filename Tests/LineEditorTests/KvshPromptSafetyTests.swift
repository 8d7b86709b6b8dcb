// Safety at a terminal, through a real pseudo-terminal: destructive commands ask (and only a yes
// goes ahead), the prompt starts on a fresh row, live hooks are not dropped by one Ctrl-D, and
// credentials never reach the screen or the history file.

import Foundation
import Testing
import TestSupport

@Suite("kvsh at a terminal: questions, fresh prompt rows, secrets", .serialized, .offCooperativePool)
struct KvshPromptSafetyTests {
    private static func run(_ args: [String], _ server: NATSServerProcess) throws -> (status: Int32, stdout: String) {
        let env = inheritedEnvironment(["NATS_URL": server.url, "SWIFT_BACKTRACE": "enable=no"])
        let r = try runProcess(KvshBinary.path(), args, env: env, timeout: 20)
        return (r.status, String(decoding: r.stdout, as: UTF8.self))
    }

    private static func bucketNames(_ server: NATSServerProcess) throws -> [String] {
        try run(["kv", "ls", "--names"], server).stdout.split(separator: "\n").map(String.init)
    }

    @Test("one-shot kv rm at a terminal asks; anything but yes keeps the bucket (status 1), y deletes it")
    func oneShotQuestion() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(try Self.run(["kv", "add", "orders"], server).status == 0)
        for (answer, status, kept) in [("n", Int32(1), true), ("", Int32(1), true), ("yes", Int32(0), false)] {
            let session = try DemoSession(home: directory.url, environment: ["NATS_URL": server.url],
                                          columns: 100, executable: KvshBinary.path(), arguments: ["kv", "rm", "orders"])
            await session.expectOutput("Really delete bucket orders and all its keys? [y/N]")
            session.send(answer + Key.enter)
            #expect(await session.expectExit() == status, "answer '\(answer)'")
            if kept { #expect(session.outputText(since: 0).contains("nothing was changed (the answer was not yes)")) }
            #expect(try Self.bucketNames(server).contains("orders") == kept, "answer '\(answer)'")
        }
    }

    @Test("one-shot kv del --filter at a terminal asks with the count and the filter; only yes deletes")
    func filterQuestion() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(try Self.run(["kv", "add", "orders"], server).status == 0)
        for key in ["tmp.a", "tmp.b", "keep"] { #expect(try Self.run(["kv", "put", "orders", key, "v"], server).status == 0) }
        for (answer, status, keys) in [("n", Int32(1), "keep\ntmp.a\ntmp.b\n"), ("y", Int32(0), "keep\n")] {
            let session = try DemoSession(home: directory.url, environment: ["NATS_URL": server.url], columns: 100,
                                          executable: KvshBinary.path(),
                                          arguments: ["kv", "del", "orders", "--filter", "tmp.>"])
            await session.expectOutput("Really delete 2 keys matching 'tmp.>' in bucket orders? [y/N]")
            session.send(answer + Key.enter)
            #expect(await session.expectExit() == status, "answer '\(answer)'")
            #expect(try Self.run(["kv", "keys", "orders"], server).stdout == keys, "answer '\(answer)'")
        }
    }

    @Test("at the prompt: a typed kv rm asks, a sourced one is refused; purge asks too")
    func promptQuestion() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for bucket in ["typed", "sourced"] { #expect(try Self.run(["kv", "add", bucket], server).status == 0) }
        #expect(try Self.run(["kv", "put", "typed", "k", "v"], server).status == 0)
        let script = directory.url.appendingPathComponent("cleanup.kvsh").path
        try "kv rm sourced\n".write(toFile: script, atomically: true, encoding: .utf8)
        let session = try DemoSession(home: directory.url, environment: [
            "NATS_URL": server.url, "XDG_STATE_HOME": directory.url.appendingPathComponent("state").path,
        ], columns: 120, executable: KvshBinary.path(), arguments: ["--norc"])
        let prompt = "kvsh \(server.url)>"
        await session.expectPrompt(prompt)

        session.send("source \(script)" + Key.enter)
        await session.expectOutput("give -f/--force to do that where kvsh cannot ask (nothing was changed)")
        await session.expectPrompt(prompt)
        #expect(try Self.bucketNames(server).contains("sourced"))

        session.send("kv purge typed k" + Key.enter)
        await session.expectOutput("Really purge key typed > k and all its history? [y/N]")
        session.send("n" + Key.enter)
        await session.expectOutput("nothing was changed")
        await session.expectPrompt(prompt)
        #expect(try Self.run(["kv", "get", "typed", "k", "--raw"], server).stdout == "v")

        session.send("kv rm typed" + Key.enter)
        await session.expectOutput("Really delete bucket typed and all its keys? [y/N]")
        session.send("y" + Key.enter)
        await session.expectPrompt(prompt)
        #expect(try !Self.bucketNames(server).contains("typed"))
        session.send("echo status-$?" + Key.enter)
        await session.expectOutput("status-0")
        await session.expectPrompt(prompt)
        session.send(Key.ctrlD)
        #expect(await session.expectExit() == 0)
    }

    @Test("output without a final newline: the prompt starts on its own row and completion stays right")
    func freshPromptRow() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(try Self.run(["kv", "add", "raw-bucket"], server).status == 0)
        #expect(try Self.run(["kv", "put", "raw-bucket", "key.one", "no-newline"], server).status == 0)
        let session = try DemoSession(home: directory.url, environment: [
            "NATS_URL": server.url, "XDG_STATE_HOME": directory.url.appendingPathComponent("state").path,
        ], columns: 100, executable: KvshBinary.path(), arguments: ["--norc"])
        let prompt = "kvsh \(server.url)>"
        await session.expectPrompt(prompt)
        session.send("kv get raw-bucket key.one --raw" + Key.enter)
        await session.expectScreen("the value on its own row, marked, and the prompt below it") { screen in
            screen.usedLines.suffix(2) == ["no-newline%", "\(prompt)"]
        }
        // libedit's idea of the cursor is right: completion rewrites the line in place.
        session.send("kv get raw-b" + Key.tab)
        await session.expectScreen("the bucket completed") { $0.usedLines.last == "\(prompt) kv get raw-bucket" }
        session.send("ke" + Key.tab)
        await session.expectScreen("the key completed") { $0.usedLines.last == "\(prompt) kv get raw-bucket key." }
        session.send("\u{15}echo done" + Key.enter)
        await session.expectScreen("a line that ends in a newline gets no mark") { screen in
            screen.usedLines.suffix(2) == ["done", "\(prompt)"]
        }
        session.send(Key.ctrlD)
        #expect(await session.expectExit() == 0)
    }

    @Test("Ctrl-D with hooks running warns first; a second Ctrl-D stops them and leaves")
    func ctrlDWithHooks() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(try Self.run(["kv", "add", "hooked"], server).status == 0)
        let session = try DemoSession(home: directory.url, environment: [
            "NATS_URL": server.url, "XDG_STATE_HOME": directory.url.appendingPathComponent("state").path,
        ], columns: 100, executable: KvshBinary.path(), arguments: ["--norc"])
        let prompt = "kvsh \(server.url)>"
        await session.expectPrompt(prompt)
        // A marker of its own: a bare "1" would match the prompt's 127.0.0.1 before the line ran.
        session.send("let id = on put hooked run 'true'; echo registered-$id" + Key.enter)
        await session.expectOutput("registered-1")
        await session.expectPrompt(prompt)
        session.send(Key.ctrlD)
        await session.expectOutput("kvsh: 1 hook is running; press Ctrl-D again to stop it and leave")
        await session.expectPrompt(prompt)
        session.send(Key.ctrlD)
        #expect(await session.expectExit() == 0)
    }

    @Test("credentials in the server URL never show in the prompt or messages; secret options are masked in the history file")
    func secretsHidden() async throws {
        let server = try NATSServerProcess(extraArgs: ["--user", "alice", "--pass", "s3cret/with-slash"])
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let port = server.url.split(separator: ":").last.map(String.init) ?? ""
        let url = "nats://alice:s3cret/with-slash@127.0.0.1:\(port)"
        let state = directory.url.appendingPathComponent("state").path
        let session = try DemoSession(home: directory.url, environment: ["NATS_URL": url, "XDG_STATE_HOME": state],
                                      columns: 120, executable: KvshBinary.path(), arguments: ["--norc"])
        let prompt = "kvsh nats://***@127.0.0.1:\(port)>"
        await session.expectPrompt(prompt)
        session.send("kv add secret-ok" + Key.enter)
        await session.expectOutput("Bucket Name: secret-ok")
        await session.expectPrompt(prompt)
        session.send("kv ls --password hunter2 --token=tok-secret" + Key.enter)
        await session.expectOutput("cannot be given to one command in the shell")
        await session.expectPrompt(prompt)
        session.send(Key.ctrlD)
        #expect(await session.expectExit() == 0)
        let shown = session.outputText(since: 0)
        #expect(!shown.contains("s3cret"), "\(shown)")
        let history = try String(contentsOfFile: state + "/kvsh/history", encoding: .utf8)
        #expect(!history.contains("hunter2") && !history.contains("tok-secret"), "\(history)")
        #expect(history.contains("***"), "\(history)")
    }
}
