// The kvsh prompt with a natscli context selected: the built kvsh on a pseudo-terminal, a real
// nats-server with a password, and no connection flag.

import Foundation
import Testing
import TestSupport

@Suite("kvsh prompt with a natscli context", .serialized, .offCooperativePool)
struct KvshContextPromptTests {
    @Test("the first line names the context and its server (credentials masked); commands go there")
    func banner() async throws {
        let server = try NATSServerProcess(extraArgs: ["--user", "prompt-user", "--pass", "prompt-s3cret"])
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = directory.url.appendingPathComponent("config")
        let contexts = config.appendingPathComponent("nats/context")
        try FileManager.default.createDirectory(at: contexts, withIntermediateDirectories: true)
        let url = "nats://prompt-user:prompt-s3cret@127.0.0.1:\(server.port)"
        try "{\n  \"description\": \"\",\n  \"url\": \"\(url)\"\n}"
            .write(to: contexts.appendingPathComponent("dev.json"), atomically: true, encoding: .utf8)
        try "dev".write(to: config.appendingPathComponent("nats/context.txt"), atomically: true, encoding: .utf8)
        let session = try DemoSession(home: directory.url, environment: [
            "XDG_CONFIG_HOME": config.path, "XDG_STATE_HOME": directory.url.appendingPathComponent("state").path,
        ], columns: 120, executable: KvshBinary.path(), arguments: ["--norc"])
        let shown = "nats://***@127.0.0.1:\(server.port)"
        await session.expectOutput("kvsh: context dev, server \(shown)")
        let prompt = "kvsh \(shown)>"
        await session.expectPrompt(prompt)
        session.send("account info" + Key.enter)
        await session.expectOutput("Context: dev")
        await session.expectPrompt(prompt)
        #expect(!session.outputText(since: 0).contains("prompt-s3cret"))
        session.send(Key.ctrlD)
        #expect(await session.expectExit() == 0)
    }
}
