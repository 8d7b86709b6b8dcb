import Hooks
import KeyValue
import Shell
import Synchronization

// Tab completion for the prompt. `completions(line:cursor:host:currentBucket:)` follows the
// LineEditor contract: it returns replacements for the word before the cursor (the text after
// the last whitespace), ending in a space when the word is complete and left open otherwise
// (`users.` when more key levels follow).

/// Candidates for completing the word before `cursor` (an offset in `Character`s) in `line`:
/// command words (built-ins, keywords, `kv`, `account`, and the bucket commands after `use`),
/// the commands of a group and their aliases, the options of the command being typed (all from
/// `table`), bucket names and keys from the live store (fetched through `host`, cached for
/// about 2 s, at most 1,000 per list, and given up on after `deadline`, so Tab never hangs on a
/// slow server).
///
/// - Parameter currentBucket: the session's `use` bucket, which `put K`, `get K`… work on.
func completions(line: String, cursor: Int, host: ShellHost, currentBucket: String? = nil,
                 deadline: Duration = .milliseconds(1500), table: CommandTable = .kvsh) async -> [String] {
    let request = CompletionRequest(String(line.prefix(max(0, cursor))), currentBucket: currentBucket, table: table)
    let candidates: [String]
    switch request.slot {
    case .none:
        return []
    case .words(let words):
        candidates = words.filter { $0.hasPrefix(request.partial) }.map { $0 + " " }
    case .bucket:
        let names = await firstResult(within: deadline, in: host.lookups) { try? await host.cachedBucketNames() } ?? nil
        candidates = (names ?? []).filter { $0.hasPrefix(request.partial) }.map { $0 + " " }
    case .key(let bucket):
        let filter = CompletionRequest.keyFilter(for: request.partial)
        let keys = await firstResult(within: deadline, in: host.lookups) {
            try? await host.cachedKeys(bucket: bucket, filter: filter, prefix: request.partial)
        } ?? nil
        candidates = CompletionRequest.keyCandidates(keys ?? [], partial: request.partial)
    }
    var seen = Set<String>()
    return candidates.filter { seen.insert($0).inserted }.map { request.lead + $0 }
}

/// What the text before the cursor asks to complete.
struct CompletionRequest: Equatable {
    /// What kind of word goes where the cursor is.
    enum Slot: Equatable {
        /// Nothing known (a value, a variable, inside quotes).
        case none
        /// One of these fixed words.
        case words([String])
        /// A bucket name.
        case bucket
        /// A key of this bucket.
        case key(String)
    }

    /// The part of the editor's word before the text being completed (`hi;` in `echo hi;kv`):
    /// kept in front of every candidate, since the editor replaces its whole word.
    var lead = ""
    /// The text being completed.
    var partial = ""
    var slot = Slot.none

    /// The `kv` commands' words (names and aliases), as completion offers them.
    static var kvSubcommands: [String] { CommandTable.kvsh.command([KVCommand.commandWord])?.subcommandWords ?? [] }

    init(_ textBeforeCursor: String, currentBucket: String?, table: CommandTable = .kvsh) {
        let editorWord = textBeforeCursor.reversed().prefix { !$0.isWhitespace }.reversed()
        var words = Self.commandWords(textBeforeCursor)
        partial = words.removeLast()
        lead = String(editorWord.dropLast(partial.count))
        guard !partial.contains(where: { "'\"$\\".contains($0) }) else { return }
        slot = Self.slot(words: words, partial: partial, currentBucket: currentBucket, table: table)
    }

    /// The words of the command the cursor is in (the last one being completed, maybe empty):
    /// statement separators and keywords that precede a command are dropped.
    static func commandWords(_ text: String) -> [String] {
        var words: [String] = []
        var word = ""
        var quote: Character?
        func endWord() {
            if !word.isEmpty { words.append(word) }
            word = ""
        }
        for c in text {
            if let open = quote {
                word.append(c)
                if c == open { quote = nil }
            } else if c == "'" || c == "\"" {
                word.append(c)
                quote = c
            } else if c.isWhitespace {
                endWord()
            } else if ";{}&|".contains(c) {
                endWord()
                words = []
            } else {
                word.append(c)
            }
        }
        if quote != nil { return ["\"" + word] }  // inside quotes: nothing to offer
        words.append(word)
        // What starts a command: `!`, `if`, `elif`, `while`, `else`, `let NAME =`, `nats`.
        while words.count > 1 {
            if ["!", "if", "elif", "while", "else", "nats"].contains(words[0]) {
                words.removeFirst()
            } else if words[0] == "let", words.count > 3, words[2] == "=" {
                words.removeFirst(3)
            } else {
                break
            }
        }
        return words
    }

    private static func slot(words: [String], partial: String, currentBucket: String?, table: CommandTable) -> Slot {
        let groups = table.shellGroups
        guard let first = words.first else {
            var names = groups.map(\.name) + ["nats"] + HookCommands.names + ShellSession.builtinNames
                + ["if", "while", "for", "let"]
            if currentBucket != nil { names += ShellSession.bucketCommandNames }
            return .words(names.sorted())
        }
        if let group = groups.first(where: { $0.words.contains(first) }) {
            if words.count == 1 { return .words(group.subcommandWords) }
            guard let command = group.subcommand(words[1]) else { return .none }
            return slot(command: command, arguments: Array(words.dropFirst(2)), partial: partial, bucket: nil)
        }
        switch first {
        case "use":
            return words.count == 1 ? .bucket : .none
        case "on":
            // on OP BUCKET …
            if words.count == 1 { return .words(HookSpec.Trigger.allCases.map(\.rawValue)) }
            return words.count == 2 ? .bucket : .none
        case "help":
            if words.count == 1 {
                return .words((groups.map(\.name) + HookCommands.names + ShellSession.builtinNames
                               + ShellSession.keywordNames).sorted())
            }
            let group = words.count == 2 ? groups.first { $0.words.contains(words[1]) } : nil
            return group.map { .words($0.subcommandWords) } ?? .none
        default:
            // The `use` bucket's commands are the `kv` commands of the same name.
            guard let bucket = currentBucket, ShellSession.bucketCommandNames.contains(first),
                  let command = table.command([KVCommand.commandWord, first]) else { return .none }
            return slot(command: command, arguments: Array(words.dropFirst()), partial: partial, bucket: bucket)
        }
    }

    /// The slot after `kv COMMAND ARGUMENTS…` (or `COMMAND ARGUMENTS…` on the `use` bucket):
    /// what the command's declaration says goes there.
    private static func slot(command: CommandTable.Command, arguments: [String], partial: String,
                             bucket: String?) -> Slot {
        if partial.hasPrefix("-") { return .words(command.shellOptionWords) }
        let options = command.arguments(.option)
        // Skip options (and the values of those that take one) to count positionals.
        var positional: [String] = bucket.map { [$0] } ?? []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word.hasPrefix("-") {
                if let option = options.first(where: { $0.spellings.contains(word) }) {
                    if index + 1 == arguments.count {
                        if case .list(let values)? = option.declaration.completion { return .words(values) }
                        return .none
                    }
                    index += 1
                }
            } else {
                positional.append(word)
            }
            index += 1
        }
        let operands = command.arguments(.operand)
        let operand = positional.count < operands.count ? operands[positional.count]
            : operands.last.flatMap { $0.declaration.isRepeating ? $0 : nil }
        switch operand?.declaration.completion {
        case .bucket?: return .bucket
        case .key?, .keyFilter?: return positional.first.map { .key($0) } ?? .none
        default: return .none
        }
    }

    /// A key filter that narrows the fetch to the partial's parent levels: `orders.12` → `orders.>`.
    static func keyFilter(for partial: String) -> String? {
        guard let dot = partial.lastIndex(of: ".") else { return nil }
        let filter = String(partial[..<dot]) + ".>"
        return (try? KeyNames.validateFilter(filter)) != nil ? filter : nil
    }

    /// Keys that start with `partial`, one level at a time: `users.alice` completes (with a
    /// space) when it is a key; `users.` stays open when deeper keys follow.
    static func keyCandidates(_ keys: [String], partial: String) -> [String] {
        var out: [String] = []
        for key in keys where key.hasPrefix(partial) {
            let rest = key.dropFirst(partial.count)
            if let dot = rest.firstIndex(of: ".") {
                out.append(String(key[..<key.index(after: dot)]))
            } else {
                out.append(key + " ")
            }
        }
        return out
    }
}

/// Recently fetched bucket names and keys. Lists live about 2 s and hold at most 1,000 names.
struct CompletionCache {
    static let lifetime: Duration = .seconds(2)
    static let maximumItems = 1_000
    /// How many (bucket, filter, prefix) key lists are kept at once.
    static let maximumKeyLists = 16

    struct List {
        var fetched: ContinuousClock.Instant
        var items: [String]
        var isFresh: Bool { ContinuousClock.now - fetched < CompletionCache.lifetime }
    }

    var buckets: List?
    var keys: [String: List] = [:]
}

extension ShellHost {
    /// Bucket names, from the cache when fresh.
    func cachedBucketNames() async throws -> [String] {
        if let list = completionCache.buckets, list.isFresh { return list.items }
        // Only names a command accepts: a stored name with controls is never typed for the user.
        let names = Array(try await backend().store.bucketStatuses().lazy.map(\.bucket)
            .filter(KeyNames.isValidBucket).prefix(CompletionCache.maximumItems))
        completionCache.buckets = .init(fetched: .now, items: names)
        return names
    }

    /// The first 1,000 keys of `bucket` that match `filter` (all keys when nil) and start with
    /// `prefix`, sorted; from the cache when fresh.
    func cachedKeys(bucket: String, filter: String?, prefix: String = "") async throws -> [String] {
        let cacheKey = [bucket, filter ?? "", prefix].joined(separator: "\u{0}")
        if let list = completionCache.keys[cacheKey], list.isFresh { return list.items }
        let keys = try await backend().store.bucket(bucket).keys(filters: filter.map { [$0] } ?? [])
        let bounded = Array(keys.lazy.filter { $0.hasPrefix(prefix) && KeyNames.isValidKey($0) }
            .prefix(CompletionCache.maximumItems))
        completionCache.keys[cacheKey] = .init(fetched: .now, items: bounded)
        while completionCache.keys.count > CompletionCache.maximumKeyLists,
              let oldest = completionCache.keys.min(by: { $0.value.fetched < $1.value.fetched })?.key {
            completionCache.keys[oldest] = nil
        }
        return bounded
    }
}

/// The operation's result, or nil when `limit` passes first (or the caller is cancelled).
/// The operation runs as a task of `owner`: past the limit it goes on there (a Tab lookup
/// fills the completion cache for the next Tab) until it ends or `owner` closes.
func firstResult<T: Sendable>(within limit: Duration, in owner: TaskSet,
                              _ operation: @escaping @Sendable () async -> T) async -> T? {
    let outcome = FirstOutcome<T?>()
    guard owner.start({ outcome.offer(await operation()) }) != nil else { return nil }
    return await withTaskGroup(of: Void.self) { timer in
        timer.addTask {
            try? await Task.sleep(for: limit)
            outcome.offer(nil)
        }
        let value = await outcome.value()
        timer.cancelAll()
        return value
    }
}

/// `task`'s result, or `CancellationError` as soon as the calling task is cancelled (even when
/// `task` itself does not stop on cancellation). What waits for `task` on the caller's behalf
/// is a task of `owner`; once `owner` is closed the answer is `CancellationError`.
func cancellableResult<T: Sendable>(of task: Task<T, any Error>, in owner: TaskSet) async -> Result<T, any Error> {
    let outcome = FirstOutcome<Result<T, any Error>>()
    guard owner.start({ outcome.offer(await task.result) }) != nil else { return .failure(CancellationError()) }
    return await withTaskCancellationHandler {
        await outcome.value()
    } onCancel: {
        outcome.offer(.failure(CancellationError()))
    }
}

/// The first value offered, to one waiter; later offers are ignored. Offering before anyone
/// waits is fine.
final class FirstOutcome<T: Sendable>: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<T, Never>)
        case offered(T)
        case taken
    }

    private let state = Mutex<State>(.empty)

    /// Keeps `value` unless something was offered already; wakes the waiter.
    func offer(_ value: T) {
        let waiter = state.withLock { state -> CheckedContinuation<T, Never>? in
            switch state {
            case .empty:
                state = .offered(value)
                return nil
            case .waiting(let continuation):
                state = .taken
                return continuation
            case .offered, .taken:
                return nil
            }
        }
        waiter?.resume(returning: value)
    }

    /// The first value offered (waiting for it). Call once.
    func value() async -> T {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> T? in
                switch state {
                case .offered(let value):
                    state = .taken
                    return value
                case .empty:
                    state = .waiting(continuation)
                    return nil
                case .waiting, .taken:
                    preconditionFailure("FirstOutcome.value() called twice")
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
