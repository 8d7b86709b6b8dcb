import ArgumentParser

/// Connection options every command accepts (natscli's names), and `--store` for the
/// embedded store that is used when no server is given.
struct GlobalOptions: DeclaredArguments {
    @Option(name: [.customShort("s"), .long], help: "NATS server URLs, comma separated (default: $NATS_URL)")
    var server: String?

    @Option(help: "Embedded store file, used when no server is given (default: $XDG_DATA_HOME/kvsh/store.db)",
            completion: .file(extensions: []))
    var store: String?

    @Option(help: "User name") var user: String?
    @Option(help: "Password") var password: String?
    @Option(help: "Authentication token") var token: String?
    @Option(help: "User credentials file (default: $NATS_CREDS)", completion: .file(extensions: []))
    var creds: String?
    @Option(help: "User NKEY seed file (default: $NATS_NKEY)", completion: .file(extensions: []))
    var nkey: String?
    @Option(help: "User JWT, with --seed: the JWT itself or file://PATH (default: $NATS_JWT)")
    var jwt: String?
    @Option(help: "The user's seed for --jwt: the seed itself or file://PATH (default: $NATS_SEED)")
    var seed: String?
    @Option(help: "CA certificate (PEM) to verify the server", completion: .file(extensions: [])) var tlsca: String?
    @Option(help: "Client certificate (PEM)", completion: .file(extensions: [])) var tlscert: String?
    @Option(help: "Client private key (PEM)", completion: .file(extensions: [])) var tlskey: String?
    @Flag(name: [.customLong("tlsfirst"), .long],
          help: "TLS handshake before the server's INFO, for servers with handshake_first (implies TLS)")
    var tlsFirst = false
    @Option(help: "Prefix of the reply subjects (default: _INBOX), for permissions that allow other replies")
    var inboxPrefix: String?

    // JetStream in another domain or behind an account's API prefix (natscli's flags; no
    // variables, as in natscli). `--domain` is natscli's hidden alias, shown here.
    @Option(name: [.customLong("js-domain"), .customLong("domain")],
            help: ArgumentHelp("JetStream domain to use (its API is $JS.<domain>.API.)", valueName: "domain"))
    var jsDomain: String?
    @Option(name: .customLong("js-api-prefix"),
            help: ArgumentHelp("JetStream API prefix to use, e.g. one an account imports", valueName: "prefix"))
    var jsAPIPrefix: String?

    /// nil when not given, so `NATS_TIMEOUT` can stand in (`StoreBackend.resolved`).
    @Option(help: "Time to wait for the server and for each request, e.g. 5s, 500ms (default: $NATS_TIMEOUT, else 5s)")
    var timeout: String?

    @Flag(help: "Print machine-readable JSON") var json = false

    @Flag(help: "Trace the protocol traffic and JetStream API calls on stderr") var trace = false

    @Option(help: ArgumentHelp("natscli context to connect with: a name, or a .json file (default: $NATS_CONTEXT, "
                               + "else the selected one)", valueName: "name"))
    var context: String?

    @Flag(help: "Use no natscli context (neither --context, $NATS_CONTEXT nor the selected one)")
    var noContext = false

    /// When neither `--timeout` nor `NATS_TIMEOUT` is given, as natscli.
    static let defaultTimeout: Duration = .seconds(5)

    /// The one option declared here that a shell line may give: each command picks its own
    /// output format. Every other one sets up the shell's one connection, made at start-up.
    static let perLineFlag = "--json"

    /// How the options declared here that take a value are typed (`-s`, `--server`, …), and
    /// the flags (`--json`), from the declaration: for moving global options given before the
    /// command, and for the options a shell line may not give (`ShellHost`).
    static var valued: [String] { spellings(of: .option) }
    static var flags: [String] { spellings(of: .flag) + [noStartupFile] }

    private static func spellings(of kind: ArgumentDeclaration.Kind) -> [String] {
        if let form = FastForm<GlobalOptions>.cached {
            return form.fields.filter { $0.declaration.kind == kind }.flatMap { $0.spellings + $0.negatedSpellings }
        }
        // A property of a type the fast path does not read: the slower reader still knows it.
        return CommandTable.arguments(of: GlobalOptions.self).filter { $0.kind == kind }.flatMap(\.spellings)
    }

    /// Interactive shell only: skip `$XDG_CONFIG_HOME/kvsh/kvshrc` (declared on `KvshRoot`).
    /// Taken out of the words before they are parsed, so it is not offered by every command's
    /// help.
    static let noStartupFile = "--" + KvshRoot.noStartupFileName

    /// This declaration's option rows as its generated help shows them (`--help` left out), for
    /// the root's help.
    static let optionsHelp: String = HelpText.optionRows(helpMessage(columns: 78))
        .filter { !$0.names.contains("--help") }
        .flatMap(\.lines).joined(separator: "\n")

}
