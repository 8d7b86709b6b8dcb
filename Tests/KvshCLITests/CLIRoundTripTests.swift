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

    @Test("get is one direct get; STREAM.INFO only when the direct get finds no stream that takes it")
    func readsSkipStreamInfo() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let kvsh = Kvsh(server)
        try kvsh.ok("kv", "add", "b")
        try kvsh.ok("kv", "put", "b", "g", "v")
        let observer = try await Observer(server)
        func api() async throws -> [String] { try await observer.subjects().filter { $0.hasPrefix("$JS.API.") } }

        #expect(try kvsh.ok("kv", "get", "b", "g", "--raw").stdout == "v")
        #expect(try await api() == ["$JS.API.DIRECT.GET.KV_b.$KV.b.g"])
        #expect(try kvsh.ok("kv", "get", "b", "g", "--revision", "1", "--raw").stdout == "v")
        #expect(try await api() == ["$JS.API.DIRECT.GET.KV_b"])

        // A bucket made without allow_direct (old natscli, nats.py's default): the observer on
        // `>` makes the direct get time out instead of a 503; then STREAM.INFO, then MSG.GET.
        let config = #"{"name":"KV_nd","subjects":["$KV.nd.>"],"max_msgs_per_subject":1,"allow_direct":false,"#
            + #""storage":"file","retention":"limits","discard":"new","num_replicas":1}"#
        let created = try await observer.connection.request("$JS.API.STREAM.CREATE.KV_nd",
                                                            payload: ByteBuffer(string: config))
        #expect(!String(buffer: created.payload).contains("error"), "\(String(buffer: created.payload))")
        try kvsh.ok("kv", "put", "nd", "k", "old")
        _ = try await api()
        #expect(try kvsh.ok("kv", "get", "nd", "k", "--raw", "--timeout", "1s").stdout == "old")
        #expect(try await api() == ["$JS.API.DIRECT.GET.KV_nd.$KV.nd.k", "$JS.API.STREAM.INFO.KV_nd",
                                    "$JS.API.STREAM.MSG.GET.KV_nd"])
        let expected = "nats: error: nats: bucket not found: nope\n"
        let heard = try kvsh.run(["kv", "get", "nope", "k", "--timeout", "1s"])
        #expect(heard.status == 1 && heard.stdout.isEmpty && heard.stderr == expected, "\(heard)")
        #expect(try await api() == ["$JS.API.DIRECT.GET.KV_nope.$KV.nope.k", "$JS.API.STREAM.INFO.KV_nope"])
        await observer.connection.close()

        // Nobody else on the server: the 503 at once.
        #expect(try kvsh.ok("kv", "get", "nd", "k", "--raw").stdout == "old")
        for args in [["kv", "get", "nope", "k"], ["kv", "get", "nope", "k", "--revision", "1"]] {
            let r = try kvsh.run(args)
            #expect(r.status == 1 && r.stdout.isEmpty && r.stderr == expected, "\(r)")
        }
    }
}
