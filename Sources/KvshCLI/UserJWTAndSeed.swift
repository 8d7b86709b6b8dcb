#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KeyValue
import NATSAuth
import NATSClient

/// A user JWT and its seed given as values, as natscli takes them: `--jwt` and `--seed`,
/// `NATS_JWT` and `NATS_SEED`, or a context's `user_jwt` and `user_seed`. Each is the text
/// itself or `file://PATH` (read when the store opens, trailing line ends dropped, as jsm
/// resolves it); other references (`env://`, `op://`, `nsc://`, `data:`) are refused. Checked
/// as a creds file is — a user JWT, not expired, the seed of its subject — before anything
/// connects, and named in every message by where it came from, never quoted.
struct UserJWTAndSeed: Sendable, Equatable {
    /// How each is named in messages: `--jwt`, `NATS_SEED`, `context "dev": user_jwt`.
    var jwtName: String
    var seedName: String
    var jwt: SecretText
    var seed: SecretText

    /// The pair from one level (flags, variables or a context), nil when neither is given.
    /// - Throws: `ArgumentError` when only one is: "`--jwt` needs `--seed`: `together`".
    static func pair(_ jwt: String?, _ seed: String?, names: (jwt: String, seed: String),
                     together: String) throws -> UserJWTAndSeed? {
        switch (jwt, seed) {
        case (nil, nil): return nil
        case (let jwt?, let seed?):
            return UserJWTAndSeed(jwtName: names.jwt, seedName: names.seed, jwt: SecretText(jwt), seed: SecretText(seed))
        case (_?, nil): throw ArgumentError("\(names.jwt) needs \(names.seed): \(together)")
        case (nil, _?): throw ArgumentError("\(names.seed) needs \(names.jwt): \(together)")
        }
    }

    /// Resolves and checks both, and makes the handshake's signer: CONNECT carries the JWT and
    /// the seed's signature of each server's nonce. A seed file others may read is a warning on
    /// stderr.
    /// - Throws: `ArgumentError` for a value that is not a user JWT or a user seed, an expired
    ///   JWT (at `now`, Unix seconds), a seed that is not the JWT's subject, a reference kvsh
    ///   does not resolve; `CredentialsError` for a `file://` it cannot read.
    func authentication(now: Int64) throws -> NKeyAuthentication {
        let jwtText = try Self.resolved(jwt.text, name: jwtName, warn: false)
        let seedText = try Self.resolved(seed.text, name: seedName, warn: true)
        let claims: JWTClaims
        do {
            claims = try JWT.claims(of: jwtText)
        } catch {
            throw ArgumentError("\(jwtName) is \(error); give the JWT itself, or file://PATH")
        }
        guard claims.type == "user" else {
            throw ArgumentError("\(jwtName) holds \(claims.type.map { "an \($0) JWT" } ?? "a JWT of no type"), not a user JWT")
        }
        if let exp = claims.expires, exp > 0, now >= exp {
            throw ArgumentError("the user JWT of \(jwtName) expired at "
                                + Timestamp.rfc3339(Date(timeIntervalSince1970: Double(exp))))
        }
        let key: NKeySeed
        do {
            key = try NKeySeed(seedText, type: .user)
        } catch {
            throw ArgumentError("\(seedName) is not a usable seed: \(error)")
        }
        if let subject = claims.subject, subject != key.publicKey.text {
            throw ArgumentError("\(seedName) does not belong to the user JWT of \(jwtName) (issued to \(subject), "
                                + "the seed is \(key.publicKey.text)'s)")
        }
        return NKeyAuthentication(identity: .jwt(jwtText)) { nonce in try key.signatureText(ofNonce: nonce) }
    }

    /// `value`, or the text of the file `file://PATH` names without its trailing line ends.
    private static func resolved(_ value: String, name: String, warn: Bool) throws -> String {
        guard let scheme = ContextReference.scheme(of: value) else { return value }
        guard scheme == "file" else {
            throw ArgumentError("\(name): \(scheme == "data" ? "data:" : scheme + "://") references are not supported; "
                                + "give the value itself, or file://PATH")
        }
        let (text, warning) = try Credentials.readSecretFile(String(value.dropFirst("file://".count)))
        if warn, let warning { Terminal.err("kvsh: warning: \(warning)\n") }
        var trimmed = Substring(text)
        while let last = trimmed.last, last == "\n" || last == "\r" || last == "\r\n" { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}

/// A secret kept as given but never shown: printed (a failed test's values, a debug dump) it
/// is `***`.
struct SecretText: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    let text: String
    init(_ text: String) { self.text = text }
    var description: String { "***" }
    var debugDescription: String { "***" }
}
