import JetStream
import NATSClient

/// Where and how to connect, taken field by field from the global options, the environment and
/// a natscli context: a flag beats its environment variable, which beats the context, which
/// beats the default (natscli's order: fisk fills a flag from its variable, and jsm's `WithX`
/// options override a context's field only when given a value). An empty variable is unset.
///
/// A value: `init(options:environment:context:)` reads nothing but its arguments, so the
/// precedence is unit-tested; `resolve` finds and reads the context.
struct ConnectionSettings: Sendable, Equatable {
    /// Comma-separated server URLs; nil when nothing names a server (then kvsh uses the
    /// embedded store). A context without a `url` means natscli's default server.
    var servers: String?
    var user: String?
    var password: String?
    var token: String?
    var tlsca: String?
    var tlscert: String?
    var tlskey: String?
    /// `--tlsfirst` or a context's `tls_first` (natscli has no variable for it).
    var tlsFirst = false
    /// `--inbox-prefix`, else the context's `inbox_prefix` (natscli has no variable for it).
    var inboxPrefix: String?
    /// How `inboxPrefix` is named in a message: the flag, or the context's field.
    var inboxPrefixOrigin = ""
    /// The context's creds and nkey seed files, and its user JWT and seed; `--creds`, `--nkey`,
    /// `--jwt`/`--seed` and their variables are chosen by `SigningCredentials.chosen`, and these
    /// only when nothing above the context chose a way to authenticate
    /// (`contextSigningCredentials`).
    var creds: String?
    var nkey: String?
    var userJWT: String?
    var userSeed: String?
    /// The context in use, checked (`NATSContext.checkedForConnection`); nil for none.
    var context: NATSContext?
    /// Where JetStream's API is, as given: from the flags when either is given, else from the
    /// context (`jetStreamAPIPrefix()` checks it).
    var jetStream = JetStreamLocation()

    /// `--js-domain` and `--js-api-prefix`, or a context's `jetstream_domain` and
    /// `jetstream_api_prefix`: one setting, so a flag replaces both of the context's fields.
    struct JetStreamLocation: Sendable, Equatable {
        var domain: String?
        var apiPrefix: String?
        /// Where they came from, for the messages: nil for the flags, else the context's name.
        var context: String?
    }

    /// The context's creds or nkey file, or its user JWT and seed, when no flag or variable
    /// chose a way to authenticate (`SigningCredentials.chosen` found none, and no user,
    /// password or token is given above the context). A way given above the context replaces
    /// the context's whole way, rather than mixing with it field by field as natscli does
    /// (where a context's `user` beat `--creds`).
    func contextSigningCredentials(_ options: GlobalOptions, environment: (String) -> String?) -> SigningCredentials? {
        let above = [options.user, options.password, options.token,
                     environment("NATS_USER"), environment("NATS_PASSWORD"), environment("NATS_TOKEN")]
        guard !above.contains(where: { $0 != nil }) else { return nil }
        if let creds { return .creds(creds) }
        if let nkey { return .nkey(nkey) }
        if let userJWT, let userSeed, let context {
            let field = "context \(ArgumentError.quoted(context.name)): "
            return .jwtAndSeed(UserJWTAndSeed(jwtName: field + "user_jwt", seedName: field + "user_seed",
                                              jwt: SecretText(userJWT), seed: SecretText(userSeed)))
        }
        return nil
    }

    /// natscli's server when a context names none (`nats.DefaultURL`).
    static let defaultContextServer = "nats://127.0.0.1:4222"

    /// The variables natscli reads for the connection fields kvsh takes, flag by flag. Each
    /// means a server: set with none named, it is an error (`rejectServerVariables`).
    static let serverVariables = ["NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "NATS_CERT", "NATS_KEY", "NATS_CA"]

    init(options: GlobalOptions, environment: (String) -> String?, context: NATSContext?) {
        func pick(_ flag: String?, _ variable: String, _ field: String?) -> String? {
            flag ?? environment(variable) ?? field.flatMap { $0.isEmpty ? nil : $0 }
        }
        servers = pick(options.server, "NATS_URL", context?.url)
        if servers == nil, context != nil { servers = Self.defaultContextServer }
        user = pick(options.user, "NATS_USER", context?.user)
        password = pick(options.password, "NATS_PASSWORD", context?.password)
        token = pick(options.token, "NATS_TOKEN", context?.token)
        tlsca = pick(options.tlsca, "NATS_CA", context?.ca)
        tlscert = pick(options.tlscert, "NATS_CERT", context?.cert)
        tlskey = pick(options.tlskey, "NATS_KEY", context?.key)
        tlsFirst = options.tlsFirst || context?.tlsFirst == true
        if let flag = options.inboxPrefix {
            inboxPrefix = flag
            inboxPrefixOrigin = "--inbox-prefix"
        } else if let context, !context.inboxPrefix.isEmpty {
            inboxPrefix = context.inboxPrefix
            inboxPrefixOrigin = "context \(ArgumentError.quoted(context.name)): inbox_prefix"
        }
        creds = context.flatMap { $0.creds.isEmpty ? nil : $0.creds }
        nkey = context.flatMap { $0.nkey.isEmpty ? nil : $0.nkey }
        userJWT = context.flatMap { $0.userJWT.isEmpty ? nil : $0.userJWT }
        userSeed = context.flatMap { $0.userSeed.isEmpty ? nil : $0.userSeed }
        self.context = context
        if options.jsDomain != nil || options.jsAPIPrefix != nil {
            jetStream = JetStreamLocation(domain: options.jsDomain, apiPrefix: options.jsAPIPrefix)
        } else if let context, !context.jetStreamDomain.isEmpty || !context.jetStreamAPIPrefix.isEmpty {
            jetStream = JetStreamLocation(domain: context.jetStreamDomain.isEmpty ? nil : context.jetStreamDomain,
                                          apiPrefix: context.jetStreamAPIPrefix.isEmpty ? nil : context.jetStreamAPIPrefix,
                                          context: context.name)
        }
    }

    /// Which context the options and the environment choose, in natscli's order: none with
    /// `--no-context`; else `--context`, else `NATS_CONTEXT` (a name, or the path of an
    /// existing `.json` file); else the one selected in `context.txt`.
    enum ContextChoice: Sendable, Equatable {
        case none
        /// `source` is `--context` or `NATS_CONTEXT`, for the messages.
        case named(String, source: String)
        case file(String)
        case selected
    }

    static func contextChoice(_ options: GlobalOptions, environment: (String) -> String?,
                              isFile: (String) -> Bool = ContextDirectory.namesFile) -> ContextChoice {
        if options.noContext { return .none }
        let source = options.context != nil ? "--context" : "NATS_CONTEXT"
        guard let value = options.context ?? environment("NATS_CONTEXT") else { return .selected }
        // A `.json` path that is not there is reported as a missing file: as a name it would
        // only be invalid (a name holds no `/`).
        let isPath = value.hasSuffix(".json") && value.contains("/")
        return isPath || isFile(value) ? .file(value) : .named(value, source: source)
    }

    /// Reads the context the options choose (nothing with `--no-context`) from `directory`
    /// and merges. A selection that names a missing context is an error, and so is a chosen
    /// context that cannot be read or used (`ContextError`); `context.txt` is never changed.
    static func resolve(_ options: GlobalOptions, environment: (String) -> String?,
                        directory: ContextDirectory?) throws(ContextError) -> ConnectionSettings {
        let context: NATSContext?
        switch contextChoice(options, environment: environment) {
        case .none:
            context = nil
        case .file(let path):
            context = try ContextDirectory.load(file: path, environment: environment)
        case .named(let name, _):
            guard let directory else { throw .noConfigDirectory }
            context = try directory.load(name, environment: environment)
        case .selected:
            if let directory, let name = try directory.selection() {
                context = try directory.load(name, selectedIn: directory.selectionFile, environment: environment)
            } else {
                context = nil
            }
        }
        return ConnectionSettings(options: options, environment: environment,
                                  context: try context?.checkedForConnection())
    }

    /// A connection variable set while nothing names a server: an error, never a quiet
    /// switch to the embedded store.
    static func rejectServerVariables(_ environment: (String) -> String?) throws {
        if let name = serverVariables.first(where: { environment($0) != nil }) {
            throw ArgumentError("\(name) is set, which needs a server: give --server URL, set NATS_URL or "
                                + "select a context (without one kvsh uses the embedded store)")
        }
    }

    /// The client options for `servers` (which must be set). Throws `NATSError.invalidURL`
    /// for a bad URL given as an option or variable, `ArgumentError` naming the context for a
    /// bad `url` in it, and naming the flag or the context for a bad inbox prefix.
    func clientOptions() throws -> ClientOptions {
        let list: [ServerURL]
        do {
            list = try ServerURL.list(servers ?? "")
        } catch {
            guard let context, context.url == servers else { throw error }
            throw ArgumentError("context \(ArgumentError.quoted(context.name)): url: \(error.description)")
        }
        var client = ClientOptions(servers: list)
        client.user = user
        client.password = password
        client.token = token
        // One without the other used to be dropped without a word (the handshake then went
        // on with no client certificate).
        if (tlscert == nil) != (tlskey == nil) {
            throw ArgumentError(tlscert == nil
                ? "--tlskey needs --tlscert: give the client certificate and its key together "
                    + "(NATS_CERT and NATS_KEY, or a context's cert and key)"
                : "--tlscert needs --tlskey: give the client certificate and its key together "
                    + "(NATS_CERT and NATS_KEY, or a context's cert and key)")
        }
        if tlsca != nil || tlscert != nil || tlskey != nil || tlsFirst {
            client.tls = TLSOptions(caFile: tlsca, certFile: tlscert, keyFile: tlskey, handshakeFirst: tlsFirst)
        }
        if let inboxPrefix {
            guard Self.isValidInboxPrefix(inboxPrefix) else {
                throw ArgumentError("\(inboxPrefixOrigin) \(ArgumentError.quoted(inboxPrefix)) is not a subject prefix "
                                    + "(dot-separated tokens without wildcards or blanks)")
            }
            client.inboxPrefix = inboxPrefix
        }
        return client
    }

    /// The JetStream API prefix to use, ending in `.`: `$JS.<domain>.API.` for a domain, the
    /// prefix given (a `.` added), or nil for the default `$JS.API.`. Both given is an error
    /// (natscli lets the domain win without a word), and so is a domain with `.`, `*`, `>` or
    /// blanks, or a prefix that is not a subject prefix, naming the flag or the context's field.
    func jetStreamAPIPrefix() throws -> String? {
        let (domainName, prefixName) = jetStream.context == nil
            ? ("--js-domain", "--js-api-prefix") : ("jetstream_domain", "jetstream_api_prefix")
        let source = jetStream.context.map { "context \(ArgumentError.quoted($0)): " } ?? ""
        switch (jetStream.domain, jetStream.apiPrefix) {
        case (nil, nil):
            return nil
        case (_?, _?):
            throw ArgumentError(source + "\(domainName) and \(prefixName) exclude each other: a domain means the "
                                + "API prefix $JS.<domain>.API., so give one of them")
        case (let domain?, nil):
            guard JetStreamContext.isValidDomain(domain) else {
                throw ArgumentError(source + "\(domainName) \(ArgumentError.quoted(domain)) is not a JetStream "
                                    + "domain name (one token: no \".\", \"*\", \">\" or blanks)")
            }
            return JetStreamContext.domainAPIPrefix(domain)
        case (nil, let prefix?):
            let bare = prefix.hasSuffix(".") ? String(prefix.dropLast()) : prefix
            guard Self.isValidInboxPrefix(bare) else {
                throw ArgumentError(source + "\(prefixName) \(ArgumentError.quoted(prefix)) is not a subject prefix "
                                    + "(dot-separated tokens without wildcards or blanks)")
            }
            return bare + "."
        }
    }

    /// nats.go refuses a prefix that is empty, holds a wildcard or ends with a dot; kvsh also
    /// refuses empty tokens and blanks, which would make the inbox subject invalid.
    static func isValidInboxPrefix(_ prefix: String) -> Bool {
        let tokens = prefix.split(separator: ".", omittingEmptySubsequences: false)
        return !prefix.isEmpty && tokens.allSatisfy { token in
            !token.isEmpty && token.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "*" && $0 != ">" }
        }
    }

    /// The servers as they may be shown (credentials masked).
    var shownServers: String { servers.map(ServerURL.redacting) ?? "" }
}
