#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
@testable import JetStream
@testable import KeyValueNATS
@testable import KvshCLI
import NATSWire
import NIOCore

extension FuzzTargets {
    /// The PubAck fast path (it must agree with the JSON decoder whenever it answers), ack
    /// subjects and RFC 3339 times.
    static let jetStreamAcks = FuzzTarget(
        "acks",
        seeds: [
            #"{"stream":"KV_my-kv","seq":1234}"#, #"{"stream":"KV_b","seq":7,"duplicate":true}"#,
            #"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 2"},"stream":"KV_b","seq":0}"#,
            "$JS.ACK.KV_b.ORD1.1.3.2.1795584467528691484.5",
            "$JS.ACK.hub.ACCHASH.KV_b.ORD1.1.9.4.1795584467528691484.0.r4nd",
            "2026-11-25T05:27:25.95767448Z", "2026-11-25T06:27:25.5+01:00", "1970-01-01T00:00:00Z",
            "2262-04-11T23:47:16.854775807Z",
        ],
        tokens: [".", "$JS.ACK.", "\"", ",", "}", "{", ":", "T", "Z", "+", "-", "59", "99", "9999"],
        run: { bytes in
            let buffer = ByteBuffer(bytes: bytes)
            if let fast = PubAck.parseCommon(buffer) {
                guard let full = try? JSONDecoder().decode(PubAck.self, from: Data(bytes)) else {
                    return "the fast path accepted \(fast), the decoder refused"
                }
                if full != fast { return "fast path \(fast), decoder \(full)" }
            }
            _ = try? JetStreamContext.decodeAck(InboundMessage(subject: "x", sid: 1, payload: buffer),
                                                publishedOn: "$KV.b.k")
            let text = String(decoding: bytes, as: UTF8.self)
            if let ack = AckMetadata(text), ack.timestampNanos < 0 { return "negative ack time" }
            if let nanos = RFC3339.parseNanos(text), nanos < 0 { return "time before 1970: \(nanos)" }
            _ = JetStreamContext.replyIndex(text)
            return nil
        })

    /// API replies with extreme numbers: decoded, turned into a bucket status, rendered as
    /// text and JSON, as `kv status`/`kv ls` would.
    static let apiJSON = FuzzTarget(
        "api-json",
        seeds: [
            #"{"config":{"name":"KV_b","subjects":["$KV.b.>"],"max_msgs_per_subject":5,"max_age":3600000000000,"#
                + #""max_msg_size":1024,"max_bytes":1048576,"storage":"file","num_replicas":3,"compression":"s2","#
                + #""subject_delete_marker_ttl":1000000000,"allow_msg_ttl":true},"created":"2026-11-25T05:27:25.9Z","#
                + #""state":{"messages":18446744073709551615,"bytes":18446744073709551615,"first_seq":1,"#
                + #""last_seq":18446744073709551615,"last_ts":"2026-11-25T05:27:25.95767448Z","consumer_count":1},"#
                + #""cluster":{"name":"c","leader":"n1","replicas":[{"name":"n2","current":true,"active":9223372036854775807,"#
                + #""lag":18446744073709551615},{"name":"n3","offline":true,"active":-9223372036854775808}]}}"#,
            #"{"config":{"name":"KV_x","max_msgs_per_subject":-9223372036854775808,"max_age":-1,"max_msg_size":-2147483648,"#
                + #""max_bytes":-9223372036854775808,"num_replicas":-1},"state":{"messages":0,"bytes":0}}"#,
            #"{"name":"c","delivered":{"consumer_seq":18446744073709551615,"stream_seq":1},"num_pending":1}"#,
            #"{"memory":18446744073709551615,"storage":0,"streams":-1,"consumers":9223372036854775807,"#
                + #""limits":{"max_memory":-9223372036854775808,"max_storage":9223372036854775807,"max_streams":-1},"#
                + #""api":{"level":2,"total":18446744073709551615,"errors":0},"domain":"hub"}"#,
            #"{"type":"io.nats.jetstream.api.v1.stream_info_response","error":{"code":404,"err_code":10059,"#
                + #""description":"stream not found\u001b[2J"}}"#,
            #"{"code":400,"err_code":10071,"description":"wrong last sequence: 18446744073709551615"}"#,
        ],
        tokens: ["{", "}", "[", "]", ",", ":", "\"", "null", "true", "-", "e", "E", "."],
        run: { bytes in
            let data = Data(bytes)
            let decoder = JSONDecoder()
            if let info = try? decoder.decode(StreamInfo.self, from: data) {
                let status = StreamLayout.status(info)
                _ = renderStatus(status)
                _ = jsonStatus(status)
                _ = renderBucketList([status], now: Date())
            }
            if let consumer = try? decoder.decode(ConsumerInfo.self, from: data) {
                if let pending = try? OrderedConsumer.initialPending(consumer),
                   pending < consumer.numPending { return "pending sum wrapped" }
            }
            if let account = try? decoder.decode(AccountInfo.self, from: data) {
                _ = account.limits.maxMemory < 0 ? "Unlimited" : formatBytes(UInt64(account.limits.maxMemory))
            }
            if let error = try? decoder.decode(APIError.self, from: data) {
                if error.lastSequence != nil, error.errCode != .wrongLastSequence { return "a revision from \(error)" }
                if error.errCode.rawValue != APIErrorCode(rawValue: error.errCode.rawValue).rawValue {
                    return "err_code \(error.errCode) did not round-trip"
                }
            }
            _ = try? ServerInfo.decode(ByteBuffer(bytes: bytes))
            return nil
        })
}
