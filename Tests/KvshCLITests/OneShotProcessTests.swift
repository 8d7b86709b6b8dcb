import Testing
@testable import KvshCLI

/// Which command lines `runProcess` runs on the main thread's event loop (pure: words only).
@Suite("One-shot server commands, told from the words")
struct OneShotProcessTests {
    @Test("kv and account commands with a server, wherever the server option stands",
          arguments: [
            ["kv", "get", "-s", "nats://127.0.0.1:4222", "b", "k"],
            ["-s", "nats://127.0.0.1:4222", "kv", "put", "b", "k", "v"],
            ["--server", "nats://h:1", "--json", "kv", "ls"],
            ["--server=nats://h:1", "account", "info"],
            ["nats", "-s", "nats://h:1", "kv", "watch", "b"],
            ["-s", "nats://h:1", "nats", "--trace", "kv", "status", "b"],
          ])
    func serverCommands(_ words: [String]) {
        #expect(OneShotProcess.namesServerCommand(words, natsURL: nil))
    }

    @Test("NATS_URL names the server when no option does")
    func fromEnvironment() {
        #expect(OneShotProcess.namesServerCommand(["kv", "get", "b", "k"], natsURL: "nats://h:1"))
        #expect(!OneShotProcess.namesServerCommand(["kv", "get", "b", "k"], natsURL: nil))
    }

    @Test("not a one-shot server command: the embedded store, scripts, -c, the shell, serve, help",
          arguments: [
            ["kv", "get", "--store", "/tmp/s.db", "b", "k"],
            ["--store=/tmp/s.db", "kv", "ls"],
            ["-c", "kv get b k"],
            ["script.kvsh", "kv", "-s", "nats://h:1"],
            ["serve", "hooks.kvsh"],
            ["help", "kv"],
            ["-s", "nats://h:1"],
            [],
          ])
    func otherLines(_ words: [String]) {
        #expect(!OneShotProcess.namesServerCommand(words, natsURL: "nats://h:1"))
    }
}
