// How many JetStream API requests a one-shot command makes, seen by a second connection
// subscribed to every subject while the built `kvsh` runs.

import Foundation
import NATSClient
import NIOCore
import Testing
import TestSupport

@Suite("kvsh binary: round trips", .offCooperativePool)
struct CLIRoundTripTests {
    /// Everything published on the server, in order, up to a marker of the observer's own.
    final class Observer {
        let connection: NATSConnection
        var messages: Subscription.Iterator
        var marks = 0

        init(_ server: NATSServerProcess) async throws {
            connection = try await NATSConnection.connect(ClientOptions(servers: [try ServerURL(parsing: server.url)]))
            messages = try connection.subscribe(">").makeAsyncIterator()
            try await connection.flush()
        }

        /// The subjects published since the last call. The server delivers in order, so the
        /// marker comes after every message of a `kvsh` that has exited.
        func subjects() async throws -> [String] {
            marks += 1
            let mark = "kvsh-test.mark.\(marks)"
            try connection.publish(mark, payload: ByteBuffer())
            var seen: [String] = []
            let deadline = ContinuousClock.now + .seconds(10)
            while let message = try await messages.next() {
                if message.subject == mark { return seen }
                seen.append(message.subject)
                if ContinuousClock.now > deadline { break }
            }
            throw TestSupportError("the observer missed its marker \(mark); saw \(seen)")
        }
    }

    @Test("put, create, update, del and purge publish without asking STREAM.INFO first")
    func writesSkipStreamInfo() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "b")
        try kvsh.ok("kv", "put", "b", "g", "v")
        let observer = try await Observer(server)

        let writes: [[String]] = [
            ["kv", "put", "b", "k", "v"], ["kv", "create", "b", "c", "v"], ["kv", "update", "b", "k", "v2", "2"],
            ["kv", "del", "b", "c"], ["kv", "purge", "b", "k", "-f"],
        ]
        for args in writes {
            let r = try kvsh.run(args)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
            let subjects = try await observer.subjects()
            let api = subjects.filter { $0.hasPrefix("$JS.API.") }
            #expect(api.isEmpty, "\(args): \(api)")
            #expect(subjects.filter { $0 == "$KV.b.\(args[3])" }.count == 1, "\(args): \(subjects)")
        }

        // Reads still ask once: get needs the stream's allow_direct.
        try kvsh.ok("kv", "get", "b", "g")
        let read = try await observer.subjects().filter { $0.hasPrefix("$JS.API.") }
        #expect(read == ["$JS.API.STREAM.INFO.KV_b", "$JS.API.DIRECT.GET.KV_b.$KV.b.g"], "\(read)")

        // A missing bucket says so as before; only this path asks STREAM.INFO. The observer
        // listens on `>`, so the publish gets no 503 but silence: the timeout path.
        let expected = "nats: error: nats: bucket not found: nope\n"
        let heard = try kvsh.run(["kv", "put", "nope", "k", "v", "--timeout", "1s"])
        #expect(heard.status == 1 && heard.stderr == expected, "\(heard)")
        #expect(try await observer.subjects().filter { $0.hasPrefix("$JS.API.") } == ["$JS.API.STREAM.INFO.KV_nope"])
        await observer.connection.close()
        // With nobody on the subject, the 503.
        for args in [["kv", "put", "nope", "k", "v"], ["kv", "create", "nope", "k", "v"],
                     ["kv", "update", "nope", "k", "v", "1"], ["kv", "del", "nope", "k"]] {
            let r = try kvsh.run(args)
            #expect(r.status == 1 && r.stdout.isEmpty && r.stderr == expected, "\(r)")
        }
        #expect(try kvsh.bucketNames() == ["b"])
    }
}
