// The ways the built `kvsh` runs the command language: a script file (and `#!/usr/bin/env kvsh`),
// `-c`, a script on stdin, with global options before them; and how signals end a script.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

@Suite("kvsh binary: scripts, -c and stdin", .offCooperativePool)
struct CLIScriptModeTests {
    static func writeScript(_ directory: String, _ name: String, _ text: String, executable: Bool = false) throws -> String {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        if executable { chmod(path, 0o755) }
        return path
    }

    @Test("a script file with arguments, a #! script, -c with arguments, and stdin")
    func entryPoints() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(url: nil)
        let directory = try makeTempDir(prefix: "kvsh-scripts-")
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let script = try Self.writeScript(directory, "put.kvsh", """
            # put.kvsh BUCKET KEY VALUE
            test $# == 3 || { echo "usage: $0 BUCKET KEY VALUE"; exit 2 }
            let s = kv add $1
            kv put $1 $2 $3
            """)
        let r = try kvsh.run(["-s", server.url, script, "sm-b", "Key1", "two words"], useEnvironmentURL: false)
        #expect(r.status == 0 && r.stdout == "two words\n" && r.stderr.isEmpty, "\(r)")
        let usage = try kvsh.run(["-s", server.url, script, "only-one"], useEnvironmentURL: false)
        #expect(usage.status == 2 && usage.stdout == "usage: \(script) BUCKET KEY VALUE\n", "\(usage)")

        // #!/usr/bin/env kvsh: the kernel runs `kvsh FILE ARG…`; the #! line is a comment.
        let shebang = try Self.writeScript(directory, "get", """
            #!/usr/bin/env kvsh
            let e = kv get $1 $2
            echo "$e.key=$e.value"
            """, executable: true)
        let kvshDirectory = URL(fileURLWithPath: Kvsh.path).deletingLastPathComponent().path
        var env = kvsh.environment(natsURL: server.url)
        env["PATH"] = kvshDirectory + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        let viaShebang = try runProcess(shebang, ["sm-b", "Key1"], env: env, timeout: 20)
        #expect(viaShebang.status == 0, "\(String(decoding: viaShebang.stderr, as: UTF8.self))")
        #expect(String(decoding: viaShebang.stdout, as: UTF8.self) == "Key1=two words\n")

        // -c TEXT ARG…, global options before it (NATS_URL works too).
        let dashC = try Kvsh(server).run(["--json", "-c", "kv get $1 $2; echo \"$# $1\"", "sm-b", "Key1"])
        #expect(dashC.status == 0 && dashC.lines.count == 2, "\(dashC)")
        #expect((try? JSONSerialization.jsonObject(with: Data(dashC.lines[0].utf8)) as? [String: Any])?["value"]
                as? String == "two words", "\(dashC)")
        #expect(dashC.lines.last == "2 sm-b", "\(dashC)")

        // A script on stdin.
        let piped = try kvsh.run(["-s", server.url], stdin: Data("kv ls --names\necho \"$0 done\"\n".utf8),
                                 useEnvironmentURL: false)
        #expect(piped.status == 0 && piped.stdout == "sm-b\n<stdin> done\n" && piped.stderr.isEmpty, "\(piped)")
        let pipedError = try kvsh.run(["-s", server.url], stdin: Data("echo one\nkv get sm-b nope\necho two\n".utf8),
                                      useEnvironmentURL: false)
        #expect(pipedError.status == 1 && pipedError.stdout == "one\n", "\(pipedError)")
        #expect(pipedError.stderr == "<stdin>:2:1: nats: key not found\n", "\(pipedError)")
        let notText = try kvsh.run([], stdin: Data([0x65, 0x63, 0xFF, 0x0A]), useEnvironmentURL: false)
        #expect(notText.status == 1 && notText.stderr == "kvsh: cannot read '<stdin>': it is not UTF-8 text\n", "\(notText)")
    }

    @Test("errors before anything runs: missing file, -c without text, bad options, syntax")
    func startErrors() throws {
        let kvsh = Kvsh(url: nil)
        let missing = try kvsh.run(["no-such-script.kvsh"], useEnvironmentURL: false)
        #expect(missing.status == 1 && missing.stderr == "kvsh: cannot read 'no-such-script.kvsh': no such file\n", "\(missing)")
        let noText = try kvsh.run(["-c"], useEnvironmentURL: false)
        #expect(noText.status == 64 && noText.stderr.hasPrefix("nats: error: -c needs the commands to run"), "\(noText)")
        let badTimeout = try kvsh.run(["--timeout", "soon", "-c", "echo never"], useEnvironmentURL: false)
        #expect(badTimeout.status == 1 && badTimeout.stdout.isEmpty, "\(badTimeout)")
        #expect(badTimeout.stderr == "nats: error: invalid duration \"soon\": use a number with a unit such as 30s, 5m, 1h, 2d\n",
                "\(badTimeout)")
        let syntax = try kvsh.run(["-c", "echo never; if true { echo"], useEnvironmentURL: false)
        #expect(syntax.status == 2 && syntax.stdout.isEmpty, "\(syntax)")
        #expect(syntax.stderr == "-c:1:27: expected '}' to close the block opened at 1:21, found end of input\n", "\(syntax)")
        // Without a server the language still runs; the first store command names the URL.
        let offline = try kvsh.run(["-s", "nats://127.0.0.1:1", "-c", "echo works; kv ls"], useEnvironmentURL: false)
        #expect(offline.status == 1 && offline.stdout == "works\n", "\(offline)")
        #expect(offline.stderr == "-c:1:13: nats: could not connect to nats://127.0.0.1:1 (connection refused)\n", "\(offline)")
    }

    @Test("SIGINT and SIGTERM interrupt a script: status 130; a watch in a script ends with it")
    func interrupted() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "sm-w")
        try kvsh.ok("kv", "put", "sm-w", "k", "v")

        let loop = try RunningKvsh(["-c", "echo started; while true { sleep 1s }; echo never"],
                                   environment: kvsh.environment())
        #expect(loop.waitForLines { $0 == ["started"] }, "\(loop.stderr)")
        loop.send(SIGINT)
        #expect(loop.waitForExit(timeout: 10) == 130, "\(loop.stderr)")
        // In the sleep (1:28), or between statements if the signal came just then.
        #expect(loop.stderr.hasPrefix("-c:1:") && loop.stderr.hasSuffix(": interrupted\n"), "\(loop.stderr)")
        #expect(!loop.endedBySignal)

        let watch = try RunningKvsh(["-c", "kv watch sm-w\necho never"], environment: kvsh.environment())
        #expect(watch.waitForLines { $0.count == 1 }, "\(watch.stderr)")
        #expect(watch.lines.first?.hasSuffix("PUT sm-w > k: v") == true, "\(watch.stdout)")
        watch.send(SIGTERM)
        #expect(watch.waitForExit(timeout: 10) == 130, "\(watch.stderr)")
        #expect(watch.stderr == "-c:2:1: interrupted\n")
        #expect(!watch.stdout.contains("never"))
    }
}
