import Foundation
import NATSClient
import Testing
import TestSupport
@testable import KvshCLI

/// `ConnectionSettings`: flag > environment > context > default, field by field, and which
/// context the options choose (pure: no file is read except where a test writes one).
@Suite("Context settings: precedence and the choice of context")
struct ContextSettingsTests {
    private static func options(_ words: String...) throws -> GlobalOptions { try GlobalOptions.parse(words) }

    private static func env(_ values: [String: String]) -> (String) -> String? {
        { values[$0].flatMap { $0.isEmpty ? nil : $0 } }
    }

    private static var context: NATSContext {
        var c = NATSContext(name: "dev", path: "/c/dev.json")
        c.url = "nats://ctx:4222"
        c.user = "ctx-user"
        c.password = "ctx-pass"
        c.token = "ctx-token"
        c.cert = "/ctx/c.pem"
        c.key = "/ctx/k.pem"
        c.ca = "/ctx/ca.pem"
        c.inboxPrefix = "_I.ctx"
        return c
    }

    @Test("the context fills every field nothing else gives")
    func contextAlone() throws {
        let s = ConnectionSettings(options: try Self.options(), environment: Self.env([:]), context: Self.context)
        #expect(s.servers == "nats://ctx:4222")
        #expect((s.user, s.password, s.token) == ("ctx-user", "ctx-pass", "ctx-token"))
        #expect((s.tlscert, s.tlskey, s.tlsca) == ("/ctx/c.pem", "/ctx/k.pem", "/ctx/ca.pem"))
        #expect(s.inboxPrefix == "_I.ctx")
        #expect(s.context?.name == "dev")
    }

    @Test("a variable beats the context, a flag beats the variable, field by field")
    func precedence() throws {
        let variables = ["NATS_URL": "nats://env:4222", "NATS_USER": "env-user", "NATS_PASSWORD": "env-pass",
                         "NATS_TOKEN": "env-token", "NATS_CERT": "/env/c.pem", "NATS_KEY": "/env/k.pem",
                         "NATS_CA": "/env/ca.pem"]
        let byEnv = ConnectionSettings(options: try Self.options(), environment: Self.env(variables), context: Self.context)
        #expect(byEnv.servers == "nats://env:4222")
        #expect((byEnv.user, byEnv.password, byEnv.token) == ("env-user", "env-pass", "env-token"))
        #expect((byEnv.tlscert, byEnv.tlskey, byEnv.tlsca) == ("/env/c.pem", "/env/k.pem", "/env/ca.pem"))

        let flags = try Self.options("-s", "nats://flag:4222", "--user", "flag-user", "--password", "flag-pass",
                                     "--token", "flag-token", "--tlscert", "/f/c.pem", "--tlskey", "/f/k.pem",
                                     "--tlsca", "/f/ca.pem")
        let byFlag = ConnectionSettings(options: flags, environment: Self.env(variables), context: Self.context)
        #expect(byFlag.servers == "nats://flag:4222")
        #expect((byFlag.user, byFlag.password, byFlag.token) == ("flag-user", "flag-pass", "flag-token"))
        #expect((byFlag.tlscert, byFlag.tlskey, byFlag.tlsca) == ("/f/c.pem", "/f/k.pem", "/f/ca.pem"))

        // Mixed: each field from its own best source; an empty variable is unset.
        let mixed = ConnectionSettings(options: try Self.options("--user", "flag-user"),
                                       environment: Self.env(["NATS_PASSWORD": "env-pass", "NATS_URL": ""]),
                                       context: Self.context)
        #expect(mixed.servers == "nats://ctx:4222")
        #expect((mixed.user, mixed.password, mixed.token) == ("flag-user", "env-pass", "ctx-token"))
    }

    @Test("a client certificate and its key come together, from any source; one alone is an error")
    func certificateNeedsKey() throws {
        let cert = ConnectionSettings(options: try Self.options("-s", "nats://h:1", "--tlscert", "/f/c.pem"),
                                      environment: Self.env([:]), context: nil)
        #expect(throws: ArgumentError("--tlscert needs --tlskey: give the client certificate and its key together "
                                      + "(NATS_CERT and NATS_KEY, or a context's cert and key)")) { try cert.clientOptions() }
        let key = ConnectionSettings(options: try Self.options("-s", "nats://h:1"),
                                     environment: Self.env(["NATS_KEY": "/env/k.pem"]), context: nil)
        #expect(throws: ArgumentError("--tlskey needs --tlscert: give the client certificate and its key together "
                                      + "(NATS_CERT and NATS_KEY, or a context's cert and key)")) { try key.clientOptions() }
        let both = ConnectionSettings(options: try Self.options("-s", "nats://h:1", "--tlscert", "/f/c.pem"),
                                      environment: Self.env(["NATS_KEY": "/env/k.pem"]), context: nil)
        #expect(try both.clientOptions().tls == TLSOptions(caFile: nil, certFile: "/f/c.pem", keyFile: "/env/k.pem"))
    }

    @Test("a context without a url means natscli's default server; no context and no server means none")
    func defaults() throws {
        var bare = NATSContext(name: "bare", path: "/c/bare.json")
        bare.user = "u"
        let withContext = ConnectionSettings(options: try Self.options(), environment: Self.env([:]), context: bare)
        #expect(withContext.servers == "nats://127.0.0.1:4222")
        #expect(withContext.password == nil && withContext.token == nil && withContext.inboxPrefix == nil)
        let none = ConnectionSettings(options: try Self.options(), environment: Self.env(["NATS_USER": "u"]), context: nil)
        #expect(none.servers == nil && none.user == "u")
    }

    @Test("the choice: --no-context, else --context, else NATS_CONTEXT (a name or an existing .json), else the selection")
    func choice() throws {
        let env = Self.env(["NATS_CONTEXT": "from-env"])
        let noFile: (String) -> Bool = { _ in false }
        #expect(ConnectionSettings.contextChoice(try Self.options(), environment: Self.env([:]), isFile: noFile) == .selected)
        #expect(ConnectionSettings.contextChoice(try Self.options(), environment: env, isFile: noFile)
                == .named("from-env", source: "NATS_CONTEXT"))
        #expect(ConnectionSettings.contextChoice(try Self.options("--context", "flag"), environment: env, isFile: noFile)
                == .named("flag", source: "--context"))
        #expect(ConnectionSettings.contextChoice(try Self.options("--context", "x", "--no-context"), environment: env,
                                                 isFile: noFile) == .none)
        #expect(ConnectionSettings.contextChoice(try Self.options("--context", "/p/x.json"), environment: env,
                                                 isFile: { $0 == "/p/x.json" }) == .file("/p/x.json"))
        let config = try makeTempDir(prefix: "kvsh-choice-")
        let file = config + "/here.json"
        try Data("{}".utf8).write(to: URL(fileURLWithPath: file))
        #expect(ContextDirectory.namesFile(file))
        #expect(!ContextDirectory.namesFile(config + "/absent.json"))
        #expect(!ContextDirectory.namesFile(config))
    }

    @Test("resolve: the selected context, a missing one as an error, and --no-context reading nothing")
    func resolving() throws {
        let config = try makeTempDir(prefix: "kvsh-resolve-")
        let dir = ContextDirectory(root: config + "/nats")
        try FileManager.default.createDirectory(atPath: dir.contextsDirectory, withIntermediateDirectories: true)
        try Data(ContextFileTests.natscliFile(["url": "nats://sel:4222", "description": "selected"]).utf8)
            .write(to: URL(fileURLWithPath: dir.file(for: "sel")))
        let env = Self.env([:])
        #expect(try ConnectionSettings.resolve(try Self.options(), environment: env, directory: dir).servers == nil)
        try dir.select("sel")
        let selected = try ConnectionSettings.resolve(try Self.options(), environment: env, directory: dir)
        #expect(selected.servers == "nats://sel:4222" && selected.context?.name == "sel")
        #expect(try ConnectionSettings.resolve(try Self.options("--no-context"), environment: env, directory: dir).context == nil)
        #expect(throws: ContextError.notFound(name: "other", path: dir.file(for: "other"), selectedIn: nil)) {
            _ = try ConnectionSettings.resolve(try Self.options("--context", "other"), environment: env, directory: dir)
        }
        try dir.select("vanished")
        #expect(throws: ContextError.notFound(name: "vanished", path: dir.file(for: "vanished"),
                                              selectedIn: dir.selectionFile)) {
            _ = try ConnectionSettings.resolve(try Self.options(), environment: env, directory: dir)
        }
        // A name needs the directory; the selection without one is simply none.
        #expect(throws: ContextError.noConfigDirectory) {
            _ = try ConnectionSettings.resolve(try Self.options("--context", "x"), environment: env, directory: nil)
        }
        #expect(try ConnectionSettings.resolve(try Self.options(), environment: env, directory: nil).context == nil)
    }

    @Test("client options: the context's url, credentials, TLS files and inbox prefix")
    func clientOptions() throws {
        let client = try ConnectionSettings(options: try Self.options(), environment: Self.env([:]),
                                            context: Self.context).clientOptions()
        #expect(client.servers.map(\.description) == ["nats://ctx:4222"])
        #expect((client.user, client.password, client.token) == ("ctx-user", "ctx-pass", "ctx-token"))
        #expect(client.tls == TLSOptions(caFile: "/ctx/ca.pem", certFile: "/ctx/c.pem", keyFile: "/ctx/k.pem"))
        #expect(client.inboxPrefix == "_I.ctx")
        var bad = Self.context
        bad.url = "http://nope"
        let badURL = ConnectionSettings(options: try Self.options(), environment: Self.env([:]), context: bad)
        let error = #expect(throws: ArgumentError.self) { _ = try badURL.clientOptions() }
        #expect(error?.message.hasPrefix("context \"dev\": url: invalid server URL") == true, "\(String(describing: error))")
        for prefix in ["", "a.*", ">", "a.", ".a", "a..b", "a b"] {
            #expect(!ConnectionSettings.isValidInboxPrefix(prefix), "\(prefix)")
        }
        #expect(ConnectionSettings.isValidInboxPrefix("_INBOX_acme.x-1"))
    }

    @Test("a connection variable with no server is an error naming it; none set is fine")
    func serverVariables() throws {
        try ConnectionSettings.rejectServerVariables(Self.env(["NATS_URL": ""]))
        for name in ConnectionSettings.serverVariables {
            let error = #expect(throws: ArgumentError.self) {
                try ConnectionSettings.rejectServerVariables(Self.env([name: "x"]))
            }
            #expect(error?.message.hasPrefix("\(name) is set, which needs a server") == true, "\(name)")
        }
    }

    @Test("a one-shot kv command with --context, or a context chosen elsewhere, is told a server command")
    func oneShotGuess() {
        #expect(OneShotProcess.namesServerCommand(["kv", "get", "b", "k", "--context", "dev"], natsURL: nil))
        #expect(OneShotProcess.namesServerCommand(["--context=dev", "account", "info"], natsURL: nil))
        #expect(OneShotProcess.namesServerCommand(["kv", "get", "b", "k"], natsURL: nil, contextSelected: { true }))
        #expect(!OneShotProcess.namesServerCommand(["kv", "get", "b", "k"], natsURL: nil, contextSelected: { false }))
        #expect(!OneShotProcess.namesServerCommand(["kv", "get", "b", "k", "--no-context"], natsURL: nil,
                                                   contextSelected: { true }))
        #expect(!OneShotProcess.namesServerCommand(["--no-context", "--context", "x", "kv", "ls"], natsURL: nil))
        #expect(!OneShotProcess.namesServerCommand(["kv", "ls", "--store", "f", "--context", "x"], natsURL: nil))
        #expect(!OneShotProcess.namesServerCommand(["context", "ls"], natsURL: nil, contextSelected: { true }))
    }
}
