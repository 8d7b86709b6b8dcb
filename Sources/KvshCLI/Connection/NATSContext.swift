import NATSWire

/// One natscli context (`$XDG_CONFIG_HOME/nats/context/NAME.json`, jsm.go's `natscontext`
/// format): every field that decides where and how to connect, read with `JSONTree` (a cold
/// command with a selected context reads this file; `JSONDecoder` would cost it ~0.6 M
/// instructions).
///
/// An empty string means "not set", as in the file natscli writes (every key present, unset
/// ones empty). Who uses what: `ConnectionSettings` takes `url`, `user`, `password`, `token`,
/// `cert`, `key`, `ca`, `tlsFirst`, `inboxPrefix`, `creds`, `nkey`, `userJWT` with
/// `userSeed`, and `jetStreamDomain`/`jetStreamAPIPrefix`; `description` is only shown
/// (`kvsh context`). The fields in `refusedFields` are carried so that connecting with a
/// context that sets one
/// fails with one message instead of going on without it: kvsh cannot honour them yet.
struct NATSContext: Sendable, Equatable {
    /// The file's base name without `.json`.
    var name: String
    /// The file it was read from.
    var path: String

    var description = ""
    /// Comma-separated server URLs.
    var url = ""
    var user = ""
    var password = ""
    var token = ""
    /// Creds and nkey seed files (paths, `~` and `$VAR` expanded, `file://` taken off).
    var creds = ""
    var nkey = ""
    /// TLS files, expanded as `creds`.
    var cert = ""
    var key = ""
    var ca = ""
    var tlsFirst = false
    var inboxPrefix = ""
    var jetStreamDomain = ""
    var jetStreamAPIPrefix = ""
    var userJWT = ""
    var userSeed = ""
    var socksProxy = ""
    /// The legacy `nsc://operator/account/user` field natscli resolves by running `nsc`.
    var nsc = ""
    var windowsCertStore = ""

    init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    /// The fields a context may set that kvsh does not honour yet, by their JSON keys, with
    /// whether this context sets them. A field leaves this list when kvsh honours it.
    var refusedFields: [(key: String, isSet: Bool)] {
        [("socks_proxy", !socksProxy.isEmpty),
         ("windows_cert_store", !windowsCertStore.isEmpty)]
    }

    /// Reads a context file's bytes. Unknown keys are ignored (natscli's plain unmarshal); a
    /// known key of the wrong type is an error naming it. `environment` expands `$VAR` and `~`
    /// in the file fields, as jsm does (and only there). Values are kept as written otherwise:
    /// `checkedForConnection()` says whether kvsh can connect with them.
    ///
    /// Throws `ContextError.malformed`.
    init(name: String, path: String, json bytes: [UInt8],
         environment: (String) -> String?) throws(ContextError) {
        self.init(name: name, path: path)
        let tree: JSONTree
        do {
            tree = try JSONTree.parse(bytes)
        } catch {
            throw .malformed(name: name, path: path, detail: error.description)
        }
        guard case .object(let members) = tree else {
            throw .malformed(name: name, path: path, detail: "not a JSON object")
        }
        func expanded(_ key: String, _ value: JSONTree) throws(ContextError) -> String {
            ContextReference.expanded(try string(key, value), environment)
        }
        for (key, value) in members {
            switch key {
            case "description": description = try string(key, value)
            case "url": url = try string(key, value)
            case "user": user = try string(key, value)
            case "password": password = try string(key, value)
            case "token": token = try string(key, value)
            case "creds": creds = try expanded(key, value)
            case "nkey": nkey = try expanded(key, value)
            case "cert": cert = try expanded(key, value)
            case "key": self.key = try expanded(key, value)
            case "ca": ca = try expanded(key, value)
            case "tls_first": tlsFirst = try bool(key, value)
            case "inbox_prefix": inboxPrefix = try string(key, value)
            case "jetstream_domain": jetStreamDomain = try string(key, value)
            case "jetstream_api_prefix": jetStreamAPIPrefix = try string(key, value)
            case "user_jwt": userJWT = try string(key, value)
            case "user_seed": userSeed = try string(key, value)
            case "socks_proxy": socksProxy = try string(key, value)
            case "nsc": nsc = try string(key, value)
            case "windows_cert_store": windowsCertStore = try string(key, value)
            case "name", "jetstream_event_prefix", "color_scheme", "windows_cert_match_by", "windows_cert_match":
                // Not for a KV connection (advisories, natscli's colours, matchers without a
                // store); still strings, as natscli requires.
                _ = try string(key, value)
            case "windows_ca_certs_match":
                try stringList(key, value)
            default:
                break
            }
        }
    }

    /// This context as kvsh connects with it: `file://` taken off the file fields. Throws
    /// `ContextError.nscField` for the legacy `nsc` field, `.unsupportedReference` for a
    /// reference kvsh cannot resolve (`op://`, `nsc://`, `env://`, `data:` …; natscli runs
    /// programs or reads variables for them), and `.unsupported` for a field in
    /// `refusedFields`: connecting without it would go elsewhere, or as someone else.
    func checkedForConnection() throws(ContextError) -> NATSContext {
        if !nsc.isEmpty { throw .nscField(name: name) }
        var checked = self
        for (key, text) in [("password", password), ("token", token), ("user_jwt", userJWT), ("user_seed", userSeed)] {
            // natscli takes these as written unless they start with one of its resolvers'
            // schemes (jsm `resolveLiteral`), so `ab:cd` stays a password.
            if let scheme = ContextReference.scheme(of: text), ContextReference.resolverSchemes.contains(scheme),
               !(scheme == "file" && ContextError.valueOrFileFields.contains(key)) {
                throw .unsupportedReference(name: name, field: key, scheme: scheme)
            }
        }
        checked.creds = try filePath("creds", creds)
        checked.nkey = try filePath("nkey", nkey)
        checked.cert = try filePath("cert", cert)
        checked.key = try filePath("key", key)
        checked.ca = try filePath("ca", ca)
        if let refused = refusedFields.first(where: { $0.isSet }) { throw .unsupported(name: name, field: refused.key) }
        // jsm's `Validate`: one way to authenticate (a token may sit beside it).
        let methods = [("user", !user.isEmpty), ("creds", !creds.isEmpty), ("nkey", !nkey.isEmpty),
                       ("user_jwt", !userJWT.isEmpty)].filter(\.1).map(\.0)
        if methods.count > 1 { throw .conflictingCredentials(name: name, fields: methods) }
        // natscli would send a JWT alone as a bearer token and ignore a seed alone: kvsh wants both.
        if userJWT.isEmpty != userSeed.isEmpty {
            throw userJWT.isEmpty ? .missingPartner(name: name, field: "user_seed", partner: "user_jwt")
                                  : .missingPartner(name: name, field: "user_jwt", partner: "user_seed")
        }
        return checked
    }

    /// A bare path, or `file://PATH` without its scheme.
    private func filePath(_ key: String, _ text: String) throws(ContextError) -> String {
        guard let scheme = ContextReference.scheme(of: text) else { return text }
        guard scheme == "file" else { throw .unsupportedReference(name: name, field: key, scheme: scheme) }
        return String(text.dropFirst("file://".count))
    }

    // MARK: Fields

    private func string(_ key: String, _ value: JSONTree) throws(ContextError) -> String {
        switch value {
        case .string(let text): return text
        case .null: return ""  // Go leaves the field empty
        default: throw .malformed(name: name, path: path, detail: "\"\(key)\" must be a string")
        }
    }

    private func bool(_ key: String, _ value: JSONTree) throws(ContextError) -> Bool {
        switch value {
        case .bool(let flag): return flag
        case .null: return false
        default: throw .malformed(name: name, path: path, detail: "\"\(key)\" must be true or false")
        }
    }

    private func stringList(_ key: String, _ value: JSONTree) throws(ContextError) {
        switch value {
        case .null: return
        case .array(let items) where items.allSatisfy({ if case .string = $0 { true } else { false } }): return
        default: throw .malformed(name: name, path: path, detail: "\"\(key)\" must be a list of strings")
        }
    }
}

/// How jsm reads the references in a context's values.
enum ContextReference {
    /// The schemes natscli resolves in literal fields (password, token, JWT, seed).
    static let resolverSchemes: Set<String> = ["file", "op", "nsc", "env", "data"]

    /// The lower-cased scheme `text` starts with, as Go's `url.Parse` finds it (a letter, then
    /// letters, digits, `+`, `-` or `.`, then `:`), when at least two characters long (so
    /// `C:\x` is a path); nil otherwise.
    static func scheme(of text: String) -> String? {
        var scheme = ""
        for scalar in text.unicodeScalars {
            if scalar == ":" { return scheme.count >= 2 ? scheme.lowercased() : nil }
            let isLetter = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
            let isOther = ("0"..."9").contains(scalar) || scalar == "+" || scalar == "-" || scalar == "."
            guard isLetter || (!scheme.isEmpty && isOther) else { return nil }
            scheme.unicodeScalars.append(scalar)
        }
        return nil
    }

    /// `$NAME` and `${NAME}` replaced by the variable (empty when unset, as Go's
    /// `os.ExpandEnv`; a `$` before anything else stays), then a leading `~` or `~/` by `$HOME`.
    static func expanded(_ text: String, _ environment: (String) -> String?) -> String {
        var out = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.hasPrefix("{"), let close = rest.firstIndex(of: "}") {
                out += environment(String(rest[rest.index(after: rest.startIndex)..<close])) ?? ""
                rest = rest[rest.index(after: close)...]
                continue
            }
            // Go's special one-character names (`$*`, `$-` …) too, which are never set here.
            let name = rest.first.map { "*#$@!?-".contains($0) } == true
                ? rest.prefix(1) : rest.prefix { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            if name.isEmpty {
                out += "$"
            } else {
                out += environment(String(name)) ?? ""
                rest = rest[name.endIndex...]
            }
        }
        out += rest
        if out == "~" || out.hasPrefix("~/"), let home = environment("HOME") {
            out = home + out.dropFirst()
        }
        return out
    }
}
