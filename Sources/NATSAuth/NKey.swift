import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an nkey identifies; its value is the prefix byte of the public key's text (so
/// `user` keys start with `U`, `account` keys with `A`).
public enum NKeyType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case `operator` = 112  // 14 << 3: "O"
    case account = 0  // "A"
    case user = 160  // 20 << 3: "U"
    case server = 104  // 13 << 3: "N"
    case cluster = 16  // 2 << 3: "C"

    /// The first letter of a public key of this type (the second of a seed).
    public var letter: Character {
        switch self {
        case .operator: "O"
        case .account: "A"
        case .user: "U"
        case .server: "N"
        case .cluster: "C"
        }
    }

    /// "a user", "an account", for sentences.
    var withArticle: String { (self == .operator || self == .account ? "an " : "a ") + description }

    public var description: String {
        switch self {
        case .operator: "operator"
        case .account: "account"
        case .user: "user"
        case .server: "server"
        case .cluster: "cluster"
        }
    }
}

/// Why a text is not the nkey it should be. The descriptions never quote the text: it may be
/// a seed.
public enum NKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A character outside upper-case base32 (`A`–`Z`, `2`–`7`), padding included.
    case invalidBase32
    /// The text decodes to `bytes` bytes; a seed has 36, a public key 35.
    case invalidLength(bytes: Int)
    /// The CRC-16 at the end does not match the bytes before it (a typo or a cut).
    case invalidChecksum
    /// The checksum is right but the prefix names no kind of key.
    case invalidPrefix
    /// A public key where a seed was expected (the seed is the file's secret half).
    case notASeed(NKeyType)
    /// A seed where a public key was expected.
    case notAPublicKey
    /// A valid key of another type, e.g. an account seed where a user seed belongs.
    case wrongType(expected: NKeyType, found: NKeyType)

    public var description: String {
        switch self {
        case .invalidBase32:
            "not an nkey: it must be upper-case base32 (A-Z, 2-7) without padding"
        case .invalidLength(let bytes):
            "not an nkey: it decodes to \(bytes) bytes (a seed has 36, a public key 35)"
        case .invalidChecksum:
            "invalid nkey checksum: the key is damaged or cut short"
        case .invalidPrefix:
            "not an nkey: unknown key type prefix"
        case .notASeed(let type):
            "\(type.withArticle) public key, not a seed"
        case .notAPublicKey:
            "a seed, not a public key"
        case .wrongType(let expected, let found):
            "\(found.withArticle) key where \(expected.withArticle) key is needed"
        }
    }
}

/// The byte layout shared by seeds and public keys: prefix, 32-byte key, CRC-16 (little-endian).
enum NKeyText {
    /// The first prefix byte of every seed, `18 << 3` ("S" in base32).
    static let seedPrefix: UInt8 = 144

    static func encode(prefix: [UInt8], key: some Sequence<UInt8>) -> String {
        var raw = prefix + Array(key)
        let crc = CRC16.checksum(raw)
        raw += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
        return Base32.encode(raw)
    }

    /// The bytes before the checksum, checked.
    static func decode(_ text: some StringProtocol) throws(NKeyError) -> [UInt8] {
        guard let raw = Base32.decode(text) else { throw .invalidBase32 }
        guard raw.count == 35 || raw.count == 36 else { throw .invalidLength(bytes: raw.count) }
        let body = Array(raw.dropLast(2))
        let stored = UInt16(raw[raw.count - 2]) | UInt16(raw[raw.count - 1]) << 8
        guard CRC16.checksum(body) == stored else { throw .invalidChecksum }
        return body
    }
}

/// A public nkey (`U…`, `A…`, `O…`, `N…`, `C…`): 32 bytes of an Ed25519 public key and its type.
public struct NKeyPublicKey: Sendable, Equatable, CustomStringConvertible {
    public let type: NKeyType
    /// The Ed25519 public key.
    public let rawRepresentation: [UInt8]

    /// Decodes a public key's text.
    /// - Throws: `NKeyError` (bad base32, length, checksum or prefix; `notAPublicKey` for a seed).
    public init(_ text: some StringProtocol) throws(NKeyError) {
        let body = try NKeyText.decode(text)
        if body.count == 34 {
            guard body[0] & 0xF8 == NKeyText.seedPrefix else { throw .invalidPrefix }
            throw .notAPublicKey
        }
        guard let type = NKeyType(rawValue: body[0]) else { throw .invalidPrefix }
        self.type = type
        rawRepresentation = Array(body.dropFirst())
    }

    init(type: NKeyType, rawRepresentation: [UInt8]) {
        self.type = type
        self.rawRepresentation = rawRepresentation
    }

    /// The key as text, e.g. `UA…` (56 characters).
    public var text: String { NKeyText.encode(prefix: [type.rawValue], key: rawRepresentation) }

    public var description: String { text }

    /// True when `signature` is this key's Ed25519 signature of `message`.
    public func verify(signature: [UInt8], of message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

/// An nkey seed (`SU…`, `SA…`, `SO…`): the private half of a key pair, which signs. Its
/// `description` shows the public key only, so printing one by mistake leaks nothing.
public struct NKeySeed: Sendable, CustomStringConvertible {
    public let type: NKeyType
    private let privateKey: Curve25519.Signing.PrivateKey
    public let publicKey: NKeyPublicKey

    /// Decodes a seed's text.
    /// - Throws: `NKeyError` (bad base32, length, checksum or prefix; `notASeed` for a public key).
    public init(_ text: some StringProtocol) throws(NKeyError) {
        let body = try NKeyText.decode(text)
        guard body.count == 34 else {
            if let type = NKeyType(rawValue: body[0]) { throw .notASeed(type) }
            throw .invalidPrefix
        }
        guard body[0] & 0xF8 == NKeyText.seedPrefix,
              let type = NKeyType(rawValue: (body[0] & 7) << 5 | body[1] >> 3), body[1] & 7 == 0
        else { throw .invalidPrefix }
        // Any 32 bytes make an Ed25519 key: this initializer cannot fail for that length.
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: body[2...]) else {
            throw .invalidLength(bytes: body.count + 2)
        }
        self.init(type: type, privateKey: key)
    }

    private init(type: NKeyType, privateKey: Curve25519.Signing.PrivateKey) {
        self.type = type
        self.privateKey = privateKey
        publicKey = NKeyPublicKey(type: type, rawRepresentation: Array(privateKey.publicKey.rawRepresentation))
    }

    /// A new random key pair of `type`.
    public static func generate(_ type: NKeyType) -> NKeySeed {
        NKeySeed(type: type, privateKey: Curve25519.Signing.PrivateKey())
    }

    /// Decodes a seed and checks its type.
    /// - Throws: `NKeyError`, `wrongType` when the seed is of another type.
    public init(_ text: some StringProtocol, type expected: NKeyType) throws(NKeyError) {
        try self.init(text)
        guard type == expected else { throw .wrongType(expected: expected, found: type) }
    }

    /// The seed as text (58 characters). A secret: for writing key files, never for messages.
    public var text: String {
        let t = type.rawValue
        return NKeyText.encode(prefix: [NKeyText.seedPrefix | t >> 5, (t & 31) << 3],
                               key: privateKey.rawRepresentation)
    }

    public var description: String { "\(type) nkey \(publicKey.text)" }

    /// The Ed25519 signature (64 bytes) of `message`.
    /// - Throws: what the crypto library throws when it cannot sign (it does not for a valid key).
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        Array(try privateKey.signature(for: message))
    }

    /// The signature of a server's `nonce`: of its text's bytes, as NATS clients sign it.
    public func sign(nonce: String) throws -> [UInt8] {
        try sign(Array(nonce.utf8))
    }

    /// The signature of a nonce's bytes as CONNECT's `sig` carries it: base64url without
    /// padding (nats.go's encoding).
    public func signatureText(ofNonce nonce: [UInt8]) throws -> String {
        Base64URL.encode(try sign(nonce))
    }
}
