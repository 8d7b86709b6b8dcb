import NIOCore

private let streamKey = Array(#"{"stream":""#.utf8)
private let seqKey = Array(#"","seq":"#.utf8)

extension PubAck {
    /// Reads the common acknowledgement `{"stream":"NAME","seq":N}` without a JSON decoder,
    /// which is most of the cost of a put on loopback. Anything else (errors, duplicates,
    /// domains, other spacing) returns nil and takes the full decoder.
    static func parseCommon(_ payload: ByteBuffer) -> PubAck? {
        let bytes = payload.readableBytesView
        guard bytes.count > streamKey.count + seqKey.count + 2, bytes.starts(with: streamKey) else { return nil }
        var i = bytes.startIndex + streamKey.count
        let nameStart = i
        while i < bytes.endIndex, bytes[i] != UInt8(ascii: "\"") {
            // Escapes, controls and non-ASCII are for the decoder to judge (it refuses
            // controls and bad UTF-8, which this loop would have let through).
            if bytes[i] == UInt8(ascii: "\\") || bytes[i] < 0x20 || bytes[i] >= 0x80 { return nil }
            i += 1
        }
        let nameEnd = i
        guard bytes[i...].starts(with: seqKey) else { return nil }
        i += seqKey.count
        var seq: UInt64 = 0
        var digits = 0
        while i < bytes.endIndex, bytes[i] >= 0x30, bytes[i] <= 0x39, digits < 19 {
            seq = seq * 10 + UInt64(bytes[i] - 0x30)
            digits += 1
            i += 1
        }
        // JSON numbers have no leading zeros: "07" is for the decoder to refuse.
        guard digits > 0, digits == 1 || bytes[i - digits] != UInt8(ascii: "0"),
              i == bytes.endIndex - 1, bytes[i] == UInt8(ascii: "}") else { return nil }
        return PubAck(stream: String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self), seq: seq)
    }
}
