import Shell

/// The shell commands of hooks — `on`, `hooks`, `off ID`, `wait` — for a `CommandHost` to
/// route to: `run` answers the words these start with and returns nil for any other.
public struct HookCommands: Sendable {
    public let registry: HookRegistry

    public init(registry: HookRegistry) { self.registry = registry }

    /// The words that start hook commands, for routing, completion and help.
    public static let names = ["on", "hooks", "off", "wait"]

    /// Runs a hook command; nil when `words` is not one.
    public func run(_ words: [String], context: CommandContext) async throws -> CommandResult? {
        guard let name = words.first, Self.names.contains(name) else { return nil }
        let arguments = Array(words.dropFirst())
        switch name {
        case "on":
            let spec = try HookSpec.parse(arguments, block: context.block, errorMessage: registry.errorMessage)
            let id = try await registry.register(spec)
            if !context.isCaptured { context.output.write("\(id)\n") }
            return CommandResult(.int(id))
        case "hooks":
            guard arguments.isEmpty else { throw usage("hooks", "takes no arguments") }
            let hooks = registry.list()
            if !context.isCaptured { context.output.write(Self.table(hooks)) }
            return CommandResult(.list(hooks.map { .record(Self.record($0)) }))
        case "off":
            guard arguments.count == 1, let id = Int(arguments[0]) else {
                throw usage("off", arguments.isEmpty ? "expected a hook id" : "expected one hook id, a number")
            }
            guard await registry.remove(id) else {
                throw CommandError("off: there is no hook \(id) ('hooks' lists them)")
            }
            return CommandResult()
        default:
            guard arguments.isEmpty else { throw usage("wait", "takes no arguments") }
            guard !registry.isEmpty else {
                throw CommandError("wait: no hooks are registered, so there is nothing to serve")
            }
            try await registry.serve()
            if let failure = Self.failureAfterServing(registry) { throw failure }
            return CommandResult()
        }
    }

    /// Exit status of `wait` and `kvsh serve` when hooks were served until a stop but some
    /// event's runs failed for good (docs/hooks.md).
    public static let failedEventsStatus: Int32 = 3

    /// The failure `wait` and `kvsh serve` end with when an event failed for good; nil when
    /// every event was handled.
    public static func failureAfterServing(_ registry: HookRegistry) -> CommandError? {
        let failed = registry.failedEvents
        guard failed > 0 else { return nil }
        return CommandError("hooks stopped; \(failed) event\(failed == 1 ? "" : "s") failed for good "
                            + "(the messages above say which)", status: failedEventsStatus)
    }

    private func usage(_ name: String, _ problem: String) -> CommandError {
        CommandError("\(name): \(problem) (usage: \(Self.usage[name] ?? name))", status: HookSpec.usageStatus)
    }

    static let usage = [
        "on": HookSpec.usage, "hooks": "hooks", "off": "off ID", "wait": "wait",
    ]

    /// Help for `help on`, `help hooks`, … (nil for other topics).
    public static func help(for topic: [String]) -> String? {
        guard topic.count == 1, let usage = usage[topic[0]] else { return nil }
        let text: String
        switch topic[0] {
        case "on":
            text = "Runs a shell command or a { … } block for each matching change of BUCKET, in revision order, "
                + "and prints the hook's id. The command text is fixed now; the event reaches it only as "
                + "KVSH_OP, KVSH_BUCKET, KVSH_KEY, KVSH_REVISION, KVSH_CREATED, KVSH_VALUE (text up to 4 KiB) "
                + "and the value on stdin. A block sees $event (key value revision created op bucket). "
                + "--timeout stops a run's whole process group, --retry N retries failures with growing pauses, "
                + "--initial also fires for the current values, --durable NAME keeps the last handled revision "
                + "in bucket kvsh_hooks and resumes after it, --parallel N runs up to N events at once "
                + "(each key's in order), --group NAME shares the events with every process that joins NAME "
                + "on the same bucket (--lease DUR: how soon a dead member's share is taken over). See docs/hooks.md."
        case "hooks":
            text = "Lists the hooks with their counters: runs fired, failed, last revision handled, events pending."
        case "off":
            text = "Removes a hook: no new runs; a run under way may finish (bounded)."
        default:
            text = "Serves the hooks until SIGINT or SIGTERM, then stops them cleanly (no new runs, a run under "
                + "way may finish) and goes on with status 0. Ctrl-C at the prompt returns to the prompt."
        }
        let synopsis = topic[0] == "on"
            ? "usage: on put|del|purge|any BUCKET [KEY-PATTERN] [OPTIONS] run 'SHELL COMMAND'\n"
                + "       on put|del|purge|any BUCKET [KEY-PATTERN] [OPTIONS] { … }\n"
                + "options: --timeout DUR, --retry N, --initial, --durable NAME, --parallel N,\n"
                + "         --group NAME, --lease DUR\n"
            : "usage: \(usage)\n"
        return synopsis + "\n" + ShellSession.wrap(text)
    }

    static func record(_ info: HookRegistry.Info) -> Record {
        Record([
            ("id", .int(info.id)), ("op", .string(info.trigger)), ("bucket", .string(info.bucket)),
            ("keys", .string(info.pattern ?? ">")), ("run", .string(info.action)),
            ("durable", info.durable.map { .string($0) } ?? .null),
            ("fired", .int(info.fired)), ("failed", .int(info.failed)),
            ("last_revision", info.lastRevision.map { .int(Int(clamping: $0)) } ?? .null),
            ("pending", .int(Int(clamping: info.pending))),
            ("group", info.group.map { .string($0) } ?? .null),
            ("member", info.member.map { .string($0) } ?? .null),
            ("partitions", .list(info.partitions.map { .int($0) })),
            ("members", .list(info.members.map { .string($0) })),
        ])
    }

    /// `hooks` as a table; the command text is cut to keep one line per hook.
    static func table(_ hooks: [HookRegistry.Info]) -> String {
        guard !hooks.isEmpty else { return "no hooks\n" }
        let header = ["ID", "OP", "BUCKET", "KEYS", "FIRED", "FAILED", "LAST REVISION", "PENDING", "RUN"]
        let rows = hooks.map { h -> [String] in
            var run = h.action.map { $0 == "\n" || $0 == "\t" ? " " : $0 }.map(String.init).joined()
            if run.count > 40 { run = String(run.prefix(39)) + "…" }
            if let durable = h.durable { run += " (durable \(durable))" }
            if let group = h.group {
                let owned = h.partitions.isEmpty ? "none" : h.partitions.map(String.init).joined(separator: ",")
                run += " (group \(group): partitions \(owned) of \(GroupPlan.partitionCount), "
                    + "\(h.members.count) member\(h.members.count == 1 ? "" : "s"))"
            }
            return [String(h.id), h.trigger, h.bucket, h.pattern ?? ">", String(h.fired), String(h.failed),
                    h.lastRevision.map(String.init) ?? "-", String(h.pending), run]
        }
        let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ") + "\n"
        }
        return ([header] + rows).map(line).joined()
    }
}
