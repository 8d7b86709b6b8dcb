import ArgumentParser

/// Connection options every command accepts (natscli's names), and `--store` for the
/// embedded store that is used when no server is given.
struct GlobalOptions: ParsableArguments {
    @Option(name: [.customShort("s"), .long], help: "NATS server URLs, comma separated (default: $NATS_URL)")
    var server: String?

    @Option(help: "Embedded store file, used when no server is given (default: $XDG_DATA_HOME/kvsh/store.db)")
    var store: String?

    @Option(help: "User name") var user: String?
    @Option(help: "Password") var password: String?
    @Option(help: "Authentication token") var token: String?
    @Option(help: "CA certificate (PEM) to verify the server") var tlsca: String?
    @Option(help: "Client certificate (PEM)") var tlscert: String?
    @Option(help: "Client private key (PEM)") var tlskey: String?

    @Option(help: "Time to wait for the server and for each request, e.g. 5s, 500ms")
    var timeout: String = defaultTimeout

    @Flag(help: "Print machine-readable JSON") var json = false

    @Flag(help: "Trace the protocol traffic and JetStream API calls on stderr") var trace = false

    static let defaultTimeout = "5s"

    /// Options that take a value, for moving global options given before the command.
    static let valued: Set<String> = ["-s", "--server", "--store", "--user", "--password", "--token", "--tlsca",
                                      "--tlscert", "--tlskey", "--timeout"]
    static let flags: Set<String> = ["--json", "--trace", noStartupFile]

    /// Interactive shell only: skip `$XDG_CONFIG_HOME/kvsh/kvshrc`. Taken out of the words
    /// before they are parsed, so it is not offered by every command's help.
    static let noStartupFile = "--norc"

    /// This declaration's option rows as its generated help shows them (`--help` left out), for
    /// the root's help.
    static let optionsHelp: String = HelpText.optionRows(helpMessage(columns: 78))
        .filter { !$0.names.contains("--help") }
        .flatMap(\.lines).joined(separator: "\n")

    /// The names of the options declared here that take a value (the connection options, which
    /// a shell line may not give), read from the declaration's generated help.
    static func declaredValuedNames() -> Set<String> {
        Set(HelpText.optionRows(helpMessage(columns: 200)).filter(\.takesValue).flatMap(\.names))
    }
}
