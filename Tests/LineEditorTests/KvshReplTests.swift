// The kvsh REPL as a person uses it: the built kvsh on a pseudo-terminal against a real
// nats-server. Keystrokes in, what the screen shows checked.

import Foundation
import Testing
import TestSupport

@Suite("kvsh REPL through a pseudo-terminal", .serialized, .offCooperativePool)
struct KvshReplTests {
    @Test("completion of a bucket and a key, Ctrl-C stops a foreground watch, history recall, Ctrl-D exits 0")
    func session() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let kvsh = KvshBinary.path()
        let env = inheritedEnvironment(["NATS_URL": server.url, "SWIFT_BACKTRACE": "enable=no"])
        for args in [["kv", "add", "repl-bucket"], ["kv", "put", "repl-bucket", "alpha.one", "first-value"]] {
            let r = try runProcess(kvsh, args, env: env, timeout: 20)
            #expect(r.status == 0, "\(args): \(String(decoding: r.stderr, as: UTF8.self))")
        }
        let state = directory.url.appendingPathComponent("state").path
        // The startup file runs before the first prompt.
        let config = directory.url.appendingPathComponent("config/kvsh")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try "set greeting from-kvshrc\n".write(to: config.appendingPathComponent("kvshrc"), atomically: true, encoding: .utf8)
        let session = try DemoSession(home: directory.url, environment: [
            "NATS_URL": server.url, "XDG_STATE_HOME": state,
            "XDG_CONFIG_HOME": directory.url.appendingPathComponent("config").path,
        ], columns: 100, executable: kvsh)
        let prompt = "kvsh \(server.url)>"
        await session.expectPrompt(prompt)
        session.send("echo $greeting" + Key.enter)
        await session.expectOutput("from-kvshrc")
        await session.expectPrompt(prompt)

        // Tab completes the bucket name, then the key one level at a time.
        session.send("kv get repl-b" + Key.tab)
        await session.expectScreen("the bucket completed") { $0.usedLines.last == "\(prompt) kv get repl-bucket" }
        session.send("al" + Key.tab)
        await session.expectScreen("the key's first level") { $0.usedLines.last == "\(prompt) kv get repl-bucket alpha." }
        session.send(Key.tab)
        await session.expectScreen("the whole key") { $0.usedLines.last == "\(prompt) kv get repl-bucket alpha.one" }
        session.send(Key.enter)
        await session.expectOutput("first-value")
        await session.expectPrompt(prompt)

        // A foreground watch runs until Ctrl-C, which returns to the prompt.
        session.send("kv watch repl-bucket" + Key.enter)
        await session.expectOutput("PUT repl-bucket > alpha.one: first-value")
        session.send(Key.ctrlC)
        await session.expectPrompt(prompt)

        // The session goes on, and Up recalls the last command.
        session.send("echo still here" + Key.enter)
        await session.expectOutput("still here")
        await session.expectPrompt(prompt)
        session.send(Key.up)
        await session.expectScreen("history recall") { $0.usedLines.last == "\(prompt) echo still here" }
        session.send("\u{15}")  // Ctrl-U clears the line
        await session.expectPrompt(prompt)

        // Background news (a lost connection) appears above a half-typed line, which survives.
        session.send("kv ke")
        await session.expectScreen("the half-typed line") { $0.usedLines.last == "\(prompt) kv ke" }
        server.kill9()
        await session.expectScreen("the disconnect above the prompt") { screen in
            screen.usedLines.contains("nats: disconnected from \(server.url), reconnecting")
                && screen.usedLines.last == "\(prompt) kv ke"
        }
        try server.restart()
        await session.expectScreen("the reconnect above the prompt") { screen in
            screen.usedLines.contains("nats: reconnected to \(server.url)") && screen.usedLines.last == "\(prompt) kv ke"
        }
        session.send("ys repl-bucket" + Key.enter)
        await session.expectOutput("alpha.one")
        await session.expectPrompt(prompt)

        session.send(Key.ctrlD)
        #expect(await session.expectExit() == 0)
        // --norc skips the startup file.
        let bare = try DemoSession(home: directory.url, environment: [
            "NATS_URL": server.url, "XDG_STATE_HOME": state,
            "XDG_CONFIG_HOME": directory.url.appendingPathComponent("config").path,
        ], columns: 100, executable: kvsh, arguments: ["--norc"])
        await bare.expectPrompt(prompt)
        bare.send("echo $greeting" + Key.enter)
        await bare.expectOutput("variable 'greeting' is not set")
        await bare.expectPrompt(prompt)
        bare.send(Key.ctrlD)
        #expect(await bare.expectExit() == 0)

        let history = try String(contentsOfFile: state + "/kvsh/history", encoding: .utf8)
        #expect(history.contains("repl-bucket"))  // libedit escapes spaces in its file format
        let mode = try FileManager.default.attributesOfItem(atPath: state + "/kvsh/history")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("hook output appears above a half-typed line, prefixed with the hook id; hooks and off at the prompt")
    func hooksAbovePrompt() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let kvsh = KvshBinary.path()
        let env = inheritedEnvironment(["NATS_URL": server.url, "SWIFT_BACKTRACE": "enable=no"])
        #expect(try runProcess(kvsh, ["kv", "add", "repl-hooks"], env: env, timeout: 20).status == 0)
        let session = try DemoSession(home: directory.url, environment: [
            "NATS_URL": server.url, "XDG_STATE_HOME": directory.url.appendingPathComponent("state").path,
        ], columns: 100, executable: kvsh, arguments: ["--norc"])
        let prompt = "kvsh \(server.url)>"
        await session.expectPrompt(prompt)
        // A marker of its own: a bare "1" would match the prompt's 127.0.0.1 before the line ran.
        session.send("let id = on put repl-hooks run 'echo \"saw $KVSH_KEY\"; printf \"\\033[2Jbell\\a\\n\"'; "
                     + "echo registered-$id" + Key.enter)
        await session.expectOutput("registered-1")
        await session.expectPrompt(prompt)

        // A write from elsewhere while a line is half typed: the run's lines go above it.
        session.send("echo ty")
        await session.expectScreen("the half-typed line") { $0.usedLines.last == "\(prompt) echo ty" }
        #expect(try runProcess(kvsh, ["kv", "put", "repl-hooks", "k1", "v"], env: env, timeout: 20).status == 0)
        await session.expectScreen("the hook's output above the prompt") { screen in
            screen.usedLines.contains("[hook 1] saw k1") && screen.usedLines.last == "\(prompt) echo ty"
        }
        // Control characters from the command are shown escaped, not obeyed.
        #expect(!session.screen.usedLines.contains("[hook 1] bell"))
        session.send("ped" + Key.enter)
        await session.expectOutput("typed")
        await session.expectPrompt(prompt)

        session.send("hooks" + Key.enter)
        await session.expectScreen("the hook listed") { screen in
            screen.usedLines.contains { $0.hasPrefix("1   put  repl-hooks  >     1      0       1") }
        }
        await session.expectPrompt(prompt)
        session.send("off 1" + Key.enter)
        await session.expectPrompt(prompt)
        session.send("hooks" + Key.enter)
        await session.expectOutput("no hooks")
        await session.expectPrompt(prompt)
        session.send(Key.ctrlD)
        #expect(await session.expectExit() == 0)
    }
}
