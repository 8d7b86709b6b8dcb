import Foundation
import JetStream
import KeyValue
import KeyValueNATS
import NATSClient
import NIOCore
import KeyValueTestSupport
import Testing
import TestSupport

// A write that hears nothing back. In a cluster that is a stream without a leader (see
// ClusterFailoverTests); here a plain subscriber on `>` stands in for it, since it turns the
// 503 of a missing stream into silence.
@Suite("NATS KV: a write that gets no reply", .natsServer, .offCooperativePool)
struct WriteSilenceTests {
    @Test("a bucket seen already: the write ends at its timeout with its own error and asks no STREAM.INFO")
    func seenBucketTimesOut() async throws {
        let url = try SuiteServer.require().url
        var options = ClientOptions(servers: [try ServerURL(parsing: url)])
        options.requestTimeout = .milliseconds(500)
        let connection = try await NATSConnection.connect(options)
        let js = JetStreamContext(connection: connection)
        let store = NATSKeyValueStore(js: js)
        let listener = try await NATSConnection.connect(ClientOptions(servers: [try ServerURL(parsing: url)]))
        let name = uniqueBucketName("silent")
        _ = try await store.createBucket(BucketConfig(bucket: name))
        let bucket = try await store.lazyBucket(name)
        _ = try await bucket.put("k", b("1"))  // its ack shows the stream
        try await js.deleteStream("KV_\(name)")
        let heard = try listener.subscribe(">")
        try await listener.flush()

        let clock = ContinuousClock()
        let start = clock.now
        var thrown: (any Error)?
        do {
            _ = try await bucket.put("k", b("2"))
        } catch {
            thrown = error
        }
        let elapsed = clock.now - start
        guard case .timeout(let what)? = thrown as? NATSError else {
            Issue.record("expected the put's timeout, got \(String(describing: thrown))")
            return
        }
        #expect(what.contains("$KV.\(name).k"), "\(what)")
        // Half the timeout on top would mean a second request was waited for.
        #expect(elapsed < .milliseconds(750), "\(elapsed)")

        // What the listener heard: the put, and no STREAM.INFO after it.
        try await connection.flush()
        var subjects: [String] = []
        var messages = heard.makeAsyncIterator()
        let marker = "kvsh.test.marker.\(name)"
        try connection.publish(marker, payload: ByteBuffer())
        try await connection.flush()
        while let message = try await messages.next(), message.subject != marker {
            // The server's own advisories reach `>` too.
            if !message.subject.hasPrefix("$JS.EVENT.") { subjects.append(message.subject) }
        }
        #expect(subjects == ["$KV.\(name).k"], "\(subjects)")
        await listener.close()
        await store.close()
    }
}
