#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
@testable import Hooks
import KeyValue
import Shell
import Testing

@Suite("on: arguments")
struct HookSpecTests {
    @Test("a shell command with every option, in any order")
    func fullForm() throws {
        let spec = try HookSpec.parse(["--initial", "put", "my-kv", "orders.*", "--timeout", "1m30s", "--retry=3",
                                       "run", "echo $KVSH_KEY; exit 1", "--durable", "orders", "--parallel", "4"],
                                      block: nil)
        #expect(spec.trigger == .put)
        #expect(spec.bucket == "my-kv")
        #expect(spec.pattern == "orders.*")
        #expect(spec.timeout == .seconds(90))
        #expect(spec.retries == 3)
        #expect(spec.initial)
        #expect(spec.durable == "orders")
        #expect(spec.parallel == 4)
        guard case .shell(let text) = spec.action else { Issue.record("expected a shell action"); return }
        #expect(text == "echo $KVSH_KEY; exit 1", "the command text is kept as written, never expanded")
    }

    @Test("defaults: every key, no timeout, no retries, one at a time")
    func defaults() throws {
        let spec = try HookSpec.parse(["any", "b", "run", "true"], block: nil)
        #expect(spec.trigger == .any && spec.pattern == nil && spec.timeout == nil)
        #expect(spec.retries == 0 && !spec.initial && spec.durable == nil && spec.parallel == 1)
    }

    @Test("each trigger fires for its operations only")
    func triggers() {
        #expect(HookSpec.Trigger.put.matches(.put) && !HookSpec.Trigger.put.matches(.delete))
        #expect(HookSpec.Trigger.del.matches(.delete) && !HookSpec.Trigger.del.matches(.purge))
        #expect(HookSpec.Trigger.purge.matches(.purge) && !HookSpec.Trigger.purge.matches(.put))
        #expect([Operation.put, .delete, .purge].allSatisfy { HookSpec.Trigger.any.matches($0) })
    }

    @Test("bad input: one clear usage error each", arguments: [
        ([], "expected an operation"),
        (["change", "b", "run", "x"], "unknown operation 'change'"),
        (["put"], "expected a bucket"),
        (["put", "b", "k", "extra", "run", "x"], "too many words: 'extra'"),
        (["put", "b", "run", "echo", "hi"], "too many words: 'hi'"),
        (["put", "b"], "expected what to run"),
        (["put", "b", "run"], "'run' needs the shell command"),
        (["put", "b", "run", "  "], "the command after 'run' is empty"),
        (["put", "b", "run", "x", "run", "y"], "'run' is given twice"),
        (["put", "b", "--timeout", "soon", "run", "x"], "--timeout: invalid duration 'soon'"),
        (["put", "b", "--timeout", "0s", "run", "x"], "--timeout: invalid duration '0s'"),
        (["put", "b", "--timeout", "25h", "run", "x"], "--timeout: invalid duration '25h'"),
        (["put", "b", "run", "x", "--timeout"], "--timeout needs a value"),
        (["put", "b", "--retry", "-1", "run", "x"], "--retry: '-1'"),
        (["put", "b", "--retry", "many", "run", "x"], "--retry: 'many'"),
        (["put", "b", "--parallel", "0", "run", "x"], "--parallel: '0'"),
        (["put", "b", "--durable", "a.b", "run", "x"], "--durable: 'a.b' is not a valid name"),
        (["put", "b", "--durable", "$x", "run", "x"], "--durable: '$x' is not a valid name"),
        (["put", "b", "--initial=yes", "run", "x"], "--initial takes no value"),
        (["put", "b", "--later", "run", "x"], "unknown option '--later'"),
    ])
    func badInput(words: [String], expected: String) {
        do {
            _ = try HookSpec.parse(words, block: nil)
            Issue.record("\(words) was accepted")
        } catch let error as CommandError {
            #expect(error.message.hasPrefix("on: "), "\(error.message)")
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(error.status == 64)
            #expect(!error.message.contains("\n"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("bad bucket names and key patterns are refused as the store commands refuse them", arguments: [
        (["put", "my kv", "run", "x"], "invalid bucket name"),
        (["put", "b", "a..b", "run", "x"], "invalid key \"a..b\""),
        (["put", "b", "$(touch x)", "run", "x"], "use letters, digits"),
        (["put", "b", "a;b", "run", "x"], "use letters, digits"),
        (["put", "b", ">.a", "run", "x"], "'>' must be the last token"),
    ])
    func badNames(words: [String], expected: String) {
        #expect(throws: CommandError.self) { _ = try HookSpec.parse(words, block: nil) }
        do { _ = try HookSpec.parse(words, block: nil) } catch let error as CommandError {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(error.status == 64)
        } catch {}
    }
}

@Suite("hook commands: help and listing")
struct HookCommandTextTests {
    @Test("help for each hook command; lines fit 80 columns; nil for other topics")
    func help() throws {
        for name in HookCommands.names {
            let text = try #require(HookCommands.help(for: [name]))
            #expect(text.hasPrefix("usage: \(name)"))
            #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(text)")
        }
        let on = try #require(HookCommands.help(for: ["on"]))
        for option in ["--timeout", "--retry", "--initial", "--durable", "--parallel", "KVSH_VALUE", "$event"] {
            #expect(on.contains(option))
        }
        #expect(HookCommands.help(for: ["kv"]) == nil)
        #expect(HookCommands.help(for: ["on", "put"]) == nil)
    }

    @Test("the hooks table: one line per hook, long commands cut, durable names shown")
    func table() {
        #expect(HookCommands.table([]) == "no hooks\n")
        let infos = [
            HookRegistry.Info(id: 1, trigger: "put", bucket: "b", pattern: "o.*", action: "echo hi", durable: nil,
                              fired: 3, failed: 1, lastRevision: 9, pending: 0),
            HookRegistry.Info(id: 12, trigger: "any", bucket: "bucket-2", pattern: nil,
                              action: String(repeating: "x", count: 60) + "\nmore", durable: "d",
                              fired: 0, failed: 0, lastRevision: nil, pending: 5),
        ]
        #expect(HookCommands.table(infos) == """
            ID  OP   BUCKET    KEYS  FIRED  FAILED  LAST REVISION  PENDING  RUN
            1   put  b         o.*   3      1       9              0        echo hi
            12  any  bucket-2  >     0      0       -              5        \(String(repeating: "x", count: 39))… (durable d)

            """)
        let record = HookCommands.record(infos[0])
        #expect(record["fired"] == .int(3) && record["last_revision"] == .int(9) && record["keys"] == .string("o.*"))
        #expect(HookCommands.record(infos[1])["last_revision"] == .null)
    }
}

@Suite("Hook internals")
struct HookInternalsTests {
    @Test("the watermark passes a revision only when it and everything before it are done")
    func progress() {
        var p = Progress(watermark: nil)
        p.dispatched(1); p.dispatched(2); p.skipped(3); p.dispatched(4)
        #expect(p.watermark == nil)
        p.completed(2)
        #expect(p.watermark == nil)
        #expect(p.checkpoint == nil)
        p.completed(1)
        #expect(p.watermark == 3, "2 was done and 3 skipped")
        p.completed(4)
        #expect(p.watermark == 4)
        p.skipped(5)
        #expect(p.watermark == 5, "a skip with nothing open moves the watermark at once")
        p.dispatched(6); p.dispatched(7); p.completed(7)
        #expect(p.checkpoint == Checkpoint(watermark: 5, done: [7]))
    }

    @Test("checkpoints as text, and damaged text refused")
    func checkpointText() {
        #expect(Checkpoint(watermark: 12, done: [14, 15]).text == "12 14 15")
        #expect(Checkpoint(text: "12 14 15") == Checkpoint(watermark: 12, done: [14, 15]))
        #expect(Checkpoint(text: "7") == Checkpoint(watermark: 7))
        #expect(Checkpoint(text: "") == nil)
        #expect(Checkpoint(text: "x 1") == nil)
        #expect(Checkpoint(text: "1 -2") == nil)
    }

    @Test("run output becomes prefixed lines; partial lines wait; endless lines are cut")
    func lines() {
        let out = RecordingOutput()
        let lines = HookLines(hook: 7, output: out)
        lines.append(Array("one\ntw".utf8), isError: false)
        lines.append(Array("oops\n".utf8), isError: true)
        #expect(out.out == "[hook 7] one\n")
        lines.append(Array("o\nthree".utf8), isError: false)
        lines.flush()
        #expect(out.outLines == ["[hook 7] one", "[hook 7] two", "[hook 7] three"])
        #expect(out.err == "[hook 7] oops\n")
        lines.append([UInt8](repeating: UInt8(ascii: "x"), count: HookLines.maximumLine * 2 + 5), isError: false)
        lines.flush()
        #expect(out.outLines.count == 6)
        #expect(out.outLines.dropFirst(3).map(\.count) == [HookLines.maximumLine + 9, HookLines.maximumLine + 9, 14])
    }

    @Test("KVSH_VALUE only for small UTF-8 text without NUL; the rest of the event always")
    func environment() {
        func env(_ value: [UInt8], op: Operation = .put) -> [String: String?] {
            Hook.environment(for: Entry(bucket: "b", key: "k.1", value: value, revision: 42,
                                        created: Date(timeIntervalSince1970: 1_700_000_000), operation: op), hook: 3)
        }
        let text = env(Array("héllo $(x)\n`y`".utf8))
        #expect(text["KVSH_VALUE"] == .some("héllo $(x)\n`y`"))
        #expect(text["KVSH_OP"] == .some("PUT") && text["KVSH_BUCKET"] == .some("b") && text["KVSH_KEY"] == .some("k.1"))
        #expect(text["KVSH_REVISION"] == .some("42") && text["KVSH_HOOK"] == .some("3"))
        #expect(text["KVSH_CREATED"] == .some("2023-11-14T22:13:20Z"))
        // Present as nil: the variable is removed, so an inherited KVSH_VALUE cannot leak in.
        #expect(env([0x61, 0x00, 0x62])["KVSH_VALUE"] == .some(nil))
        #expect(env([0xff, 0xfe])["KVSH_VALUE"] == .some(nil))
        #expect(env([UInt8](repeating: 0x61, count: Hook.environmentValueLimit + 1))["KVSH_VALUE"] == .some(nil))
        #expect(env([UInt8](repeating: 0x61, count: Hook.environmentValueLimit))["KVSH_VALUE"]??.count
                == Hook.environmentValueLimit)
        #expect(env([], op: .delete)["KVSH_OP"] == .some("DEL"))
    }

    @Test("durations in messages")
    func durations() {
        #expect(Duration.milliseconds(300).shortText == "300ms")
        #expect(Duration.seconds(2).shortText == "2s")
        #expect(Duration.milliseconds(1500).shortText == "1.5s")
        #expect(Duration.seconds(90).shortText == "90s")
    }

    @Test("a key always goes to the same lane; keys spread over lanes")
    func lanes() {
        #expect(Hook.lane(for: "a", count: 1) == 0)
        let keys = (0..<200).map { "k.\($0)" }
        #expect(keys.map { Hook.lane(for: $0, count: 4) } == keys.map { Hook.lane(for: $0, count: 4) })
        #expect(Set(keys.map { Hook.lane(for: $0, count: 4) }) == [0, 1, 2, 3])
    }
}
