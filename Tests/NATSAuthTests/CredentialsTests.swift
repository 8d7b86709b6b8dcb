import Foundation
import TestSupport
import Testing
@testable import NATSAuth

/// A user JWT signed by a fresh account, and the user's seed.
func makeUser(name: String = "alice", expires: Int64? = nil) throws -> (jwt: String, seed: NKeySeed, account: NKeySeed) {
    let account = NKeySeed.generate(.account)
    let user = NKeySeed.generate(.user)
    let claims = JWTClaims(subject: user.publicKey.text, name: name, expires: expires,
                           nats: ["type": "user", "version": 2, "subs": -1, "data": -1, "payload": -1])
    return (try JWT.encode(claims, signedBy: account, issuedAt: 1_700_000_000), user, account)
}

@Suite("NATSAuth: creds and nkey files")
struct CredentialsTests {
    @Test("a creds file as nsc writes it: JWT, seed, claims")
    func decorated() throws {
        let (jwt, seed, _) = try makeUser()
        let text = Credentials.decorated(jwt: jwt, seed: seed)
        let creds = try Credentials.parse(creds: text, file: "u.creds", now: 1_700_000_100)
        #expect(creds.jwt == jwt)
        #expect(creds.seed.publicKey == seed.publicKey)
        #expect(creds.claims?.name == "alice" && creds.claims?.subject == seed.publicKey.text)
        #expect(creds.warnings.isEmpty)
    }

    @Test("CRLF line ends, spaces around lines, commentary and no newline at the end are tolerated")
    func tolerant() throws {
        let (jwt, seed, _) = try makeUser()
        let crlf = Credentials.decorated(jwt: jwt, seed: seed).split(separator: "\n", omittingEmptySubsequences: false)
            .joined(separator: "\r\n")
        #expect(try Credentials.parse(creds: crlf, file: "f", now: nil).jwt == jwt)
        let loose = "# made by hand\n\n  -----BEGIN NATS USER JWT-----  \n\(jwt)  \n------END NATS USER JWT------\n"
            + "some words\n-----BEGIN USER NKEY SEED-----\n\t\(seed.text)\n------END USER NKEY SEED------"
        let creds = try Credentials.parse(creds: loose, file: "f", now: nil)
        #expect(creds.jwt == jwt && creds.seed.publicKey == seed.publicKey)
        // One block, and the seed on a line of its own.
        let bare = "-----BEGIN NATS USER JWT-----\n\(jwt)\n------END NATS USER JWT------\n\(seed.text)\n"
        #expect(try Credentials.parse(creds: bare, file: "f", now: nil).seed.publicKey == seed.publicKey)
    }

    @Test("a missing END line, no JWT block, no seed: each is one error naming the file")
    func malformed() throws {
        let (jwt, seed, _) = try makeUser()
        let noEnd = "-----BEGIN NATS USER JWT-----\n\(jwt)\n\n-----BEGIN USER NKEY SEED-----\n\(seed.text)\n------END USER NKEY SEED------\n"
        #expect(throws: CredentialsError(file: "f.creds", problem: .unterminated(line: 1))) {
            try Credentials.parse(creds: noEnd, file: "f.creds", now: nil)
        }
        let seedNoEnd = "-----BEGIN NATS USER JWT-----\n\(jwt)\n------END NATS USER JWT------\n-----BEGIN USER NKEY SEED-----\n\(seed.text)\n"
        #expect(throws: CredentialsError(file: "f.creds", problem: .unterminated(line: 4))) {
            try Credentials.parse(creds: seedNoEnd, file: "f.creds", now: nil)
        }
        #expect(throws: CredentialsError(file: "f.creds", problem: .noJWT)) {
            try Credentials.parse(creds: "just text\n", file: "f.creds", now: nil)
        }
        #expect(throws: CredentialsError(file: "f.creds", problem: .noSeed(inCreds: true))) {
            try Credentials.parse(creds: "-----BEGIN NATS USER JWT-----\n\(jwt)\n------END NATS USER JWT------\n",
                                  file: "f.creds", now: nil)
        }
        let error = CredentialsError(file: "f.creds", problem: .unterminated(line: 1))
        #expect(error.description.contains("f.creds") && error.description.contains("line 1"))
    }

    @Test("a bad JWT, a JWT of an account, a damaged seed, another user's seed")
    func wrongContent() throws {
        let (jwt, seed, account) = try makeUser()
        func creds(_ j: String, _ s: String) -> String {
            "-----BEGIN NATS USER JWT-----\n\(j)\n------END NATS USER JWT------\n-----BEGIN USER NKEY SEED-----\n\(s)\n------END USER NKEY SEED------\n"
        }
        #expect(throws: CredentialsError.self) { try Credentials.parse(creds: creds("abc.def", seed.text), file: "f", now: nil) }
        do {
            _ = try Credentials.parse(creds: creds("abc.def", seed.text), file: "f", now: nil)
        } catch {
            guard case .jwt = error.problem else { Issue.record("\(error)"); return }
            #expect(error.description == "the user JWT in f is not a valid NATS JWT: it needs three parts separated by dots")
        }
        let accountJWT = try JWT.encode(JWTClaims(subject: account.publicKey.text, nats: ["type": "account", "version": 2]),
                                        signedBy: NKeySeed.generate(.operator), issuedAt: 1)
        #expect(throws: CredentialsError(file: "f", problem: .notUserJWT("account"))) {
            try Credentials.parse(creds: creds(accountJWT, seed.text), file: "f", now: nil)
        }
        var damaged = Array(seed.text)
        damaged[30] = damaged[30] == "Q" ? "R" : "Q"
        #expect(throws: CredentialsError(file: "f", problem: .seed(.invalidChecksum))) {
            try Credentials.parse(creds: creds(jwt, String(damaged)), file: "f", now: nil)
        }
        #expect(throws: CredentialsError(file: "f", problem: .seed(.wrongType(expected: .user, found: .account)))) {
            try Credentials.parse(creds: creds(jwt, account.text), file: "f", now: nil)
        }
        let other = NKeySeed.generate(.user)
        #expect(throws: CredentialsError(file: "f", problem: .seedMismatch(jwtSubject: seed.publicKey.text,
                                                                             seedKey: other.publicKey.text))) {
            try Credentials.parse(creds: creds(jwt, other.text), file: "f", now: nil)
        }
    }

    @Test("an expired user JWT is refused with its expiry time; one not yet expired is not")
    func expiry() throws {
        let exp: Int64 = 1_767_323_045  // 2026-01-02T03:04:05Z
        let (jwt, seed, _) = try makeUser(expires: exp)
        let text = Credentials.decorated(jwt: jwt, seed: seed)
        #expect(throws: CredentialsError(file: "u.creds", problem: .expired(at: exp))) {
            try Credentials.parse(creds: text, file: "u.creds", now: exp)
        }
        #expect(CredentialsError(file: "u.creds", problem: .expired(at: exp)).description
                == "user JWT in u.creds expired at 2026-01-02T03:04:05Z")
        #expect(try Credentials.parse(creds: text, file: "u.creds", now: exp - 1).claims?.expires == exp)
    }

    @Test("nkey seed files: the seed alone, with commentary, decorated; a public key or nothing is refused")
    func nkeyFiles() throws {
        let seed = NKeySeed.generate(.user)
        #expect(try Credentials.parse(nkey: seed.text + "\n", file: "u.nk").seed.publicKey == seed.publicKey)
        #expect(try Credentials.parse(nkey: "# my key\r\n\(seed.text)\r\n", file: "u.nk").jwt == nil)
        let (jwt, credsSeed, _) = try makeUser()
        #expect(try Credentials.parse(nkey: Credentials.decorated(jwt: jwt, seed: credsSeed), file: "u.nk").seed.publicKey
                == credsSeed.publicKey)
        #expect(throws: CredentialsError(file: "u.nk", problem: .seed(.notASeed(.user)))) {
            try Credentials.parse(nkey: seed.publicKey.text + "\n", file: "u.nk")
        }
        #expect(throws: CredentialsError(file: "u.nk", problem: .noSeed(inCreds: false))) {
            try Credentials.parse(nkey: "\n", file: "u.nk")
        }
        #expect(throws: CredentialsError(file: "u.nk", problem: .seed(.wrongType(expected: .user, found: .operator)))) {
            try Credentials.parse(nkey: NKeySeed.generate(.operator).text, file: "u.nk")
        }
    }

    @Test("files: missing, a directory, too open (a warning), private (none); errors never hold the seed")
    func files() throws {
        let dir = try makeTempDir(prefix: "natsauth-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seed = NKeySeed.generate(.user)
        #expect(throws: CredentialsError(file: dir + "/none.nk", problem: .unreadable("No such file or directory"))) {
            try Credentials.load(nkeyFile: dir + "/none.nk")
        }
        #expect(throws: CredentialsError(file: dir, problem: .unreadable("not a regular file"))) {
            try Credentials.load(nkeyFile: dir)
        }
        let path = dir + "/u.nk"
        try writeFile(path, seed.text + "\n", mode: 0o644)
        let open = try Credentials.load(nkeyFile: path)
        #expect(open.warnings == ["permissions 0644 for \(path) are too open: it holds an nkey seed that other "
                                  + "users can read; chmod 600 \(path)"])
        chmod(path, 0o600)
        #expect(try Credentials.load(nkeyFile: path).warnings.isEmpty)
        let (jwt, userSeed, _) = try makeUser(expires: 10)
        let credsPath = dir + "/u.creds"
        try writeFile(credsPath, Credentials.decorated(jwt: jwt, seed: userSeed), mode: 0o600)
        do {
            _ = try Credentials.load(credsFile: credsPath, now: 11)
            Issue.record("an expired JWT was accepted")
        } catch {
            #expect(!error.description.contains(userSeed.text) && !error.description.contains(jwt))
            #expect(error.description == "user JWT in \(credsPath) expired at 1970-01-01T00:00:10Z")
        }
    }
}

@Suite("NATSAuth: JWTs")
struct JWTTests {
    @Test("an encoded JWT has the nkey header, verifies with its issuer, and decodes to its claims")
    func roundTrip() throws {
        let (jwt, seed, account) = try makeUser(name: "bob", expires: 2_000_000_000)
        let parts = jwt.split(separator: ".")
        #expect(parts.count == 3)
        #expect(Base64URL.decode(parts[0]).map { String(decoding: $0, as: UTF8.self) } == #"{"typ":"JWT","alg":"ed25519-nkey"}"#)
        #expect(!jwt.contains("="), "base64url without padding")
        #expect(JWT.isSignatureValid(jwt))
        let claims = try JWT.claims(of: jwt)
        #expect(claims.issuer == account.publicKey.text && claims.subject == seed.publicKey.text)
        #expect(claims.name == "bob" && claims.expires == 2_000_000_000 && claims.issuedAt == 1_700_000_000)
        #expect(claims.type == "user" && claims.nats?["subs"] == -1 && claims.nats?["version"] == 2)
        #expect(claims.id?.isEmpty == false)
        // A changed claim breaks the signature.
        let forged = String(parts[0]) + "." + Base64URL.encode(Array(#"{"sub":"x","nats":{"type":"user"}}"#.utf8))
            + "." + String(parts[2])
        #expect(!JWT.isSignatureValid(forged))
        #expect(try JWT.claims(of: forged).subject == "x", "decoding does not check the signature")
    }

    @Test("the jti differs between different claims")
    func identifiers() throws {
        let a = try JWT.claims(of: try makeUser(name: "a").jwt).id
        let b = try JWT.claims(of: try makeUser(name: "b").jwt).id
        #expect(a != nil && a != b)
    }

    @Test("malformed tokens: parts, base64, header, claims")
    func malformed() {
        let header = Base64URL.encode(Array(#"{"typ":"JWT","alg":"ed25519-nkey"}"#.utf8))
        let claims = Base64URL.encode(Array(#"{"sub":"U"}"#.utf8))
        #expect(throws: JWTError("it needs three parts separated by dots")) { try JWT.claims(of: "a.b") }
        #expect(throws: JWTError("a part is not base64url")) { try JWT.claims(of: "\(header).\(claims).a+b") }
        let hs256 = Base64URL.encode(Array(#"{"typ":"JWT","alg":"HS256"}"#.utf8))
        #expect(throws: JWTError("its header is not a NATS JWT's (alg ed25519-nkey)")) {
            try JWT.claims(of: "\(hs256).\(claims).AA")
        }
        let notJSON = Base64URL.encode(Array("typ=JWT".utf8))
        #expect(throws: JWTError("its header is not JSON")) { try JWT.claims(of: "\(notJSON).\(claims).AA") }
        let notClaims = Base64URL.encode(Array(#"{"exp":"soon"}"#.utf8))
        #expect(throws: JWTError("its claims are not valid JSON claims")) { try JWT.claims(of: "\(header).\(notClaims).AA") }
    }

    @Test("base64url: round trips, padding accepted on decode, standard alphabet refused")
    func base64url() {
        var bytes: [UInt8] = []
        for n in 0...20 {
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && Base64URL.decode(text) == bytes, "\(n)")
            bytes.append(UInt8(truncatingIfNeeded: 250 &+ n &* 3))
        }
        #expect(Base64URL.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64URL.decode("Zm8=") == Array("fo".utf8))
        #expect(Base64URL.decode("+/8") == nil)
        #expect(Base64URL.decode("Z") == nil)
    }

    @Test("UTC text of Unix seconds")
    func utc() {
        #expect(utcText(0) == "1970-01-01T00:00:00Z")
        #expect(utcText(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(utcText(4_102_444_799) == "2099-12-31T23:59:59Z")
        #expect(utcText(-1) == "1969-12-31T23:59:59Z")
    }
}

/// Writes `text` to `path` with exactly `mode` (set after the umask applied).
func writeFile(_ path: String, _ text: String, mode: mode_t) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
    guard fd >= 0 else { throw CredentialsError(file: path, problem: .unreadable("cannot create")) }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    fchmod(fd, mode)
}
