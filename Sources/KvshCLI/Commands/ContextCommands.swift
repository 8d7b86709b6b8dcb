#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import NATSClient

/// `kvsh context ls|show|select|unselect`: natscli's contexts, read from and selected in the
/// same files as `nats context` (`ContextDirectory`), secrets never shown. A command-line form:
/// the shell keeps the connection it started with.
struct ContextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "context", abstract: "List, show and select natscli's connection contexts",
        usage: usageLine,
        discussion: """
            The contexts natscli keeps in $XDG_CONFIG_HOME/nats/context (default ~/.config): kvsh \
            connects with the selected one, or with --context NAME or $NATS_CONTEXT, unless \
            --store or --no-context is given; connection flags and NATS_* variables override \
            its fields. Passwords, tokens, seeds and URL credentials are masked.
            """,
        subcommands: [ContextList.self, ContextShow.self, ContextSelect.self, ContextUnselect.self])

    static let usageLine = "kvsh context ls|show|select|unselect [<options>]"

    /// The directory the environment names, or the error that it names none.
    static func directory() throws(ContextError) -> ContextDirectory {
        guard let directory = ContextDirectory(environment: StoreBackend.environment) else { throw .noConfigDirectory }
        return directory
    }
}

struct ContextList: AsyncParsableCommand, DeclaredArguments {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List the contexts, the selected one marked with *", aliases: ["list", "l"])
    @Flag(help: "Print the names only, one a line") var names = false
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let directory = try ContextCommand.directory()
        let names = directory.names()
        let selected = try directory.selection()
        if self.names {
            Terminal.out(names.map { $0 + "\n" }.joined())
            return
        }
        // A file that does not parse is listed, not fatal (natscli skips it with a log line).
        var loaded: [(name: String, context: NATSContext?)] = []
        for name in names {
            loaded.append((name, try? directory.load(name, environment: StoreBackend.environment)))
        }
        if global.json {
            let items = loaded.compactMap { entry in
                entry.context.map { context in ContextView.json(context, selected: context.name == selected) }
            }
            Terminal.out(JSONValue.array(items).serialized + "\n")
            return
        }
        guard !names.isEmpty else {
            Terminal.err("No known contexts\n")
            return
        }
        var table = TextTable(title: "Known Contexts", headers: ["Name", "Description"])
        for (name, context) in loaded {
            let description = context?.description ?? "(cannot be read: kvsh context show \(name))"
            table.append([name == selected ? name + "*" : name, description])
        }
        Terminal.out(table.render())
    }
}

struct ContextShow: AsyncParsableCommand, DeclaredArguments {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a context's settings (default: the one kvsh would use)",
        aliases: ["info", "v", "view"])
    @Argument(help: "Context name") var name: String?
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = try loadChosen()
        let selected = try? ContextCommand.directory().selection()
        ContextView.show(context, selected: context.name == selected, json: global.json)
    }

    /// The named context; else the one `--context`, `NATS_CONTEXT` or `context.txt` chooses.
    private func loadChosen() throws(ContextError) -> NATSContext {
        let environment = StoreBackend.environment
        if let name { return try ContextCommand.directory().load(name, environment: environment) }
        switch ConnectionSettings.contextChoice(global, environment: environment) {
        case .none:
            throw .noneSelected
        case .file(let path):
            return try ContextDirectory.load(file: path, environment: environment)
        case .named(let name, _):
            return try ContextCommand.directory().load(name, environment: environment)
        case .selected:
            let directory = try ContextCommand.directory()
            guard let name = try directory.selection() else { throw .noneSelected }
            return try directory.load(name, selectedIn: directory.selectionFile, environment: environment)
        }
    }
}

struct ContextSelect: AsyncParsableCommand, DeclaredArguments {
    static let configuration = CommandConfiguration(
        commandName: "select", abstract: "Select the context kvsh and nats use by default, then show it",
        aliases: ["switch", "set"])
    @Argument(help: "Context name") var name: String
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let directory = try ContextCommand.directory()
        // It must load, as natscli checks; nothing is written otherwise.
        let context = try directory.load(name, environment: StoreBackend.environment)
        try directory.select(name)
        ContextView.show(context, selected: true, json: global.json)
    }
}

struct ContextUnselect: AsyncParsableCommand, DeclaredArguments {
    static let configuration = CommandConfiguration(
        commandName: "unselect", abstract: "Clear the selection: without a server kvsh uses the embedded store")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try ContextCommand.directory().unselect()
    }
}

/// A context as `kvsh context` shows it: secrets masked, URL credentials masked.
enum ContextView {
    /// What a set secret shows as (`ServerURL.redacting`'s mark).
    static let mask = "***"

    private static func masked(_ secret: String) -> String { secret.isEmpty ? "" : mask }

    /// natscli's `context info` block, or the `--json` record; then, on stderr, why kvsh cannot
    /// connect with it (if it cannot) and the variables that override it.
    static func show(_ context: NATSContext, selected: Bool, json: Bool) {
        if json {
            Terminal.out(self.json(context, selected: selected).serialized + "\n")
        } else {
            Terminal.out(renderAlignedSections(heading: "NATS Configuration Context \"\(context.name)\"",
                                               [AlignedSection(title: nil, rows: rows(context))]))
        }
        do {
            _ = try context.checkedForConnection()
        } catch {
            Terminal.err("kvsh: cannot connect with this context: \(ErrorMessage.line(for: error))\n")
        }
        let overrides = ["NATS_URL", "NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "NATS_CREDS", "NATS_NKEY",
                         "NATS_CERT", "NATS_KEY", "NATS_CA",
                         "NATS_JWT", "NATS_SEED", "NATS_TIMEOUT"].filter { StoreBackend.environment($0) != nil }
        if !overrides.isEmpty {
            Terminal.err("kvsh: shell environment overrides in place using \(overrides.joined(separator: ", "))\n")
        }
    }

    /// The rows natscli prints, in its order, only those set.
    static func rows(_ c: NATSContext) -> [(label: String, value: String)] {
        func file(_ path: String) -> String {
            path.isEmpty ? "" : path + (access(path, R_OK) == 0 ? " (OK)" : " (ERROR: cannot read it)")
        }
        let rows: [(label: String, value: String)] = [
            ("Description", c.description), ("Server URLs", ServerURL.redacting(c.url)),
            ("SOCKS5 Proxy", ServerURL.redacting(c.socksProxy)), ("Username", c.user),
            ("Password", masked(c.password)), ("Token", masked(c.token)), ("Credentials", file(c.creds)),
            ("User JWT", masked(c.userJWT)), ("User Seed", masked(c.userSeed)), ("NKey", file(c.nkey)),
            ("Certificate", file(c.cert)), ("Key", file(c.key)), ("CA", file(c.ca)),
            ("TLS First", c.tlsFirst ? "true" : ""), ("JS API Prefix", c.jetStreamAPIPrefix),
            ("JS Domain", c.jetStreamDomain), ("Inbox Prefix", c.inboxPrefix), ("NSC", c.nsc),
            ("Windows Cert Store", c.windowsCertStore), ("Path", c.path),
        ]
        return rows.filter { !$0.value.isEmpty }
    }

    /// Every field, as natscli's `--json` has them (the keys of the file, `name` first), with
    /// the secrets masked; `selected` is kvsh's.
    static func json(_ c: NATSContext, selected: Bool) -> JSONValue {
        .object([
            .init("name", .string(c.name)), .init("description", .string(c.description)),
            .init("url", .string(ServerURL.redacting(c.url))),
            .init("socks_proxy", .string(ServerURL.redacting(c.socksProxy))),
            .init("token", .string(masked(c.token))), .init("user", .string(c.user)),
            .init("password", .string(masked(c.password))), .init("creds", .string(c.creds)),
            .init("nkey", .string(c.nkey)), .init("cert", .string(c.cert)), .init("key", .string(c.key)),
            .init("ca", .string(c.ca)), .init("nsc", .string(c.nsc)),
            .init("jetstream_domain", .string(c.jetStreamDomain)),
            .init("jetstream_api_prefix", .string(c.jetStreamAPIPrefix)),
            .init("inbox_prefix", .string(c.inboxPrefix)), .init("user_jwt", .string(masked(c.userJWT))),
            .init("user_seed", .string(masked(c.userSeed))), .init("tls_first", .bool(c.tlsFirst)),
            .init("windows_cert_store", .string(c.windowsCertStore)),
            .init("path", .string(c.path)), .init("selected", .bool(selected)),
        ])
    }
}
