#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What authenticates a user by signature: the seed that signs the server's nonce and, for
/// decentralized auth (a `.creds` file), the user JWT sent with it.
public struct Credentials: Sendable {
    /// The user JWT; nil for an nkey seed file (`--nkey`).
    public let jwt: String?
    /// Its claims (`name`, `sub`, `exp`); nil for an nkey seed file.
    public let claims: JWTClaims?
    /// The user's seed. Never printed: its `description` is the public key.
    public let seed: NKeySeed
    /// The file it came from, for messages.
    public let file: String
    /// Things the user should know that do not stop the connection, one sentence each (a
    /// file others can read). The library prints nothing; the caller shows them.
    public internal(set) var warnings: [String] = []

    /// Reads a creds file (`nsc`'s format; see `parse(creds:file:now:)`).
    /// - Throws: `CredentialsError` naming the file: unreadable, malformed, an expired user
    ///   JWT (when `now`, in Unix seconds, is past its `exp`), a seed of another user.
    public static func load(credsFile path: String, now: Int64?) throws(CredentialsError) -> Credentials {
        let (text, warning) = try readFile(path)
        var credentials = try parse(creds: text, file: path, now: now)
        if let warning { credentials.warnings.append(warning) }
        return credentials
    }

    /// Reads an nkey seed file (`--nkey`; see `parse(nkey:file:)`).
    /// - Throws: `CredentialsError` naming the file: unreadable, no seed, not a user seed.
    public static func load(nkeyFile path: String) throws(CredentialsError) -> Credentials {
        let (text, warning) = try readFile(path)
        var credentials = try parse(nkey: text, file: path)
        if let warning { credentials.warnings.append(warning) }
        return credentials
    }

    /// A creds file's text: the first `-----…-----` block holds the user JWT, the second the
    /// user seed. Lines may end in CRLF and carry spaces around them; anything outside the
    /// blocks is commentary. A file with one block may give the seed on a line of its own.
    /// - Throws: `CredentialsError` for a missing or unterminated block, a bad JWT or seed, a
    ///   JWT that is not a user's, one expired at `now` (Unix seconds; nil skips the check),
    ///   a seed whose public key is not the JWT's subject.
    public static func parse(creds text: String, file: String, now: Int64?) throws(CredentialsError) -> Credentials {
        let lines = Lines(text)
        let blocks = try lines.blocks(file: file)
        guard let jwt = blocks.first else { throw CredentialsError(file: file, problem: .noJWT) }
        let claims: JWTClaims
        do {
            claims = try JWT.claims(of: jwt)
        } catch {
            throw CredentialsError(file: file, problem: .jwt(error))
        }
        guard claims.type == "user" else { throw CredentialsError(file: file, problem: .notUserJWT(claims.type)) }
        if let now, let exp = claims.expires, exp > 0, now >= exp {
            throw CredentialsError(file: file, problem: .expired(at: exp))
        }
        guard let seedText = blocks.count > 1 ? blocks[1] : lines.seedLine() else {
            throw CredentialsError(file: file, problem: .noSeed(inCreds: true))
        }
        let seed = try userSeed(seedText, file: file)
        if let subject = claims.subject, subject != seed.publicKey.text {
            throw CredentialsError(file: file, problem: .seedMismatch(jwtSubject: subject, seedKey: seed.publicKey.text))
        }
        return Credentials(jwt: jwt, claims: claims, seed: seed, file: file)
    }

    /// An nkey seed file's text, read as nats.go reads it: the second block of a decorated
    /// file, else the first line that starts with a seed's `S`.
    /// - Throws: `CredentialsError` for no seed, a bad one, or a seed that is not a user's.
    public static func parse(nkey text: String, file: String) throws(CredentialsError) -> Credentials {
        let lines = Lines(text)
        let blocks = try lines.blocks(file: file)
        guard let seedText = blocks.count > 1 ? blocks[1] : lines.seedLine() else {
            // A public key where the seed belongs is a common mix-up: say so.
            if let key = lines.trimmed.lazy.compactMap({ try? NKeyPublicKey($0) }).first {
                throw CredentialsError(file: file, problem: .seed(.notASeed(key.type)))
            }
            throw CredentialsError(file: file, problem: .noSeed(inCreds: false))
        }
        return Credentials(jwt: nil, claims: nil, seed: try userSeed(seedText, file: file), file: file)
    }

    /// The text of a creds file for `jwt` and `seed`, in the layout `nsc` writes.
    public static func decorated(jwt: String, seed: NKeySeed) -> String {
        """
        -----BEGIN NATS USER JWT-----
        \(jwt)
        ------END NATS USER JWT------

        ************************* IMPORTANT *************************
        NKEY Seed printed below can be used to sign and prove identity.
        NKEYs are sensitive and should be treated as secrets.

        -----BEGIN USER NKEY SEED-----
        \(seed.text)
        ------END USER NKEY SEED------

        *************************************************************

        """
    }

    private static func userSeed(_ text: String, file: String) throws(CredentialsError) -> NKeySeed {
        do {
            return try NKeySeed(text, type: .user)
        } catch {
            throw CredentialsError(file: file, problem: .seed(error))
        }
    }

    /// The text of a file holding a secret (a seed, a JWT: natscli's `file://` values), and a
    /// warning when group or others may read it.
    /// - Throws: `CredentialsError` naming the file: missing, not a regular file, too large.
    public static func readSecretFile(_ path: String) throws(CredentialsError) -> (text: String, warning: String?) {
        try readFile(path)
    }

    /// The file's text, and a warning when group or others may access it (as ssh warns for a
    /// private key). Checked on the open descriptor, so it is the file that was read.
    static func readFile(_ path: String) throws(CredentialsError) -> (String, String?) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CredentialsError(file: path, problem: .unreadable(errnoText())) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CredentialsError(file: path, problem: .unreadable(errnoText())) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw CredentialsError(file: path, problem: .unreadable("not a regular file"))
        }
        let limit = 64 * 1024
        guard info.st_size <= limit else { throw CredentialsError(file: path, problem: .tooLarge(limit: limit)) }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var count = 0
        while count <= limit {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, limit + 1 - count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw CredentialsError(file: path, problem: .unreadable(errnoText())) }
            if n == 0 { break }
            count += n
        }
        guard count <= limit else { throw CredentialsError(file: path, problem: .tooLarge(limit: limit)) }
        let mode = info.st_mode & 0o777
        let warning: String? = if mode & 0o077 != 0 {
            "permissions \(octal(mode)) for \(path) are too open: it holds an nkey seed that other users "
                + "can read; chmod 600 \(path)"
        } else {
            nil
        }
        return (String(decoding: bytes[..<count], as: UTF8.self), warning)
    }

    private static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Why a creds or nkey file cannot be used. Names the file, never its secret.
public struct CredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// Cannot be opened or read: the system's reason.
        case unreadable(String)
        case tooLarge(limit: Int)
        /// No `-----BEGIN NATS USER JWT-----` block.
        case noJWT
        /// A block's opening line (its number, from 1) and content, but no closing line after them.
        case unterminated(line: Int)
        case noSeed(inCreds: Bool)
        case seed(NKeyError)
        case jwt(JWTError)
        /// A JWT of another type (account, operator), or of none.
        case notUserJWT(String?)
        /// The user JWT's `exp`, in Unix seconds, has passed.
        case expired(at: Int64)
        /// The seed is not the key the JWT was issued to.
        case seedMismatch(jwtSubject: String, seedKey: String)
    }

    public var file: String
    public var problem: Problem

    public init(file: String, problem: Problem) {
        self.file = file
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .unreadable(let reason):
            "cannot read the credentials file \(file): \(reason)"
        case .tooLarge(let limit):
            "\(file) is too large for a credentials file (more than \(limit / 1024) KiB)"
        case .noJWT:
            "\(file) is not a creds file: it has no -----BEGIN NATS USER JWT----- block"
        case .unterminated(let line):
            "\(file) is not a valid creds file: the block that opens on line \(line) has no closing ------END …------ line"
        case .noSeed(let inCreds):
            inCreds
                ? "\(file) holds no user seed: it needs a -----BEGIN USER NKEY SEED----- block"
                : "\(file) holds no nkey seed: it needs a line with the user's seed (SU…)"
        case .seed(let error):
            "the seed in \(file) is not usable: \(error)"
        case .jwt(let error):
            "the user JWT in \(file) is \(error)"
        case .notUserJWT(let type):
            "\(file) holds \(type.map { "an \($0) JWT" } ?? "a JWT of no type"), not a user JWT"
        case .expired(let at):
            "user JWT in \(file) expired at \(utcText(at))"
        case .seedMismatch(let subject, let key):
            "the seed in \(file) does not belong to its user JWT (issued to \(subject), the seed is \(key)'s)"
        }
    }
}

/// A file's lines without their `\r`, for the block scan.
private struct Lines {
    let trimmed: [String]

    init(_ text: String) {
        // By bytes: "\r\n" is one Character, so a split on "\n" would not see it.
        let blank: Set<UInt8> = [9, 13, 32]
        trimmed = text.utf8.split(separator: 10, omittingEmptySubsequences: false).map { line in
            let start = line.firstIndex { !blank.contains($0) } ?? line.endIndex
            let end = line.lastIndex { !blank.contains($0) }.map { line.index(after: $0) } ?? start
            return String(decoding: line[start..<max(start, end)], as: UTF8.self)
        }
    }

    private static func isMarker(_ line: String) -> Bool {
        line.count >= 6 && line.hasPrefix("---") && line.hasSuffix("---")
    }

    /// The content of each `---…---` / token / `---…---` block, in order.
    /// - Throws: `unterminated` for an opening line and a token with no closing line.
    func blocks(file: String) throws(CredentialsError) -> [String] {
        var found: [String] = []
        var i = 0
        while i < trimmed.count {
            guard Self.isMarker(trimmed[i]), i + 1 < trimmed.count, !trimmed[i + 1].isEmpty,
                  !Self.isMarker(trimmed[i + 1])
            else {
                i += 1
                continue
            }
            guard i + 2 < trimmed.count, Self.isMarker(trimmed[i + 2]) else {
                throw CredentialsError(file: file, problem: .unterminated(line: i + 1))
            }
            found.append(trimmed[i + 1])
            i += 3
        }
        return found
    }

    /// The first line that looks like a seed (`SU…`, `SA…`, `SO…`).
    func seedLine() -> String? {
        trimmed.first { $0.hasPrefix("SU") || $0.hasPrefix("SA") || $0.hasPrefix("SO") }
    }
}
