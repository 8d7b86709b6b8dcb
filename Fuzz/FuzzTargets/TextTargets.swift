@testable import Hooks
@testable import KvshCLI
import NATSClient
@testable import Shell

extension FuzzTargets {
    /// Server URLs as `--server`/`NATS_URL` and INFO `connect_urls` give them.
    static let serverURL = FuzzTarget(
        "server-url",
        seeds: ["nats://127.0.0.1:4222", "tls://user:pa%20ss@host.example:7422", "localhost", "[::1]:4222",
                "nats://a:1,nats://b:2, c:3", "nats://token@h", "10.0.0.1:65535", "nats://h:"],
        tokens: ["://", ":", "@", "[", "]", ",", "%", "%2", "/", "nats", "tls", "ws", " ", "\t"],
        run: { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            if let url = try? ServerURL(parsing: text), !(0...65535).contains(url.port) {
                return "port \(url.port) accepted"
            }
            _ = try? ServerURL.list(text)
            return nil
        })

    /// The shell's lexer and parser: a tree, or a positioned error that agrees with
    /// `isIncomplete`, and the lexer always reaches the end.
    static let shell = FuzzTarget(
        "shell",
        seeds: [
            "kv put my-kv Key1 Value1", "if kv create my-sem lock1 me { echo won } else { echo lost }",
            "let e = kv get cfg k; kv update cfg k new $e.revision || echo conflict",
            "for x in $list a 'b c' \"d $e.value\" { echo ${x} }\n", "while ! kv create my-sem l me {\n  sleep 1s\n}\n",
            "echo 'it\\'s' \"tab\\t$1 $# $? $@\" a\\ b $env.HOME\n{ nested; { deeper } }",
            "on put jobs 'a.*' --durable d --parallel 4 { echo $KVSH_KEY }",
            "echo ${e.json.\"odd key\".0} \"${e.json.\"a.b\\\\\\\"c\"}\"",
        ],
        tokens: ["{", "}", "'", "\"", "\\", "$", "${", "$(", "&&", "||", "!", ";", "\n", "#", "if ", "elif ", "else ",
                 "while ", "for ", " in ", "let ", "= ", "\r\n", "\u{0}", "🙂"],
        run: { bytes in
            let source = String(decoding: bytes, as: UTF8.self)
            var lexer = Lexer(source, file: "f")
            for _ in 0...source.unicodeScalars.count + 1 {
                guard let token = try? lexer.next() else { break }
                if token.kind == .end { break }
            }
            guard let error = Parser.syntaxError(in: source, file: "f") else { return nil }
            if error.position.line < 1 || error.position.column < 1 { return "error at \(error.position)" }
            if error.message.isEmpty { return "empty error message" }
            if Parser.isIncomplete(source) != error.isIncomplete { return "isIncomplete disagrees with \(error)" }
            return nil
        })

    /// `--ttl`/`sleep` durations and `--max-bucket-size` style sizes.
    static let durationAndSize = FuzzTarget(
        "duration-size",
        seeds: ["30s", "5m", "1h30m", "2d", "1.5h", "250ms", "292y", "1y2d", "0", "10K", "1.5MiB", "2GB", "1T",
                "512", "0.5k"],
        tokens: ["s", "m", "h", "d", "y", "ms", "us", "ns", "µs", "K", "M", "G", "T", "KiB", "MB", "B", ".", "-",
                 "+", " ", "e"],
        run: { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            if let nanos = try? parseDuration(text), nanos < 0 { return "negative duration \(nanos)" }
            if let size = try? parseByteSize(text), size < 0 { return "negative size \(size)" }
            return nil
        })

    /// The `--durable` checkpoint text in bucket `kvsh_hooks` (anyone who can write it).
    static let checkpoint = FuzzTarget(
        "checkpoint",
        seeds: ["12", "12 14 15", "0", "18446744073709551615", "18446744073709551614 18446744073709551615", "7 9"],
        tokens: [" ", "  ", "\t", "\n", "-", "+"],
        run: { bytes in
            guard let checkpoint = Checkpoint(text: String(decoding: bytes, as: UTF8.self)) else { return nil }
            if Checkpoint(text: checkpoint.text) != checkpoint { return "\(checkpoint.text) does not read back" }
            if let next = try? checkpoint.nextRevision(durable: "d"), next != checkpoint.watermark + 1 {
                return "next revision \(next) after \(checkpoint.watermark)"
            }
            return nil
        })
}
