import Foundation
@testable import NATSAuth
import NATSClient
import Testing
@testable import KvshCLI

/// The connection options of issue 11 as values, no socket: `--tlsfirst`/`tls_first`,
/// `--inbox-prefix`, and the choice of a way to sign (`--jwt`/`--seed`, `NATS_JWT`/`NATS_SEED`,
/// a context's `user_jwt`/`user_seed`) with the checks made before connecting.
@Suite("Connection options: TLS first, inbox prefix, JWT and seed")
struct ConnectionOptionsTests {
    private static func options(_ words: String...) throws -> GlobalOptions { try GlobalOptions.parse(words) }

    private static func env(_ values: [String: String]) -> (String) -> String? {
        { values[$0].flatMap { $0.isEmpty ? nil : $0 } }
    }

    private static func settings(_ options: GlobalOptions, context: NATSContext? = nil) -> ConnectionSettings {
        var s = ConnectionSettings(options: options, environment: env([:]), context: context)
        if s.servers == nil { s.servers = "nats://127.0.0.1:4222" }
        return s
    }

    @Test("--tlsfirst or a context's tls_first asks for TLS first (and so for TLS); neither asks for no TLS")
    func tlsFirst() throws {
        for words in [["--tlsfirst"], ["--tls-first"]] {
            let client = try Self.settings(try GlobalOptions.parse(words)).clientOptions()
            #expect(client.tls == TLSOptions(handshakeFirst: true), "\(words)")
        }
        var context = NATSContext(name: "dev", path: "/c/dev.json")
        context.tlsFirst = true
        context.ca = "/ctx/ca.pem"
        let fromContext = try Self.settings(try Self.options(), context: context).clientOptions()
        #expect(fromContext.tls == TLSOptions(caFile: "/ctx/ca.pem", handshakeFirst: true))
        #expect(try context.checkedForConnection() == context, "tls_first is no longer refused")
        #expect(try Self.settings(try Self.options()).clientOptions().tls == nil)
        #expect(try Self.settings(try Self.options("--tlsca", "/ca.pem")).clientOptions().tls?.handshakeFirst == false)
    }

    @Test("--inbox-prefix beats the context's; each bad one is named by where it came from")
    func inboxPrefix() throws {
        var context = NATSContext(name: "dev", path: "/c/dev.json")
        context.inboxPrefix = "_I.ctx"
        #expect(try Self.settings(try Self.options("--inbox-prefix", "_X.app"), context: context).clientOptions()
                .inboxPrefix == "_X.app")
        #expect(try Self.settings(try Self.options(), context: context).clientOptions().inboxPrefix == "_I.ctx")
        #expect(try Self.settings(try Self.options()).clientOptions().inboxPrefix == "_INBOX")
        let flag = #expect(throws: ArgumentError.self) {
            _ = try Self.settings(try Self.options("--inbox-prefix", "_X."), context: context).clientOptions()
        }
        #expect(flag?.message == #"--inbox-prefix "_X." is not a subject prefix (dot-separated tokens without wildcards or blanks)"#)
        context.inboxPrefix = ">"
        let field = #expect(throws: ArgumentError.self) {
            _ = try Self.settings(try Self.options(), context: context).clientOptions()
        }
        #expect(field?.message == #"context "dev": inbox_prefix ">" is not a subject prefix (dot-separated tokens without wildcards or blanks)"#)
    }

    @Test("the way to sign: flags, else variables, else the context; the pair comes whole at one level")
    func choice() throws {
        let none = Self.env([:])
        let flags = try SigningCredentials.chosen(try Self.options("--jwt", "J", "--seed", "S"), environment: none)
        #expect(flags == .jwtAndSeed(UserJWTAndSeed(jwtName: "--jwt", seedName: "--seed", jwt: SecretText("J"),
                                                     seed: SecretText("S"))))
        let variables = Self.env(["NATS_JWT": "J2", "NATS_SEED": "S2"])
        #expect(try SigningCredentials.chosen(try Self.options(), environment: variables)
                == .jwtAndSeed(UserJWTAndSeed(jwtName: "NATS_JWT", seedName: "NATS_SEED", jwt: SecretText("J2"),
                                              seed: SecretText("S2"))))
        // A flag's way sets every variable aside, a lone NATS_JWT included.
        #expect(try SigningCredentials.chosen(try Self.options("--creds", "/u.creds"), environment: Self.env(["NATS_JWT": "J"]))
                == .creds("/u.creds"))
        #expect(try SigningCredentials.chosen(try Self.options("--jwt", "J", "--seed", "S"),
                                              environment: Self.env(["NATS_CREDS": "/u.creds"]))?.isJWT == true)
        for (words, environment, message) in [
            (["--jwt", "J"], [:], "--jwt needs --seed: give the user JWT and its seed together"),
            (["--seed", "S"], [:], "--seed needs --jwt: give the user JWT and its seed together"),
            (["--seed", "", "--jwt", "J"], [:], "--seed needs the user's seed (or file://PATH)"),
            (["--nkey", "/u.nk", "--jwt", "J", "--seed", "S"], [:], "--nkey and --jwt exclude each other: give one way to authenticate"),
            (["--jwt", "J", "--seed", "S", "--user", "u"], [:], "--jwt and --user exclude each other: give one way to authenticate"),
            ([], ["NATS_SEED": "S"], "NATS_SEED needs NATS_JWT: set the user JWT and its seed together"),
            ([], ["NATS_CREDS": "/u.creds", "NATS_JWT": "J", "NATS_SEED": "S"],
             "NATS_CREDS and NATS_JWT are both set: unset one, or give --creds, --nkey, or --jwt with --seed"),
        ] as [([String], [String: String], String)] {
            let error = #expect(throws: ArgumentError.self) {
                _ = try SigningCredentials.chosen(try GlobalOptions.parse(words), environment: Self.env(environment))
            }
            #expect(error?.message == message, "\(words) \(environment)")
        }
        // The context's pair, only when nothing above it gives a way.
        var context = NATSContext(name: "dev", path: "/c/dev.json")
        context.userJWT = "CJ"
        context.userSeed = "file:///s.nk"
        let checked = try context.checkedForConnection()
        let fromContext = Self.settings(try Self.options(), context: checked)
        #expect(fromContext.contextSigningCredentials(try Self.options(), environment: none)
                == .jwtAndSeed(UserJWTAndSeed(jwtName: #"context "dev": user_jwt"#, seedName: #"context "dev": user_seed"#,
                                              jwt: SecretText("CJ"), seed: SecretText("file:///s.nk"))))
        #expect(fromContext.contextSigningCredentials(try Self.options("--token", "t"), environment: none) == nil)
    }

    @Test("a context: user_jwt counts as a way to authenticate; file:// is taken, other references are not")
    func contextFields() throws {
        var c = NATSContext(name: "dev", path: "/c/dev.json")
        c.user = "u"
        c.userJWT = "J"
        c.userSeed = "S"
        #expect(throws: ContextError.conflictingCredentials(name: "dev", fields: ["user", "user_jwt"])) {
            _ = try c.checkedForConnection()
        }
        c.user = ""
        c.userSeed = ""
        #expect(throws: ContextError.missingPartner(name: "dev", field: "user_jwt", partner: "user_seed")) {
            _ = try c.checkedForConnection()
        }
        c.userSeed = "env://SEED"
        #expect(throws: ContextError.unsupportedReference(name: "dev", field: "user_seed", scheme: "env")) {
            _ = try c.checkedForConnection()
        }
        #expect("\(ContextError.unsupportedReference(name: "dev", field: "user_seed", scheme: "env"))"
                == #"context "dev": user_seed: env:// references are not supported; give the value itself, or file://PATH"#)
        c.password = "file:///pw"
        #expect(throws: ContextError.unsupportedReference(name: "dev", field: "password", scheme: "file")) {
            _ = try c.checkedForConnection()
        }
    }

    @Test("a valid pair signs as its user; a secret is never in a description")
    func authentication() throws {
        let account = NKeySeed.generate(.account)
        let seed = NKeySeed.generate(.user)
        let jwt = try JWT.encode(JWTClaims(subject: seed.publicKey.text, name: "u",
                                           nats: ["type": "user", "version": 2]),
                                 signedBy: account, issuedAt: 1_700_000_000)
        let pair = UserJWTAndSeed(jwtName: "--jwt", seedName: "--seed", jwt: SecretText(jwt), seed: SecretText(seed.text))
        let auth = try pair.authentication(now: 1_700_000_100)
        #expect(auth.identity == .jwt(jwt))
        let signature = try #require(Base64URL.decode(Substring(try auth.sign(Array("nonce-1".utf8)))))
        #expect(seed.publicKey.verify(signature: signature, of: Array("nonce-1".utf8)))
        for shown in ["\(pair)", String(reflecting: pair), "\(SigningCredentials.jwtAndSeed(pair))"] {
            #expect(!shown.contains(seed.text) && !shown.contains(jwt), "\(shown)")
        }
    }
}

extension SigningCredentials {
    var isJWT: Bool { if case .jwtAndSeed = self { true } else { false } }
}
