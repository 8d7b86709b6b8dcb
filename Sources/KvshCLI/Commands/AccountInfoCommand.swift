import NATSWire
import ArgumentParser
import JetStream
import KeyValueEmbedded
import KeyValueNATS
import NATSClient
import Shell

struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Account commands", subcommands: [AccountInfoCommand.self])
}

struct AccountInfoCommand: KvshCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show the connection and JetStream usage of this account, or the embedded store")
    @OptionGroup var global: GlobalOptions

    func run() async throws { try await runOneShot() }

    /// Returns the record of `account info --json` (`jetstream` is null when the account has
    /// no JetStream, and then the command fails after printing the connection part).
    func execute(_ ctx: CommandExecution) async throws -> Value {
        let nats: NATSKeyValueStore
        let backend = try await ctx.backend()
        switch backend.kind {
        case .embedded(let embedded): return try await describe(embedded, ctx)
        case .server(let store): nats = store
        }
        let js = nats.js
        let connection = js.connection
        let rtt = try await connection.rtt()
        let info = connection.serverInfo
        let url = connection.connectedURL.map { "\($0)" } ?? ""
        var account: AccountInfo?
        var jsError: JetStreamError?
        do {
            account = try await js.accountInfo()
        } catch let e as JetStreamError {
            jsError = e
        }
        var json = accountJSON(info, url: url, rtt: rtt, account: account)
        if let context = backend.context, case .object(let members) = json {
            json = .object([.init("context", .string(context.name))] + members)
        }
        if ctx.json {
            ctx.write(json.serialized + "\n")
            if account == nil, let jsError { throw jsError }
            return Value(json)
        }
        // The natscli context the connection came from, when one is in use.
        let contextRow: [(label: String, value: String)] = backend.context.map { [("Context", $0.name)] } ?? []
        let connectionSection = AlignedSection(title: "Connection Information", rows: contextRow + [
            ("Client ID", info.clientID.map { String($0) } ?? ""),
            ("Client IP", info.clientIP ?? ""),
            ("RTT", formatRTT(rtt)),
            ("Headers Supported", String(info.headers)),
            ("Maximum Payload", formatBytes(UInt64(max(0, info.maxPayload)))),
            ("Connected URL", url),
            ("Connected Address", "\(info.host):\(info.port)"),
            ("Connected Server ID", info.serverID),
            ("Connected Server Version", info.version),
            ("TLS Connection", String(connection.connectedURL?.scheme == "tls" || info.tlsRequired)),
        ])
        var sections = [connectionSection]
        if let a = account {
            sections.append(AlignedSection(title: "JetStream Account Information", rows: [
                ("Memory", "\(formatBytes(a.memory)) of \(limit(a.limits.maxMemory))"),
                ("Storage", "\(formatBytes(a.storage)) of \(limit(a.limits.maxStorage))"),
                ("Streams", "\(formatInt(a.streams)) of \(count(a.limits.maxStreams))"),
                ("Consumers", "\(formatInt(a.consumers)) of \(count(a.limits.maxConsumers))"),
            ] + (a.domain.map { [("Domain", $0)] } ?? [])))
        }
        ctx.write(renderAlignedSections(heading: "Account Information for \(url)", sections))
        if account == nil {
            if case .noAPI(let prefix)? = jsError {
                ctx.write("\nNo JetStream answers on \(prefix)>\n")
                throw JetStreamError.noAPI(apiPrefix: prefix)
            }
            ctx.write("\nJetStream is not supported in this account\n")
            throw jsError ?? JetStreamError.notEnabled
        }
        return Value(json)
    }

    /// The embedded store: where it is and what it holds. The JSON record has `"store":
    /// "embedded"` and no connection fields.
    private func describe(_ store: EmbeddedKeyValueStore, _ ctx: CommandExecution) async throws -> Value {
        let info = try await store.info()
        let json = JSONValue.object([
            .init("store", .string("embedded")), .init("path", .string(info.path)),
            .init("sqlite_version", .string(info.sqliteVersion)), .init("buckets", .int(Int64(info.buckets))),
            .init("entries", .uint(info.entries)), .init("bytes", .uint(info.bytes)),
            .init("file_bytes", .uint(info.fileBytes)),
        ])
        if ctx.json {
            ctx.write(json.serialized + "\n")
        } else {
            ctx.write(renderAlignedSections(heading: "Account Information for the embedded store", [
                AlignedSection(title: "Embedded Store Information", rows: [
                    ("Path", info.path),
                    ("Storage", "SQLite \(info.sqliteVersion), WAL"),
                    ("Buckets", formatInt(info.buckets)),
                    ("Values Stored", formatInt(info.entries)),
                    ("Bucket Sizes", formatBytes(info.bytes)),
                    ("File Size", formatBytes(info.fileBytes)),
                ]),
            ]))
        }
        return Value(json)
    }

    private func limit(_ n: Int64) -> String { n < 0 ? "Unlimited" : formatBytes(UInt64(n)) }
    private func count(_ n: Int) -> String { n < 0 ? "Unlimited" : formatInt(n) }

    private func formatRTT(_ d: Duration) -> String {
        let micros = d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000
        return micros >= 1000 ? "\(micros / 1000).\(String(format3(micros % 1000)))ms" : "\(micros)µs"
    }

    private func format3(_ n: Int64) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 3 - s.count)) + s
    }

    private func accountJSON(_ info: ServerInfo, url: String, rtt: Duration, account: AccountInfo?) -> JSONValue {
        var members: [JSONValue.Member] = [
            .init("client_id", info.clientID.map { .uint($0) } ?? .null),
            .init("client_ip", .nullable(info.clientIP)),
            .init("rtt_ns", .int(rtt.nanoseconds)),
            .init("headers", .bool(info.headers)),
            .init("max_payload", .int(Int64(info.maxPayload))),
            .init("connected_url", .string(url)),
            .init("server_id", .string(info.serverID)),
            .init("server_version", .string(info.version)),
        ]
        if let a = account {
            members.append(.init("jetstream", .object([
                .init("memory", .uint(a.memory)), .init("storage", .uint(a.storage)),
                .init("streams", .int(Int64(a.streams))), .init("consumers", .int(Int64(a.consumers))),
                .init("max_memory", .int(a.limits.maxMemory)), .init("max_storage", .int(a.limits.maxStorage)),
                .init("max_streams", .int(Int64(a.limits.maxStreams))),
                .init("max_consumers", .int(Int64(a.limits.maxConsumers))),
            ] + (a.domain.map { [.init("domain", .string($0))] } ?? []))))
        } else {
            members.append(.init("jetstream", .null))
        }
        return .object(members)
    }
}
