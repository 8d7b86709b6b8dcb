#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NATSWire
import NIOCore
import Testing
@testable import JetStream

@Suite struct PubAckDecoding {
    @Test func commonFormTakesTheFastPath() {
        let ack = PubAck.parseCommon(ByteBuffer(string: #"{"stream":"KV_my-kv","seq":1234}"#))
        #expect(ack == PubAck(stream: "KV_my-kv", seq: 1234))
        #expect(PubAck.parseCommon(ByteBuffer(string: #"{"stream":"KV_b","seq":0}"#)) == PubAck(stream: "KV_b", seq: 0))
    }

    @Test(arguments: [
        #"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 2"},"stream":"KV_b","seq":0}"#,
        #"{"stream":"KV_b","seq":7,"duplicate":true}"#,
        #"{"stream":"KV_b","seq":7,"domain":"hub"}"#,
        #"{"stream":"KV_b","seq":}"#,
        #"{"stream":"KV\"b","seq":7}"#,
        // Fuzz finds: the decoder refuses these, so the fast path must not accept them.
        "{\"stream\":\"KV\u{17}b\",\"seq\":7}", "{\"stream\":\"KV_é\",\"seq\":7}",
        #"{"stream":"KV_b","seq":0617}"#,
        #"{ "stream": "KV_b", "seq": 7 }"#,
        "",
    ])
    func otherFormsFallBack(_ json: String) {
        #expect(PubAck.parseCommon(ByteBuffer(string: json)) == nil)
    }

    @Test func fullDecoderHandlesErrorsAndExtras() throws {
        let error = InboundMessage(subject: "x", sid: 1, payload: ByteBuffer(string:
            #"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 2"},"stream":"KV_b","seq":0}"#))
        #expect(throws: JetStreamError.api(APIError(code: 400, errCode: .wrongLastSequence, description: "wrong last sequence: 2"))) {
            try JetStreamContext.decodeAck(error, publishedOn: "$KV.b.k")
        }
        let dup = InboundMessage(subject: "x", sid: 1, payload: ByteBuffer(string: #"{"stream":"KV_b","seq":7,"duplicate":true}"#))
        #expect(try JetStreamContext.decodeAck(dup, publishedOn: "$KV.b.k") == PubAck(stream: "KV_b", seq: 7, duplicate: true))
    }
}

@Suite struct TimeDecoding {
    @Test func nanosecondsAreExact() {
        #expect(RFC3339.parseNanos("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.parseNanos("2026-11-25T05:27:25.95767448Z") == 1_795_584_445_957_674_480)
        #expect(RFC3339.parseNanos("2026-11-25T06:27:25.5+01:00") == 1_795_584_445_500_000_000)
    }

    @Test(arguments: ["", "0001-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-25T05:27:25", "garbage",
                      "2026-11-25T05:27:25.Z"])
    func invalidOrUnrepresentable(_ text: String) {
        #expect(RFC3339.parseNanos(text) == nil)
    }

    @Test("more than nine fractional digits are cut to nanoseconds (a fuzz find: it trapped)")
    func longFractions() {
        #expect(RFC3339.parseNanos("1970-01-01T00:00:01.1234567891Z") == 1_123_456_789)
        #expect(RFC3339.parseNanos("1970-01-01T00:00:00." + String(repeating: "9", count: 40) + "Z") == 999_999_999)
    }

    @Test("the last representable second plus a fraction past Int64.max is unknown, not a trap")
    func pastInt64() {
        #expect(RFC3339.parseNanos("2262-04-11T23:47:16.854775807Z") == Int64.max)
        #expect(RFC3339.parseNanos("2262-04-11T23:47:16.854775808Z") == nil)
        #expect(RFC3339.parseNanos("2262-04-11T23:47:16.999999999Z") == nil)
        #expect(RFC3339.parseNanos("9999-12-31T23:59:59.999999999-23:59") == nil)
    }
}

@Suite("Ordered consumer arithmetic on server numbers")
struct OrderedConsumerArithmetic {
    static func info(_ json: String) throws -> ConsumerInfo {
        try JSONDecoder().decode(ConsumerInfo.self, from: Data(json.utf8))
    }

    @Test("pending plus delivered past 2^64 - 1 is an invalid response, not a trap")
    func initialPendingOverflow() throws {
        let huge = try Self.info(#"{"name":"c","delivered":{"consumer_seq":18446744073709551615,"stream_seq":1},"#
                                 + #""num_pending":1}"#)
        #expect(throws: JetStreamError.self) { try OrderedConsumer.initialPending(huge) }
        let fine = try Self.info(#"{"name":"c","delivered":{"consumer_seq":18446744073709551614,"stream_seq":1},"#
                                 + #""num_pending":1}"#)
        #expect(try OrderedConsumer.initialPending(fine) == .max)
    }

    @Test("no sequence follows 2^64 - 1")
    func sequenceAfterTheLast() throws {
        #expect(try OrderedConsumer.sequence(after: 41) == 42)
        #expect(throws: JetStreamError.invalidResponse(
            "stream sequence 18446744073709551615 is the largest possible; nothing can follow it")) {
            try OrderedConsumer.sequence(after: .max)
        }
    }

    @Test("numbers past 64 bits in API JSON are decoding errors")
    func tooBigForUInt64() {
        #expect(throws: (any Error).self) {
            try Self.info(#"{"name":"c","delivered":{"consumer_seq":18446744073709551616,"stream_seq":1},"num_pending":0}"#)
        }
        #expect(throws: (any Error).self) {
            try Self.info(#"{"name":"c","delivered":{"consumer_seq":-1,"stream_seq":1},"num_pending":0}"#)
        }
    }
}

@Suite struct AckSubjects {
    @Test func version1() throws {
        let m = try #require(AckMetadata("$JS.ACK.KV_b.ORD1.1.3.2.1795584467528691484.5"))
        #expect(m.streamSeq == 3 && m.consumerSeq == 2 && m.pending == 5 && m.timestampNanos == 1795584467528691484)
    }

    @Test func version2() throws {
        let m = try #require(AckMetadata("$JS.ACK.hub.ACCHASH.KV_b.ORD1.1.9.4.1795584467528691484.0.r4nd"))
        #expect(m.streamSeq == 9 && m.consumerSeq == 4 && m.pending == 0)
    }

    @Test func notAnAck() {
        #expect(AckMetadata("_INBOX.abc") == nil)
        #expect(AckMetadata("$JS.ACK.a.b.c") == nil)
    }
}

@Suite("Pipelined publish reply subjects")
struct ReplyIndexTests {
    @Test(arguments: [("_INBOX.abc.0", 0), ("_INBOX.abc.41", 41), ("x.99999", 99_999)] as [(String, Int)])
    func parsesTheLastToken(_ subject: String, _ index: Int) {
        #expect(JetStreamContext.replyIndex(subject) == index)
    }

    @Test(arguments: ["_INBOX.abc.", "_INBOX.abc.4x", "41", "_INBOX.abc.-1", "a.1234567890123456789", ""])
    func rejectsAnythingElse(_ subject: String) {
        #expect(JetStreamContext.replyIndex(subject) == nil)
    }
}

@Suite("API replies")
struct APIReplyTests {
    @Test(arguments: [#"{"type":"x","error":{"code":404}}"#, #"{"error":1}"#, #"["a","error"]"#])
    func repliesThatMayCarryAnError(_ json: String) {
        #expect(JetStreamContext.mentionsError(ByteBuffer(string: json)))
    }

    @Test(arguments: [#"{"type":"io.nats.jetstream.api.v1.stream_info_response","config":{}}"#,
                      #"{"errors":0}"#, #"{"description":"no error here"}"#, "", #""error"#])
    func repliesThatCannot(_ json: String) {
        #expect(!JetStreamContext.mentionsError(ByteBuffer(string: json)))
    }

    @Test func briefDecodesTheTwoSettings() throws {
        let json = #"{"config":{"name":"KV_b","allow_direct":true,"max_msgs_per_subject":5,"subjects":["$KV.b.>"]},"state":{"messages":3}}"#
        let brief = try JSONDecoder().decode(StreamBrief.self, from: Data(json.utf8))
        #expect(brief.config.allowDirect == true)
        #expect(brief.config.maxMsgsPerSubject == 5)
    }
}

@Suite struct RawConfigJSON {
    @Test("a stream configuration passes through RawJSON unchanged: big integers stay exact, unknown fields stay")
    func roundTrip() throws {
        let text = #"""
            {"max_age":9223372036854775807,"first_seq":18446744073709551615,"ratio":1.5,"sealed":false,
             "republish":{"src":"$KV.b.>","dest":"r.>","headers_only":true},"sources":[],"mirror":null,
             "metadata":{"owner":"team-a"},"subjects":["$KV.b.>"],"future_field":[1,-2,"x",{"y":null}]}
            """#
        let decoded = try JSONDecoder().decode([String: RawJSON].self, from: Data(text.utf8))
        #expect(decoded["max_age"] == .int(Int64.max))
        #expect(decoded["first_seq"] == .unsigned(UInt64.max))
        #expect(decoded["ratio"] == .double(1.5))
        #expect(decoded["sealed"] == .bool(false))
        #expect(decoded["mirror"] == .null)
        #expect(decoded["future_field"] == .array([.int(1), .int(-2), .string("x"), .object(["y": .null])]))
        let again = try JSONDecoder().decode([String: RawJSON].self, from: JSONEncoder().encode(decoded))
        #expect(again == decoded)
    }
}

@Suite("Stream cluster and placement JSON")
struct StreamClusterDecoding {
    /// A STREAM.INFO reply of an R3 stream as nats-server 2.15 sends it (config trimmed).
    static let info = #"""
        {"type":"io.nats.jetstream.api.v1.stream_info_response","total":0,"offset":0,"limit":0,
         "created":"2026-12-02T06:40:00.123456789Z","config":{"name":"KV_b","num_replicas":3,
         "placement":{"tags":["az:1"]}},
         "state":{"messages":2,"bytes":90,"first_seq":1,"last_seq":2,"consumer_count":0},
         "cluster":{"name":"c1","raft_group":"S-R3F-abc","leader":"n2","leader_since":"2026-12-02T06:40:01Z",
          "system_account":true,"traffic_account":"$SYS",
          "replicas":[{"name":"n1","current":true,"active":1532000,"peer":"fjFyEjc1"},
                      {"name":"n3","current":false,"offline":true,"active":4204000000,"lag":7,"peer":"BXScrY9i"}]}}
        """#

    @Test func clusterOfAReplicatedStream() throws {
        let decoded = try JSONDecoder().decode(StreamInfo.self, from: Data(Self.info.utf8))
        let cluster = try #require(decoded.cluster)
        #expect(cluster.name == "c1" && cluster.leader == "n2")
        #expect(cluster.replicas == [
            PeerInfo(name: "n1", current: true, offline: nil, active: 1_532_000, lag: nil),
            PeerInfo(name: "n3", current: false, offline: true, active: 4_204_000_000, lag: 7),
        ])
        #expect(decoded.config.placement == StreamPlacement(cluster: "", tags: ["az:1"]))
    }

    @Test("a single server's cluster object has only the leader; no cluster at all decodes as nil")
    func singleServer() throws {
        let single = try JSONDecoder().decode(StreamClusterInfo.self, from: Data(#"{"leader":"NDQZ"}"#.utf8))
        #expect(single == StreamClusterInfo(name: nil, leader: "NDQZ", replicas: nil))
        let none = try JSONDecoder().decode(
            StreamInfo.self, from: Data(#"{"config":{"name":"s"},"state":{"messages":0,"bytes":0,"first_seq":0,"last_seq":0,"consumer_count":0}}"#.utf8))
        #expect(none.cluster == nil && none.config.placement == nil)
    }

    @Test("placement goes out as nats.go sends it: cluster always, tags when given")
    func placementEncoding() throws {
        func json(_ p: StreamPlacement) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys  // the key order is the encoder's
            return String(decoding: try encoder.encode(p), as: UTF8.self)
        }
        #expect(try json(StreamPlacement(cluster: "", tags: ["az:1", "ssd"])) == #"{"cluster":"","tags":["az:1","ssd"]}"#)
        #expect(try json(StreamPlacement(cluster: "east")) == #"{"cluster":"east"}"#)
        let back = try JSONDecoder().decode(StreamPlacement.self, from: Data(#"{"cluster":"east","preferred":"n1"}"#.utf8))
        #expect(back == StreamPlacement(cluster: "east", tags: []))
    }
}
