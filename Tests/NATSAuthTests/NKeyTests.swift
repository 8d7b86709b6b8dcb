import Crypto
import Testing
@testable import NATSAuth

/// The seed and key every NATS client library tests with (nkeys' own vector), and its
/// signature of one nonce: decoding and signing here must give the same bytes.
let vectorSeed = "SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU"
let vectorPublicKey = "UCK5N7N66OBOINFXAYC2ACJQYFSOD4VYNU6APEJTAVFZB2SVHLKGEW7L"

@Suite("NATSAuth: base32 and CRC-16")
struct Base32Tests {
    @Test("RFC 4648 test vectors, without padding")
    func vectors() {
        let cases: [(String, String)] = [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"),
                                         ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI")]
        for (plain, encoded) in cases {
            #expect(Base32.encode(Array(plain.utf8)) == encoded)
            #expect(Base32.decode(encoded) == Array(plain.utf8), "\(encoded)")
        }
    }

    @Test("lower case, padding, other characters and impossible lengths are refused")
    func refusals() {
        #expect(Base32.decode("mzxw6") == nil)
        #expect(Base32.decode("MY======") == nil)
        #expect(Base32.decode("MZXW6 ") == nil)
        #expect(Base32.decode("MZ0W6") == nil, "0 and 1 are not in the alphabet")
        #expect(Base32.decode("M") == nil)
        #expect(Base32.decode("MZX") == nil)
        #expect(Base32.decode("MZXW6Y") == nil)
    }

    @Test("round trips of every length up to 40 bytes")
    func roundTrips() {
        var bytes: [UInt8] = []
        for n in 0...40 {
            #expect(Base32.decode(Base32.encode(bytes)) == bytes, "\(n) bytes")
            bytes.append(UInt8(truncatingIfNeeded: n &* 37 &+ 11))
        }
    }

    @Test("CRC-16/XMODEM check value")
    func crc() {
        #expect(CRC16.checksum(Array("123456789".utf8)) == 0x31C3)
        #expect(CRC16.checksum([]) == 0)
    }
}

@Suite("NATSAuth: nkeys")
struct NKeyTests {
    @Test("the nkeys test vector: public key and signature of a nonce")
    func vector() throws {
        let seed = try NKeySeed(vectorSeed)
        #expect(seed.type == .user)
        #expect(seed.publicKey.text == vectorPublicKey)
        #expect(seed.text == vectorSeed)
        let signature = try seed.sign(nonce: "PXoWU7zWAMt75FY")
        let expected = "ZaAiVDgB5CeYoXoQ7cBCmq+ZllzUnGUoDVb8C7PilWvCs8XKfUchAUhz2P4BYAF++Dg3w05CqyQFRDiGL6LrDw=="
        let urlForm = String(expected.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
        #expect(Base64URL.decode(urlForm) == signature)
        // CONNECT's `sig`: the same signature, base64url without padding.
        #expect(try seed.signatureText(ofNonce: Array("PXoWU7zWAMt75FY".utf8)) == String(urlForm.dropLast(2)))
    }

    @Test("a signature verifies with Crypto's Ed25519 public key, and not for another message")
    func verifiesWithCrypto() throws {
        let seed = NKeySeed.generate(.user)
        let signature = try seed.sign(nonce: "n0nce-text")
        #expect(signature.count == 64)
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: try NKeyPublicKey(seed.publicKey.text).rawRepresentation)
        #expect(key.isValidSignature(signature, for: Array("n0nce-text".utf8)))
        #expect(!key.isValidSignature(signature, for: Array("n0nce-texT".utf8)))
        #expect(seed.publicKey.verify(signature: signature, of: Array("n0nce-text".utf8)))
    }

    @Test("each type round-trips with its letters: SO/O, SA/A, SU/U, SN/N, SC/C")
    func types() throws {
        for type in NKeyType.allCases {
            let seed = NKeySeed.generate(type)
            #expect(seed.text.count == 58 && seed.text.hasPrefix("S\(type.letter)"), "\(type)")
            #expect(seed.publicKey.text.count == 56 && seed.publicKey.text.first == type.letter)
            let again = try NKeySeed(seed.text)
            #expect(again.type == type && again.publicKey == seed.publicKey)
            let key = try NKeyPublicKey(seed.publicKey.text)
            #expect(key.type == type && key.text == seed.publicKey.text)
        }
    }

    @Test("a changed character fails the checksum; a cut one fails the length")
    func damaged() {
        var chars = Array(vectorSeed)
        chars[20] = chars[20] == "A" ? "B" : "A"
        #expect(throws: NKeyError.invalidChecksum) { try NKeySeed(String(chars)) }
        #expect(throws: NKeyError.invalidChecksum) { try NKeySeed(String(vectorSeed.dropLast(2))) }
        #expect(throws: NKeyError.invalidLength(bytes: 41)) { try NKeySeed(vectorSeed + "AAAAAAAA") }
        #expect(throws: NKeyError.self) { try NKeySeed(String(vectorSeed.dropLast())) }
        #expect(throws: NKeyError.invalidBase32) { try NKeySeed(vectorSeed.lowercased()) }
        #expect(throws: NKeyError.invalidBase32) { try NKeySeed(vectorSeed + "======") }
        #expect(throws: NKeyError.invalidBase32) { try NKeySeed(" " + vectorSeed) }
        #expect(throws: NKeyError.invalidLength(bytes: 0)) { try NKeySeed("") }
    }

    @Test("a public key is not a seed, a seed not a public key, and the type is checked")
    func wrongKinds() throws {
        #expect(throws: NKeyError.notASeed(.user)) { try NKeySeed(vectorPublicKey) }
        #expect(throws: NKeyError.notAPublicKey) { try NKeyPublicKey(vectorSeed) }
        let account = NKeySeed.generate(.account)
        #expect(throws: NKeyError.wrongType(expected: .user, found: .account)) {
            try NKeySeed(account.text, type: .user)
        }
        #expect(NKeyError.wrongType(expected: .user, found: .account).description
                == "an account key where a user key is needed")
    }

    @Test("an unknown prefix with a valid checksum is refused")
    func unknownPrefix() {
        // Type byte 8 << 3 is no nkey type; build the key with a correct CRC around it.
        let text = NKeyText.encode(prefix: [64], key: [UInt8](repeating: 7, count: 32))
        #expect(throws: NKeyError.invalidPrefix) { try NKeyPublicKey(text) }
        let seedLike = NKeyText.encode(prefix: [NKeyText.seedPrefix, 9 << 3], key: [UInt8](repeating: 7, count: 32))
        #expect(throws: NKeyError.invalidPrefix) { try NKeySeed(seedLike) }
        let notSeed = NKeyText.encode(prefix: [8, 0], key: [UInt8](repeating: 7, count: 32))
        #expect(throws: NKeyError.invalidPrefix) { try NKeySeed(notSeed) }
    }

    @Test("no description or error text holds the seed")
    func secretsStayOut() throws {
        let seed = try NKeySeed(vectorSeed)
        #expect(!"\(seed)".contains(vectorSeed) && "\(seed)".contains(vectorPublicKey))
        #expect(!String(reflecting: seed).contains(String(vectorSeed.dropFirst(2).prefix(20))))
        let errors: [NKeyError] = [.invalidBase32, .invalidLength(bytes: 3), .invalidChecksum, .invalidPrefix,
                                   .notASeed(.user), .notAPublicKey, .wrongType(expected: .user, found: .operator)]
        for error in errors { #expect(!error.description.contains("SU"), "\(error)") }
    }
}
