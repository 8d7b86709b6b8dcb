import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The claims of a NATS JWT (nats-io/jwt v2): the standard ones, times in Unix seconds, and
/// the type-specific part under `nats` (`type`: operator, account or user; `version`: 2).
public struct JWTClaims: Codable, Sendable, Equatable {
    public var audience: String?
    public var expires: Int64?
    public var id: String?
    public var issuedAt: Int64?
    /// The public key that signed the JWT.
    public var issuer: String?
    public var name: String?
    public var notBefore: Int64?
    /// The public key the JWT is about.
    public var subject: String?
    public var nats: [String: JSONValue]?

    public init(subject: String? = nil, name: String? = nil, expires: Int64? = nil,
                nats: [String: JSONValue]? = nil) {
        self.subject = subject
        self.name = name
        self.expires = expires
        self.nats = nats
    }

    enum CodingKeys: String, CodingKey {
        case audience = "aud", expires = "exp", id = "jti", issuedAt = "iat", issuer = "iss", name
        case notBefore = "nbf", subject = "sub", nats
    }

    /// `nats.type`: "operator", "account", "user"; nil when absent.
    public var type: String? { nats?["type"]?.string }
}

/// Why a text is not a NATS JWT. The descriptions never quote the token.
public struct JWTError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { "not a valid NATS JWT: " + reason }
}

/// Reading and writing NATS JWTs: `base64url(header).base64url(claims).base64url(signature)`,
/// the signature an Ed25519 signature by `iss` of the text before the last dot (v2).
public enum JWT {
    static let header = #"{"typ":"JWT","alg":"ed25519-nkey"}"#

    /// The claims of `token`, without checking the signature (the server checks it).
    /// - Throws: `JWTError` when the token is not three base64url parts, its header is not
    ///   an nkey JWT's, or its claims are not the JSON of claims.
    public static func claims(of token: String) throws(JWTError) -> JWTClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw JWTError("it needs three parts separated by dots") }
        guard let headerBytes = Base64URL.decode(parts[0]), let claimBytes = Base64URL.decode(parts[1]),
              Base64URL.decode(parts[2]) != nil
        else { throw JWTError("a part is not base64url") }
        struct Header: Decodable { var typ: String?; var alg: String? }
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(headerBytes)) else {
            throw JWTError("its header is not JSON")
        }
        guard header.typ?.uppercased() == "JWT", header.alg == "ed25519-nkey" || header.alg == "ed25519" else {
            throw JWTError("its header is not a NATS JWT's (alg ed25519-nkey)")
        }
        do {
            return try JSONDecoder().decode(JWTClaims.self, from: Data(claimBytes))
        } catch {
            throw JWTError("its claims are not valid JSON claims")
        }
    }

    /// `claims` as a JWT signed by `signer`: `iss` becomes the signer's public key, `iat`
    /// `issuedAt`, and `jti` a hash of the claims (see `identifier`).
    /// - Throws: an encoding or signing failure (neither happens for plain claims and a valid seed).
    public static func encode(_ claims: JWTClaims, signedBy signer: NKeySeed, issuedAt: Int64) throws -> String {
        var claims = claims
        claims.issuer = signer.publicKey.text
        claims.issuedAt = issuedAt
        claims.id = nil
        claims.id = try identifier(of: claims)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(try encoder.encode(claims)))
        return body + "." + Base64URL.encode(try signer.sign(Array(body.utf8)))
    }

    /// The `jti` nats-io writes is base32 of a SHA-512/256 of the standard claims; the server
    /// never checks it, and CryptoKit has no SHA-512/256, so this is the same recipe with
    /// SHA-256: unique per set of claims, which is all a `jti` needs.
    static func identifier(of claims: JWTClaims) throws -> String {
        var standard = claims
        standard.nats = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Base32.encode(Array(SHA256.hash(data: try encoder.encode(standard))))
    }

    /// True when `token`'s signature verifies with the key in its `iss`.
    public static func isSignatureValid(_ token: String) -> Bool {
        guard let dot = token.lastIndex(of: "."), let claims = try? claims(of: token),
              let issuer = claims.issuer, let key = try? NKeyPublicKey(issuer),
              let signature = Base64URL.decode(token[token.index(after: dot)...])
        else { return false }
        return key.verify(signature: signature, of: Array(token[..<dot].utf8))
    }
}

/// A time in Unix seconds as RFC 3339 UTC (`2026-05-01T12:00:00Z`), for messages.
func utcText(_ seconds: Int64) -> String {
    Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
}
