#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NATSAuth
import NATSClient

/// The file that proves who the user is by signature: a creds file (`--creds`, `NATS_CREDS`)
/// or an nkey seed file (`--nkey`, `NATS_NKEY`). Chosen from the options without reading it;
/// read when the store is opened.
enum CredentialFile: Sendable, Equatable {
    case creds(String)
    case nkey(String)

    /// The one way to authenticate the options give. A flag beats the environment: `--user`
    /// or `--creds` on the command line sets `NATS_CREDS`/`NATS_NKEY` aside. Two ways at the
    /// same level are a usage error, as is an empty file name.
    /// - Throws: `ArgumentError` naming the options that exclude each other.
    static func chosen(_ options: GlobalOptions, environment: (String) -> String? = StoreBackend.environment)
        throws -> CredentialFile? {
        if options.creds?.isEmpty == true { throw ArgumentError("--creds needs a file name") }
        if options.nkey?.isEmpty == true { throw ArgumentError("--nkey needs a file name") }
        let password = ["--user": options.user, "--password": options.password, "--token": options.token]
            .filter { $0.value != nil }.keys.sorted()
        var given: [(String, CredentialFile?)] = []
        if let creds = options.creds { given.append(("--creds", .creds(creds))) }
        if let nkey = options.nkey { given.append(("--nkey", .nkey(nkey))) }
        if let first = password.first { given.append((first, nil)) }
        if given.count > 1 {
            throw ArgumentError("\(given[0].0) and \(given[1].0) exclude each other: give one way to authenticate")
        }
        if let (_, file) = given.first { return file }
        switch (environment("NATS_CREDS"), environment("NATS_NKEY")) {
        case (let creds?, nil): return .creds(creds)
        case (nil, let nkey?): return .nkey(nkey)
        case (_?, _?): throw ArgumentError("NATS_CREDS and NATS_NKEY are both set: unset one, or give --creds or --nkey")
        case (nil, nil): return nil
        }
    }

    /// The option, or with `environment` the variable, that names a file, for "needs a server".
    static func source(_ options: GlobalOptions, environment: Bool) -> String? {
        if options.creds != nil { return "--creds" }
        if options.nkey != nil { return "--nkey" }
        guard environment else { return nil }
        if StoreBackend.environment("NATS_CREDS") != nil { return "NATS_CREDS" }
        if StoreBackend.environment("NATS_NKEY") != nil { return "NATS_NKEY" }
        return nil
    }

    /// Reads the file and makes the handshake's signer. A warning (a file others can read)
    /// goes to stderr, once per read.
    /// - Throws: `CredentialsError` naming the file (missing, unreadable, malformed, an
    ///   expired user JWT).
    func authentication(now: Int64 = Int64(time(nil))) throws(CredentialsError) -> NKeyAuthentication {
        let credentials: Credentials
        let identity: NKeyAuthentication.Identity
        switch self {
        case .creds(let path):
            credentials = try Credentials.load(credsFile: path, now: now)
            identity = .jwt(credentials.jwt ?? "")
        case .nkey(let path):
            credentials = try Credentials.load(nkeyFile: path)
            identity = .nkey(publicKey: credentials.seed.publicKey.text)
        }
        for warning in credentials.warnings { Terminal.err("kvsh: warning: \(warning)\n") }
        let seed = credentials.seed
        return NKeyAuthentication(identity: identity) { nonce in try seed.signatureText(ofNonce: nonce) }
    }
}
