// What the built `kvsh` says about itself: `--help` (the ways to run it, the global options,
// where the language is described), `--version`/`-V`, and the help of `serve`, which is run
// before ArgumentParser sees the words.

import Foundation
import Testing
import TestSupport
@testable import KvshCLI

@Suite("kvsh binary: help and version", .offCooperativePool)
struct CLIHelpTests {
    private let kvsh = Kvsh(url: nil)

    @Test("kvsh --help names every way to run kvsh, the global options and the language's docs")
    func rootHelp() throws {
        for args in [["--help"], ["-h"], ["help"]] {
            let r = try kvsh.run(args)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
            for text in ["the prompt", "the script on stdin", "kvsh [<options>] <file> [<arg> ...]",
                         "kvsh [<options>] -c <text>", "kvsh [<options>] serve <file>", "docs/language.md",
                         "--norc", "--version", KvshVersion.current] {
                #expect(r.stdout.contains(text), "\(args): \(text)\n\(r)")
            }
            // The global options, each under the heading, from their declaration.
            let options = r.stdout.components(separatedBy: "Global options, before or after the command:")
            #expect(options.count == 2, "\(r)")
            for option in ["-s, --server <server>", "--store <store>", "--user <user>", "--password <password>",
                           "--token <token>", "--creds <creds>", "--nkey <nkey>", "--tlsca <tlsca>",
                           "--tlscert <tlscert>", "--tlskey <tlskey>",
                           "--timeout <timeout>", "--json"] {
                #expect(options.last?.contains("\n  \(option) ") == true, "\(option)\n\(r)")
            }
        }
    }

    @Test("kvsh --version and -V print the version alone, after global options too")
    func version() throws {
        for args in [["--version"], ["-V"], ["-s", "nats://127.0.0.1:1", "-V"], ["nats", "--version"]] {
            let r = try kvsh.run(args)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
            #expect(r.stdout == KvshVersion.current + "\n", "\(r)")
        }
    }

    @Test("kvsh serve --help, serve -h and help serve print serve's usage")
    func serveHelp() throws {
        var texts: Set<String> = []
        for args in [["serve", "--help"], ["serve", "-h"], ["help", "serve"], ["-s", "nats://127.0.0.1:1", "serve", "--help"]] {
            let r = try kvsh.run(args)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
            #expect(r.stdout.contains("USAGE: kvsh [<options>] serve <file> [<arg> ...]"), "\(r)")
            #expect(r.stdout.contains("OVERVIEW: Run a script, then serve the watch hooks"), "\(r)")
            texts.insert(r.stdout)
        }
        #expect(texts.count == 1)
        // Still a script's own argument after the file, and still an error without one.
        let missing = try kvsh.run(["serve"])
        #expect(missing.status == 64 && missing.stderr.contains("serve needs a script"), "\(missing)")
        let notThere = try kvsh.run(["serve", "/nonexistent/hooks.kvsh", "--help"])
        #expect(notThere.status != 0 && notThere.stderr.contains("/nonexistent/hooks.kvsh"), "\(notThere)")
    }
}
