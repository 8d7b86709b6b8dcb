#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport
@testable import KvshCLI

/// natscli context files as jsm.go writes them, read by `NATSContext` and `ContextDirectory`
/// (temp directories, no server).
@Suite("natscli context files: reading, names, selection")
struct ContextFileTests {
    /// A context file the way `nats context save` writes it: every key, 2-space indent,
    /// empty strings for unset fields, no trailing newline.
    static func natscliFile(_ set: [String: Any] = [:]) -> String {
        let keys: [(String, Any)] = [
            ("description", ""), ("url", ""), ("socks_proxy", ""), ("token", ""), ("user", ""),
            ("password", ""), ("creds", ""), ("nkey", ""), ("cert", ""), ("key", ""), ("ca", ""),
            ("nsc", ""), ("jetstream_domain", ""), ("jetstream_api_prefix", ""), ("jetstream_event_prefix", ""),
            ("inbox_prefix", ""), ("user_jwt", ""), ("user_seed", ""), ("color_scheme", ""), ("tls_first", false),
            ("windows_cert_store", ""), ("windows_cert_match_by", ""), ("windows_cert_match", ""),
            ("windows_ca_certs_match", NSNull()),
        ]
        let lines = keys.map { key, fallback -> String in
            let value = set[key] ?? fallback
            let text: String = switch value {
            case let flag as Bool: flag ? "true" : "false"
            case is NSNull: "null"
            case let string as String: "\"" + string.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"") + "\""
            default: "\(value)"
            }
            return "  \"\(key)\": \(text)"
        }
        return "{\n" + lines.joined(separator: ",\n") + "\n}"
    }

    private static func env(_ values: [String: String] = [:]) -> (String) -> String? {
        { values[$0].flatMap { $0.isEmpty ? nil : $0 } }
    }

    private static func parse(_ text: String, env: [String: String] = [:]) throws(ContextError) -> NATSContext {
        try NATSContext(name: "dev", path: "/c/dev.json", json: Array(text.utf8), environment: Self.env(env))
    }

    @Test("a natscli file: every connection field read, unknown keys ignored")
    func readsEveryField() throws {
        let text = Self.natscliFile([
            "description": "Dev cluster", "url": "nats://a:4222,nats://b:4222", "user": "alice", "password": "s3cret",
            "token": "tok", "cert": "/p/c.pem", "key": "/p/k.pem", "ca": "/p/ca.pem", "inbox_prefix": "_I.dev",
            "creds": "/p/u.creds", "nkey": "/p/u.nk", "tls_first": true, "jetstream_domain": "hub",
            "jetstream_api_prefix": "$JS.x.API", "color_scheme": "nord",
        ]).replacingOccurrences(of: "\n}", with: ",\n  \"some_future_key\": {\"nested\": [1, 2]}\n}")
        let c = try Self.parse(text)
        #expect(c.description == "Dev cluster")
        #expect(c.url == "nats://a:4222,nats://b:4222")
        #expect((c.user, c.password, c.token) == ("alice", "s3cret", "tok"))
        #expect((c.cert, c.key, c.ca) == ("/p/c.pem", "/p/k.pem", "/p/ca.pem"))
        #expect((c.creds, c.nkey, c.inboxPrefix) == ("/p/u.creds", "/p/u.nk", "_I.dev"))
        #expect(c.tlsFirst && c.jetStreamDomain == "hub" && c.jetStreamAPIPrefix == "$JS.x.API")
    }

    @Test("~ and $VAR are expanded in creds, nkey, cert, key and ca only")
    func expansion() throws {
        let c = try Self.parse(Self.natscliFile([
            "creds": "~/nats/$ACCOUNT.creds", "nkey": "${KEYS}/u.nk", "cert": "~", "key": "$UNSET/k", "ca": "/etc/ca$/x$-.pem",
            "password": "$ACCOUNT~", "token": "~/t", "url": "nats://$HOST:4222",
        ]), env: ["HOME": "/home/me", "ACCOUNT": "acme", "KEYS": "/keys"])
        #expect(c.creds == "/home/me/nats/acme.creds")
        #expect(c.nkey == "/keys/u.nk")
        #expect(c.cert == "/home/me")
        #expect(c.key == "/k")
        #expect(c.ca == "/etc/ca$/x.pem")
        #expect(c.password == "$ACCOUNT~" && c.token == "~/t" && c.url == "nats://$HOST:4222")
    }

    @Test("a malformed file is one error naming the context, the file and the byte",
          arguments: [
            ("{\n  \"url\": \"nats://x\",\n}", "invalid JSON at byte"),
            ("", "invalid JSON at byte 0"),
            ("[1]", "not a JSON object"),
            (#"{"tls_first": "yes"}"#, "\"tls_first\" must be true or false"),
            (#"{"url": 4222}"#, "\"url\" must be a string"),
            (#"{"windows_ca_certs_match": [1]}"#, "\"windows_ca_certs_match\" must be a list of strings"),
          ])
    func malformed(_ text: String, _ detail: String) {
        let error = #expect(throws: ContextError.self) { _ = try Self.parse(text) }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.hasPrefix("context \"dev\": /c/dev.json is not a valid context file: "), "\(message)")
        #expect(message.contains(detail), "\(message)")
    }

    @Test("null leaves a field unset, as Go does")
    func nulls() throws {
        let c = try Self.parse(#"{"url": null, "tls_first": null, "windows_ca_certs_match": ["a"]}"#)
        #expect(c.url == "" && !c.tlsFirst)
    }

    @Test("references kvsh cannot resolve are refused at connect, naming the context and the field")
    func references() throws {
        for (field, value, message) in [
            ("creds", "op://vault/item/creds", "context \"dev\": creds: op:// references are not supported; give a file path"),
            ("creds", "nsc://op/acct/user", "creds: nsc:// references are not supported"),
            ("nkey", "env://SEED", "nkey: env:// references are not supported"),
            ("ca", "data:;base64,AAAA", "ca: data: references are not supported"),
            ("password", "env://PASS", "password: env:// references are not supported; give the value itself"),
            ("token", "file:///run/token", "token: file:// references are not supported"),
            ("nsc", "nsc://op/acct/user", "context \"dev\": the nsc field is not supported"),
        ] {
            let c = try Self.parse(Self.natscliFile([field: value]))
            let error = #expect(throws: ContextError.self) { _ = try c.checkedForConnection() }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains(message), "\(field): \(text)")
            // The message names the scheme, never the value (a secret in a password).
            #expect(field == "nsc" || !text.contains(value), "\(text)")
        }
    }

    @Test("a bare path, file://, a Windows drive and a password with a colon are what they say")
    func plainValues() throws {
        let c = try Self.parse(Self.natscliFile([
            "cert": "file:///etc/nats/c.pem", "key": "C:\\keys\\k.pem", "ca": "/etc/ca.pem",
            "password": "hunter2:x", "token": "ab:cd",
        ])).checkedForConnection()
        #expect(c.cert == "/etc/nats/c.pem")
        #expect(c.key == "C:\\keys\\k.pem")
        #expect(c.ca == "/etc/ca.pem")
        #expect(c.password == "hunter2:x" && c.token == "ab:cd")
    }

    @Test("fields kvsh cannot honour yet fail at connect with one message each; description does not")
    func refused() throws {
        for (field, value) in [("socks_proxy", "socks5://p:1080" as Any),
                               ("windows_cert_store", "user")] {
            let c = try Self.parse(Self.natscliFile([field: value]))
            #expect(throws: ContextError.unsupported(name: "dev", field: field)) { _ = try c.checkedForConnection() }
            #expect("\(ContextError.unsupported(name: "dev", field: field))" == "context \"dev\": \(field) is not supported yet")
        }
        let described = try Self.parse(Self.natscliFile(["description": "just words", "color_scheme": "x",
                                                          "jetstream_event_prefix": "$JS.EVENT"]))
        #expect(try described.checkedForConnection() == described)
    }

    @Test("creds and nkey are files a context may give, one way to authenticate at a time")
    func signatureFiles() throws {
        #expect(try Self.parse(Self.natscliFile(["creds": "file:///p/u.creds"])).checkedForConnection().creds == "/p/u.creds")
        #expect(try Self.parse(Self.natscliFile(["nkey": "/p/u.nk"])).checkedForConnection().nkey == "/p/u.nk")
        let both = try Self.parse(Self.natscliFile(["user": "u", "creds": "/p/u.creds", "nkey": "/p/u.nk"]))
        #expect(throws: ContextError.conflictingCredentials(name: "dev", fields: ["user", "creds", "nkey"])) {
            _ = try both.checkedForConnection()
        }
        // A token may sit beside the way, as in jsm.
        #expect(try Self.parse(Self.natscliFile(["token": "t", "creds": "/p/u.creds"])).checkedForConnection().token == "t")
    }

    @Test("scheme detection follows Go's url.Parse, two letters at least")
    func schemes() {
        #expect(ContextReference.scheme(of: "op://x") == "op")
        #expect(ContextReference.scheme(of: "FILE:///x") == "file")
        #expect(ContextReference.scheme(of: "data:;base64,x") == "data")
        #expect(ContextReference.scheme(of: "c:\\x") == nil)
        #expect(ContextReference.scheme(of: "/a:b") == nil)
        #expect(ContextReference.scheme(of: "p@ss:word") == nil)
        #expect(ContextReference.scheme(of: "1ab:x") == nil)
        #expect(ContextReference.scheme(of: "plain") == nil)
    }

    @Test("names follow jsm's rule", arguments: [
        ("", "the name is empty"), ("a..b", "may not contain \"..\""), ("a/b", "\"/\" or \"\\\""),
        ("a\\b", "\"/\" or \"\\\""),
    ])
    func invalidNames(_ name: String, _ reason: String) {
        let error = #expect(throws: ContextError.self) { try ContextDirectory.validate(name) }
        #expect(error.map { "\($0)" }?.contains(reason) == true, "\(String(describing: error))")
    }

    @Test("dots and spaces are valid names")
    func validNames() throws {
        try ContextDirectory.validate("not.valid json")
        try ContextDirectory.validate("prod-eu_1")
    }

    // MARK: The directory

    private static func directory() throws -> (ContextDirectory, String) {
        let config = try makeTempDir(prefix: "kvsh-context-unit-")
        return (ContextDirectory(root: config + "/nats"), config)
    }

    private static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    private static func mode(_ path: String) -> mode_t? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_mode & 0o777 : nil
    }

    @Test("the root is $XDG_CONFIG_HOME/nats, else ~/.config/nats, else none")
    func root() {
        #expect(ContextDirectory(environment: Self.env(["XDG_CONFIG_HOME": "/x", "HOME": "/h"]))?.root == "/x/nats")
        #expect(ContextDirectory(environment: Self.env(["HOME": "/h"]))?.root == "/h/.config/nats")
        #expect(ContextDirectory(environment: Self.env()) == nil)
        #expect(ContextDirectory(root: "/r/nats").file(for: "dev") == "/r/nats/context/dev.json")
    }

    @Test("ls skips directories, empty files, other files and invalid names; sorted")
    func listing() throws {
        let (dir, _) = try Self.directory()
        for name in ["zeta", "alpha", "mid.dot"] { try Self.write(Self.natscliFile(), to: dir.file(for: name)) }
        try Self.write("", to: dir.file(for: "empty"))
        try Self.write("x", to: dir.contextsDirectory + "/notes.txt")
        try FileManager.default.createDirectory(atPath: dir.contextsDirectory + "/sub.json", withIntermediateDirectories: true)
        #expect(dir.names() == ["alpha", "mid.dot", "zeta"])
        #expect(ContextDirectory(root: "/nonexistent-kvsh/nats").names() == [])
    }

    @Test("the selection is trimmed; empty or missing means none")
    func selectionReading() throws {
        let (dir, _) = try Self.directory()
        #expect(try dir.selection() == nil)
        try Self.write("  dev\n", to: dir.selectionFile)
        #expect(try dir.selection() == "dev")
        try Self.write(" \n", to: dir.selectionFile)
        #expect(try dir.selection() == nil)
    }

    @Test("a missing or unreadable context is one error naming it and its file")
    func loadErrors() throws {
        let (dir, _) = try Self.directory()
        #expect(throws: ContextError.notFound(name: "gone", path: dir.file(for: "gone"), selectedIn: nil)) {
            _ = try dir.load("gone", environment: Self.env())
        }
        let selected = ContextError.notFound(name: "gone", path: "/c/context/gone.json", selectedIn: "/c/context.txt")
        #expect("\(selected)" == "context \"gone\" not found: no file /c/context/gone.json (selected in "
                + "/c/context.txt; 'kvsh context unselect' clears it)")
        try FileManager.default.createDirectory(atPath: dir.file(for: "adir"), withIntermediateDirectories: true)
        let unreadable = #expect(throws: ContextError.self) { _ = try dir.load("adir", environment: Self.env()) }
        let text = unreadable.map { "\($0)" } ?? ""
        #expect(text.hasPrefix("context \"adir\": cannot read \(dir.file(for: "adir")): "), "\(text)")
        #expect(throws: ContextError.invalidName("../x", reason: "it may not contain \"..\"")) {
            _ = try dir.load("../x", environment: Self.env())
        }
    }

    @Test("select writes context.txt and previous-context.txt as natscli does: 0700 dir, 0600 files, no newline")
    func selecting() throws {
        let (dir, config) = try Self.directory()
        try dir.select("first")
        #expect(try String(contentsOfFile: dir.selectionFile, encoding: .utf8) == "first")
        #expect(Self.mode(dir.root) == 0o700)
        #expect(Self.mode(dir.selectionFile) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: dir.previousSelectionFile))
        try dir.select("second")
        #expect(try String(contentsOfFile: dir.selectionFile, encoding: .utf8) == "second")
        #expect(try String(contentsOfFile: dir.previousSelectionFile, encoding: .utf8) == "first")
        #expect(Self.mode(dir.previousSelectionFile) == 0o600)
        try dir.unselect()
        #expect(!FileManager.default.fileExists(atPath: dir.selectionFile))
        #expect(try String(contentsOfFile: dir.previousSelectionFile, encoding: .utf8) == "second")
        try dir.unselect()  // nothing selected: fine
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.root).sorted() == ["previous-context.txt"])
        #expect(FileManager.default.fileExists(atPath: config))
    }
}
