import ArgumentParser
import KeyValue
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `kvsh completion bash|zsh|fish`: the shell's completion script, made from the command table
/// (`CompletionScript`), so it knows every command, alias and option kvsh declares.
///
/// The scripts ask this command for live names: `kvsh completion --buckets [OPTIONS]` and
/// `kvsh completion --keys BUCKET --prefix TEXT [OPTIONS]` (hidden options) print one name a
/// line from the store the options name, within `deadline`. They print nothing, and never
/// ask anything, when the store cannot be reached or does not exist (an embedded store file is
/// never created for a Tab).
struct CompletionCommand: AsyncParsableCommand, DeclaredArguments {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print a completion script for bash, zsh or fish",
        usage: usageLine,
        discussion: """
            bash: source <(kvsh completion bash), e.g. in ~/.bashrc. zsh: source <(kvsh completion \
            zsh) after compinit, or save it as _kvsh in a directory of $fpath. fish: kvsh \
            completion fish > ~/.config/fish/completions/kvsh.fish. The scripts complete commands, \
            options and script files, and bucket names and keys by asking kvsh (with the global \
            options of the line being completed), giving up after 1.5 s.
            """)

    static let usageLine = "kvsh completion bash|zsh|fish"

    @Argument(help: "bash, zsh or fish", completion: .list(CompletionScript.Shell.allCases.map(\.rawValue)))
    var shell: String?

    @Flag(help: .hidden) var buckets = false
    @Option(help: .hidden) var keys: String?
    @Option(help: .hidden) var prefix: String?
    @OptionGroup var global: GlobalOptions

    /// How long the scripts wait for names.
    static let deadline: Duration = .milliseconds(1500)

    func run() async throws {
        if buckets || keys != nil {
            try await printNames()
            return
        }
        guard let name = shell, let shell = CompletionScript.Shell(rawValue: name) else {
            throw ValidationError("name a shell: \(Self.usageLine)")
        }
        Terminal.out(CompletionScript(CommandTable.kvsh).text(for: shell))
    }

    /// The live names; fails quietly (status 1, no message) when there are none to give.
    private func printNames() async throws {
        guard let target = try? StoreBackend.target(global), Self.exists(target) else { throw ExitCode.failure }
        let options = global
        let bucket = keys
        let prefix = prefix ?? ""
        // The lookup is cancelled and awaited past the deadline: the connect, the requests
        // and the key listing all stop on cancellation.
        let lookup = TaskSet()
        let names: [String]? = await firstResult(within: Self.deadline, in: lookup) {
            guard let backend = try? await StoreBackend.open(options) else { return nil }
            let names: [String]?
            if let bucket {
                let filter = CompletionRequest.keyFilter(for: prefix)
                let keys = KeyNames.isValidBucket(bucket)
                    ? try? await backend.store.bucket(bucket).keys(filters: filter.map { [$0] } ?? []) : nil
                names = keys.map { $0.filter { $0.hasPrefix(prefix) && KeyNames.isValidKey($0) } }
            } else {
                let statuses = try? await backend.store.bucketStatuses()
                names = statuses.map { $0.map(\.bucket).filter(KeyNames.isValidBucket) }
            }
            await backend.close()
            return names
        } ?? nil
        await lookup.close()
        guard let names else { throw ExitCode.failure }
        Terminal.out(names.prefix(CompletionCache.maximumItems).map { $0 + "\n" }.joined())
    }

    /// A server is tried; an embedded store only when its file is there.
    private static func exists(_ target: StoreBackend.Target) -> Bool {
        guard case .embedded(let path, _) = target else { return true }
        return access(path, F_OK) == 0
    }
}
