#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NATSAuth
import NATSClient

/// What proves who the user is by signing the server's nonce: a creds file (`--creds`,
/// `NATS_CREDS`), an nkey seed file (`--nkey`, `NATS_NKEY`), or a user JWT and its seed given
/// as values (`--jwt` and `--seed`, `NATS_JWT` and `NATS_SEED`, a context's `user_jwt` and
/// `user_seed`). Chosen from the options without reading anything; read when the store is
/// opened.
enum SigningCredentials: Sendable, Equatable {
    case creds(String)
    case nkey(String)
    case jwtAndSeed(UserJWTAndSeed)

    /// The one way to authenticate the options give. A flag beats the environment: `--user`,
    /// `--creds` or `--jwt` on the command line sets `NATS_CREDS`, `NATS_NKEY`, `NATS_JWT` and
    /// `NATS_SEED` aside. Two ways at the same level are a usage error, as is an empty file
    /// name or value, and a JWT without its seed (or the reverse) at one level.
    /// - Throws: `ArgumentError` naming the options that exclude or need each other.
    static func chosen(_ options: GlobalOptions, environment: (String) -> String? = StoreBackend.environment)
        throws -> SigningCredentials? {
        if options.creds?.isEmpty == true { throw ArgumentError("--creds needs a file name") }
        if options.nkey?.isEmpty == true { throw ArgumentError("--nkey needs a file name") }
        if options.jwt?.isEmpty == true { throw ArgumentError("--jwt needs the user JWT (or file://PATH)") }
        if options.seed?.isEmpty == true { throw ArgumentError("--seed needs the user's seed (or file://PATH)") }
        let password = ["--user": options.user, "--password": options.password, "--token": options.token]
            .filter { $0.value != nil }.keys.sorted()
        var given: [(String, SigningCredentials?)] = []
        if let creds = options.creds { given.append(("--creds", .creds(creds))) }
        if let nkey = options.nkey { given.append(("--nkey", .nkey(nkey))) }
        if let pair = try UserJWTAndSeed.pair(options.jwt, options.seed, names: ("--jwt", "--seed"),
                                              together: "give the user JWT and its seed together") {
            given.append(("--jwt", .jwtAndSeed(pair)))
        }
        if let first = password.first { given.append((first, nil)) }
        if given.count > 1 {
            throw ArgumentError("\(given[0].0) and \(given[1].0) exclude each other: give one way to authenticate")
        }
        if let (_, file) = given.first { return file }
        var set: [(String, SigningCredentials)] = []
        if let creds = environment("NATS_CREDS") { set.append(("NATS_CREDS", .creds(creds))) }
        if let nkey = environment("NATS_NKEY") { set.append(("NATS_NKEY", .nkey(nkey))) }
        if let pair = try UserJWTAndSeed.pair(environment("NATS_JWT"), environment("NATS_SEED"),
                                              names: ("NATS_JWT", "NATS_SEED"),
                                              together: "set the user JWT and its seed together") {
            set.append(("NATS_JWT", .jwtAndSeed(pair)))
        }
        if set.count > 1 {
            throw ArgumentError("\(set[0].0) and \(set[1].0) are both set: unset one, or give --creds, --nkey, "
                                + "or --jwt with --seed")
        }
        return set.first?.1
    }

    /// The option, or with `environment` the variable, that gives a way to sign, for "needs a
    /// server".
    static func source(_ options: GlobalOptions, environment: Bool) -> String? {
        if options.creds != nil { return "--creds" }
        if options.nkey != nil { return "--nkey" }
        if options.jwt != nil { return "--jwt" }
        if options.seed != nil { return "--seed" }
        guard environment else { return nil }
        return ["NATS_CREDS", "NATS_NKEY", "NATS_JWT", "NATS_SEED"].first { StoreBackend.environment($0) != nil }
    }

    /// Reads the file or the values and makes the handshake's signer. A warning (a file others
    /// can read) goes to stderr, once per read.
    /// - Throws: `CredentialsError` naming the file (missing, unreadable, malformed, an
    ///   expired user JWT); `ArgumentError` naming the option, variable or field of a JWT or
    ///   seed given as a value. Neither quotes a secret.
    func authentication(now: Int64 = Int64(time(nil))) throws -> NKeyAuthentication {
        let credentials: Credentials
        let identity: NKeyAuthentication.Identity
        switch self {
        case .creds(let path):
            credentials = try Credentials.load(credsFile: path, now: now)
            identity = .jwt(credentials.jwt ?? "")
        case .nkey(let path):
            credentials = try Credentials.load(nkeyFile: path)
            identity = .nkey(publicKey: credentials.seed.publicKey.text)
        case .jwtAndSeed(let pair):
            return try pair.authentication(now: now)
        }
        for warning in credentials.warnings { Terminal.err("kvsh: warning: \(warning)\n") }
        let seed = credentials.seed
        return NKeyAuthentication(identity: identity) { nonce in try seed.signatureText(ofNonce: nonce) }
    }
}
