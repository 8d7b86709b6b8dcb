import NIOCore
import Testing
import TestSupport
@testable import NATSWire

/// Random and mutated streams: each must either parse to ops or throw a WireError
/// (never trap), and the result must not depend on how the bytes were split into reads.
@Suite("ServerOpParser: fuzzing")
struct ParserFuzzTests {
    static let tokens: [[UInt8]] = [
        "MSG ", "HMSG ", "msg ", "PING", "PONG", "+OK", "-ERR ", "INFO ", "{}", "\r\n", "\r", "\n",
        " ", "\t", "0", "1", "5", "12", "16", "99", "9999999999999999999", "foo", "_INBOX.x",
        "NATS/1.0", "NATS/1.0 503", "NATS/1.0 100 Idle Heartbeat", "Foo: bar", ":", "'", "\"",
    ].map { Array($0.utf8) }

    /// Small limits so that limit checks are reached too.
    static let parsers = [ServerOpParser(), ServerOpParser(maxControlLine: 24, maxMessageSize: 40)]

    /// Parses `data` whole, split in two, and (sometimes) byte by byte; all must agree.
    static func check(_ data: [UInt8], rng: inout SplitMix64, bytewise: Bool,
                      parser: ServerOpParser = ServerOpParser()) -> Bool {
        let whole = parseWhole(data, parser: parser)
        if !whole.failed {
            #expect(whole.leftover <= data.count)
        }
        for op in whole.ops {
            if let m = op.message {
                #expect(m.payload.readableBytes <= parser.maxMessageSize)
            }
        }
        let cut = rng.below(data.count + 1)
        let split = parseChunked(data, cuts: [cut], parser: parser)
        guard split == whole else {
            Issue.record("split at \(cut) gave \(split), whole gave \(whole), input \(data)")
            return false
        }
        if bytewise {
            let bytes = parseBytewise(data, parser: parser)
            guard bytes == whole else {
                Issue.record("bytewise gave \(bytes), whole gave \(whole), input \(data)")
                return false
            }
        }
        return true
    }

    static func mutate(_ input: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var data = input
        for _ in 0..<(1 + rng.below(4)) {
            let at = rng.below(data.count + 1)
            switch rng.below(7) {
            case 0 where !data.isEmpty: // flip one bit
                let i = min(at, data.count - 1)
                data[i] ^= UInt8(1) << UInt8(rng.below(8))
            case 1 where !data.isEmpty: // replace with a random byte
                data[min(at, data.count - 1)] = rng.byte()
            case 2: // truncate
                data.removeSubrange(at...)
            case 3: // insert random bytes
                data.insert(contentsOf: rng.bytes(1 + rng.below(8)), at: at)
            case 4: // insert a protocol token
                data.insert(contentsOf: tokens[rng.below(tokens.count)], at: at)
            case 5: // delete a range
                data.removeSubrange(at..<min(data.count, at + 1 + rng.below(16)))
            default: // change a digit, which mostly changes a size
                let digits = data.indices.filter { data[$0] >= 0x30 && data[$0] <= 0x39 }
                if !digits.isEmpty {
                    data[digits[rng.below(digits.count)]] = 0x30 + UInt8(rng.below(10))
                }
            }
        }
        return data
    }

    @Test func mutationsOfAValidStream() {
        let base = Samples.concat(Samples.catalogue).wire
        var rng = SplitMix64(seed: 0xF022_0001)
        var rejected = 0
        for round in 0..<1_500 {
            let data = Self.mutate(base, rng: &rng)
            let parser = Self.parsers[round % 2 == 0 ? 0 : 1]
            guard Self.check(data, rng: &rng, bytewise: round.isMultiple(of: 50), parser: parser) else { return }
            if parseWhole(data, parser: parser).failed { rejected += 1 }
        }
        // Sanity: the mutations do reach the error paths.
        #expect(rejected > 100)
    }

    @Test func mutationsOfSingleOps() {
        var rng = SplitMix64(seed: 0xF022_0002)
        let samples = Samples.catalogue
        for round in 0..<1_500 {
            let sample = samples[round % samples.count]
            let data = Self.mutate(sample.wire, rng: &rng)
            guard Self.check(data, rng: &rng, bytewise: round.isMultiple(of: 5),
                             parser: Self.parsers[round % 2]) else { return }
        }
    }

    @Test func randomBytes() {
        var rng = SplitMix64(seed: 0xF022_0003)
        for round in 0..<1_500 {
            let data = rng.bytes(rng.below(96))
            guard Self.check(data, rng: &rng, bytewise: round.isMultiple(of: 5)) else { return }
        }
    }

    @Test func randomTokenSoup() {
        var rng = SplitMix64(seed: 0xF022_0004)
        var parsedSomething = 0
        for round in 0..<2_000 {
            var data: [UInt8] = []
            for _ in 0..<(1 + rng.below(16)) {
                data += rng.below(10) == 0 ? [rng.byte()] : Self.tokens[rng.below(Self.tokens.count)]
            }
            let parser = Self.parsers[round % 2]
            guard Self.check(data, rng: &rng, bytewise: round.isMultiple(of: 4), parser: parser) else { return }
            if !parseWhole(data, parser: parser).ops.isEmpty { parsedSomething += 1 }
        }
        #expect(parsedSomething > 10)
    }

    @Test func randomHeaderBlocks() {
        var rng = SplitMix64(seed: 0xF022_0005)
        let pieces = ["NATS/1.0", " ", "503", "100", "Idle", "\r\n", ":", "Foo", "bar", "\t", "\r", "é"]
        for _ in 0..<1_000 {
            var block: [UInt8] = []
            for _ in 0..<rng.below(12) {
                block += rng.below(6) == 0 ? [rng.byte()] : Array(pieces[rng.below(pieces.count)].utf8)
            }
            do {
                let headers = try NATSHeaders.parse(ByteBuffer(bytes: block))
                if let status = headers.status { #expect((0...999).contains(abs(status))) }
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test func splitMix64IsDeterministic() {
        var a = SplitMix64(seed: 1)
        var b = SplitMix64(seed: 1)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(Set(first).count == 8)
        // Reference value of SplitMix64 seeded with 0.
        var z = SplitMix64(seed: 0)
        #expect(z.next() == 0xE220_A839_7B1D_CDAF)
    }
}
