import NIOCore
import Testing
import TestSupport
@testable import NATSWire

/// The parser must produce the same ops however the stream is cut into reads.
@Suite("ServerOpParser: arbitrary read boundaries")
struct ServerOpSplitTests {
    /// Every op kind, no large payloads: cheap enough to cut at every offset.
    static let small = Samples.concat(Samples.catalogue)

    /// The catalogue plus a 70,000-byte binary MSG and a 5,000-byte binary HMSG.
    static let big: (wire: [UInt8], ops: [ServerOp], boundaries: [Int]) = {
        var samples = Samples.catalogue
        samples.insert(Samples.msg("big.binary", sid: 77, reply: "_INBOX.big",
                                   payload: Samples.bigPayload(count: 70_000)), at: 3)
        samples.insert(Samples.hmsg("big.headers", sid: 78,
                                    headerBlock: "NATS/1.0\r\nNats-Msg-Size: 5000\r\n\r\n",
                                    headers: Samples.headers(nil, nil, [("Nats-Msg-Size", "5000")]),
                                    payload: Samples.bigPayload(count: 5_000, seed: 7)), at: 9)
        samples.append(Samples.msg("tail.empty", sid: 79, payload: []))
        return Samples.concat(samples)
    }()

    @Test func bigPayloadHasEveryByteValueAndCRLFs() {
        let payload = Samples.bigPayload(count: 70_000)
        #expect(payload.count == 70_000)
        #expect(Set(payload).count == 256)
        #expect(Array(payload.prefix(2)) == [0x0D, 0x0A])
        #expect(Array(payload.suffix(2)) == [0x0D, 0x0A])
        let crlfs = zip(payload, payload.dropFirst()).filter { $0 == 0x0D && $1 == 0x0A }.count
        #expect(crlfs > 100)
    }

    @Test func wholeStreamsParseToTheExpectedOps() {
        for stream in [Self.small, Self.big] {
            let whole = parseWhole(stream.wire)
            #expect(whole.error == nil)
            #expect(whole.leftover == 0)
            #expect(whole.ops == stream.ops)
        }
    }

    @Test func smallStreamSplitInTwoAtEveryOffset() {
        let (wire, ops, _) = Self.small
        let expected = ParseOutcome(ops: ops, error: nil, leftover: 0)
        #expect(parseWhole(wire) == expected)
        var mismatches: [Int] = []
        for cut in 0...wire.count where parseChunked(wire, cuts: [cut]) != expected {
            mismatches.append(cut)
        }
        #expect(mismatches.isEmpty, "differs when cut at \(mismatches.prefix(20))")
    }

    @Test func smallStreamOneByteAtATime() {
        let (wire, ops, _) = Self.small
        let expected = ParseOutcome(ops: ops, error: nil, leftover: 0)
        #expect(parseBytewise(wire) == expected)
        #expect(parseBytewise(wire, discardConsumed: true) == expected)
    }

    @Test func smallStreamRandomChunkings() {
        let (wire, ops, _) = Self.small
        let expected = ParseOutcome(ops: ops, error: nil, leftover: 0)
        var rng = SplitMix64(seed: 0x5EED_0001)
        for round in 0..<300 {
            let cuts = (0..<(1 + rng.below(12))).map { _ in rng.below(wire.count + 1) }.sorted()
            let outcome = parseChunked(wire, cuts: cuts, discardConsumed: round.isMultiple(of: 2))
            #expect(outcome == expected, "cuts \(cuts)")
            if outcome != expected { break }
        }
    }

    @Test func bigStreamSplitInTwoAtSampledOffsetsAndBoundaries() {
        let (wire, ops, boundaries) = Self.big
        let expected = ParseOutcome(ops: ops, error: nil, leftover: 0)
        var cuts = Set<Int>()
        var rng = SplitMix64(seed: 0xB16_57EA)
        while cuts.count < 500 { cuts.insert(rng.below(wire.count + 1)) }
        // Around every op boundary, and around the end of every control line (where a
        // payload starts) and the CRLF that closes every payload.
        var interesting = boundaries
        for (start, end) in zip(boundaries, boundaries.dropFirst()) {
            var lineEnd = start
            while lineEnd < end - 1 && !(wire[lineEnd] == 0x0D && wire[lineEnd + 1] == 0x0A) { lineEnd += 1 }
            interesting.append(lineEnd + 2)
            interesting.append(end - 2)
        }
        for point in interesting {
            for delta in -3...3 where (0...wire.count).contains(point + delta) {
                cuts.insert(point + delta)
            }
        }
        var mismatches: [Int] = []
        for cut in cuts.sorted() where parseChunked(wire, cuts: [cut]) != expected {
            mismatches.append(cut)
        }
        #expect(mismatches.isEmpty, "differs when cut at \(mismatches.prefix(20))")
    }

    @Test func bigStreamOneByteAtATime() {
        let (wire, ops, _) = Self.big
        #expect(parseBytewise(wire, discardConsumed: true) == ParseOutcome(ops: ops, error: nil, leftover: 0))
    }

    @Test func bigStreamRandomChunkings() {
        let (wire, ops, _) = Self.big
        let expected = ParseOutcome(ops: ops, error: nil, leftover: 0)
        var rng = SplitMix64(seed: 0xC4_0C5)
        for round in 0..<40 {
            let cuts = (0..<(2 + rng.below(40))).map { _ in rng.below(wire.count + 1) }.sorted()
            let outcome = parseChunked(wire, cuts: cuts, discardConsumed: round.isMultiple(of: 2))
            #expect(outcome == expected, "cuts \(cuts)")
            if outcome != expected { break }
        }
    }

    @Test func truncatedStreamLeavesThePartialOpBuffered() {
        let (wire, ops, boundaries) = Self.small
        var rng = SplitMix64(seed: 99)
        for _ in 0..<200 {
            let length = rng.below(wire.count + 1)
            let complete = boundaries.lastIndex { $0 <= length }!
            let expected = ParseOutcome(ops: Array(ops.prefix(complete)), error: nil,
                                        leftover: length - boundaries[complete])
            let prefix = Array(wire.prefix(length))
            #expect(parseWhole(prefix) == expected, "prefix of \(length)")
            #expect(parseChunked(prefix, cuts: [rng.below(length + 1)]) == expected)
        }
    }
}
