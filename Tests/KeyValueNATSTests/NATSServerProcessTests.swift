import Foundation
import KeyValueTestSupport
import Testing
import TestSupport

@Suite("NATSServerProcess", .offCooperativePool)
struct NATSServerProcessTests {
    @Test("starts with JetStream, survives kill -9 and restarts on the same port")
    func startKillRestart() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        #expect(server.url == "nats://127.0.0.1:\(server.port)")
        #expect(FileManager.default.fileExists(atPath: server.storeDir))

        let info = try readFirstLine(port: server.port)
        #expect(info.hasPrefix("INFO {"))
        #expect(info.contains("\"jetstream\":true"))

        server.kill9()
        #expect(!server.isRunning)
        #expect(!canConnect(port: server.port))

        try server.restart()
        #expect(server.isRunning)
        let infoAgain = try readFirstLine(port: server.port)
        #expect(infoAgain.hasPrefix("INFO {"))
        #expect(infoAgain.contains("\"port\":\(server.port)"))

        let baseDir = server.baseDir
        server.stop()
        #expect(!server.isRunning)
        #expect(!FileManager.default.fileExists(atPath: baseDir))
        #expect(throws: (any Error).self) { try server.restart() }
    }

    @Test("jetstream: false starts a server without JetStream")
    func withoutJetStream() throws {
        let server = try NATSServerProcess(jetstream: false)
        defer { server.stop() }
        let info = try readFirstLine(port: server.port)
        #expect(info.hasPrefix("INFO {"))
        #expect(!info.contains("\"jetstream\":true"))
    }

    @Test("runProcess feeds stdin, captures both outputs and the exit status")
    func runProcessRoundTrip() throws {
        let result = try runProcess(
            "/bin/sh", ["-c", "cat; echo oops >&2; exit 3"], stdin: Data("hello\n".utf8))
        #expect(result.status == 3)
        #expect(String(decoding: result.stdout, as: UTF8.self) == "hello\n")
        #expect(String(decoding: result.stderr, as: UTF8.self) == "oops\n")
    }
}
