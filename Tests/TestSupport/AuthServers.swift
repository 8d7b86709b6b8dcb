// Servers that authenticate by signature, for the creds and nkey tests: nkey users, and
// operator mode (decentralized auth) with keys and JWTs made here, no `nsc` needed.

import Foundation
import NATSAuth

/// A JetStream server whose only users are nkey users (`authorization { users = [{nkey: U…}] }`).
public final class NKeyUserServer: Sendable {
    public let server: NATSServerProcess
    /// The user the server knows.
    public let user: NKeySeed

    public init() throws {
        let user = NKeySeed.generate(.user)
        server = try NATSServerProcess(config: """
            authorization { users = [ { nkey: "\(user.publicKey.text)" } ] }
            """)
        self.user = user
    }

    public func stop() { server.stop() }
}

/// A JetStream server in operator mode: an operator, a system account, and an account with
/// JetStream enabled (unlimited storage), all preloaded into a memory resolver. Users are
/// made with `user(…)`.
public final class OperatorServer: Sendable {
    public let server: NATSServerProcess
    public let operatorKey: NKeySeed
    public let systemAccount: NKeySeed
    /// The account users are issued in, with JetStream.
    public let account: NKeySeed

    /// JWTs are dated from now; the server refuses one issued in the future, so "now" is a
    /// minute back against clock differences.
    static var now: Int64 { Int64(Date().timeIntervalSince1970) - 60 }

    public init() throws {
        let op = NKeySeed.generate(.operator)
        let sys = NKeySeed.generate(.account)
        let account = NKeySeed.generate(.account)
        let operatorJWT = try JWT.encode(
            JWTClaims(subject: op.publicKey.text, name: "test-operator",
                      nats: ["type": "operator", "version": 2, "system_account": .string(sys.publicKey.text)]),
            signedBy: op, issuedAt: Self.now)
        let sysJWT = try JWT.encode(
            JWTClaims(subject: sys.publicKey.text, name: "SYS",
                      nats: ["type": "account", "version": 2, "limits": Self.accountLimits(jetstream: false)]),
            signedBy: op, issuedAt: Self.now)
        let accountJWT = try JWT.encode(
            JWTClaims(subject: account.publicKey.text, name: "APP",
                      nats: ["type": "account", "version": 2, "limits": Self.accountLimits(jetstream: true)]),
            signedBy: op, issuedAt: Self.now)
        server = try NATSServerProcess(config: """
            server_name: op1
            operator: "\(operatorJWT)"
            system_account: \(sys.publicKey.text)
            resolver: MEMORY
            resolver_preload: {
              \(sys.publicKey.text): "\(sysJWT)"
              \(account.publicKey.text): "\(accountJWT)"
            }
            """)
        operatorKey = op
        systemAccount = sys
        self.account = account
    }

    /// What an account JWT must say: a limit left out is 0, which the server enforces
    /// (no connections, no subscriptions); JetStream is on when storage is non-zero.
    static func accountLimits(jetstream: Bool) -> JSONValue {
        var limits: [String: JSONValue] = ["subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
                                           "wildcards": true, "conn": -1, "leaf": -1]
        if jetstream {
            limits["mem_storage"] = -1
            limits["disk_storage"] = -1
        }
        return .object(limits)
    }

    /// A new user of `issuer` (default: this server's JetStream account), expiring at
    /// `expires` (Unix seconds) when given, and the text of its creds file.
    public func user(name: String = "app-user", expires: Int64? = nil, issuer: NKeySeed? = nil)
        throws -> (creds: String, jwt: String, seed: NKeySeed) {
        let seed = NKeySeed.generate(.user)
        let claims = JWTClaims(subject: seed.publicKey.text, name: name, expires: expires,
                               nats: ["type": "user", "version": 2, "subs": -1, "data": -1, "payload": -1])
        let jwt = try JWT.encode(claims, signedBy: issuer ?? account, issuedAt: Self.now)
        return (Credentials.decorated(jwt: jwt, seed: seed), jwt, seed)
    }

    public func stop() { server.stop() }
}

/// Writes `text` to `path`, readable by its owner only unless `mode` says otherwise.
public func writeSecretFile(_ path: String, _ text: String, mode: Int16 = 0o600) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
}
