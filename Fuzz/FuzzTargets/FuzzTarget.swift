import TestSupport

/// One fuzzed entry point: the same function serves libFuzzer (`kvsh-fuzz` built by
/// `scripts/fuzz`) and the seeded pass inside `swift test` (`Tests/FuzzTests`).
public struct FuzzTarget: Sendable {
    public let name: String
    /// Valid and near-valid inputs the generator starts from (also a libFuzzer seed corpus).
    public let seeds: [[UInt8]]
    /// Pieces the generator splices in: keywords, delimiters, extreme numbers.
    public let tokens: [[UInt8]]
    /// Runs one input. A trap is a crash; a broken property is returned as a description.
    public let run: @Sendable ([UInt8]) -> String?

    init(_ name: String, seeds: [String], tokens: [String], run: @escaping @Sendable ([UInt8]) -> String?) {
        self.name = name
        self.seeds = seeds.map { Array($0.utf8) }
        self.tokens = (tokens + FuzzTarget.numbers).map { Array($0.utf8) }
        self.run = run
    }

    /// Numbers at and past the edges of every integer type the code converts to.
    static let numbers = [
        "0", "-0", "1", "-1", "255", "256", "65535", "65536", "2147483647", "2147483648", "-2147483649",
        "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "18446744073709551615", "18446744073709551616", "99999999999999999999999",
        "1e308", "1e309", "-1e309", "0.5", "1.0e2", "NaN",
    ]
}

/// What a seeded pass did.
public struct SeededOutcome: Sendable {
    public var inputs = 0
    /// Broken properties, each with the input that broke it (escaped).
    public var findings: [String] = []
    /// The slowest single input, for spotting near-hangs.
    public var slowest: Duration = .zero
}

extension FuzzTarget {
    /// Runs `count` inputs generated from `seed`: the seeds themselves, then mutations of
    /// them. Deterministic, so a finding reproduces with the same seed.
    public func seededRun(count: Int, seed: UInt64) -> SeededOutcome {
        var rng = SplitMix64(seed: seed)
        var outcome = SeededOutcome()
        let clock = ContinuousClock()
        for index in 0..<count {
            let input = self.input(index, &rng)
            let start = clock.now
            let finding = run(input)
            outcome.slowest = max(outcome.slowest, clock.now - start)
            outcome.inputs += 1
            if let finding, outcome.findings.count < 20 {
                outcome.findings.append("\(finding) — input \(String(decoding: input, as: UTF8.self).debugDescription)")
            }
        }
        return outcome
    }

    /// The inputs `seededRun` feeds, without running them.
    public func generatedInputs(count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { input($0, &rng) }
    }

    /// Input `index` of a run: the seeds first, then mutations of them.
    private func input(_ index: Int, _ rng: inout SplitMix64) -> [UInt8] {
        index < seeds.count ? seeds[index] : mutated(&rng)
    }

    /// A seed changed in one to five places.
    func mutated(_ rng: inout SplitMix64) -> [UInt8] {
        var data = seeds.isEmpty ? [] : seeds[rng.below(seeds.count)]
        for _ in 0..<(1 + rng.below(5)) {
            let at = rng.below(data.count + 1)
            switch rng.below(9) {
            case 0 where !data.isEmpty:
                data[min(at, data.count - 1)] ^= UInt8(1) << UInt8(rng.below(8))
            case 1 where !data.isEmpty:
                data[min(at, data.count - 1)] = rng.byte()
            case 2:
                data.removeSubrange(at...)
            case 3:
                data.insert(contentsOf: rng.bytes(1 + rng.below(8)), at: at)
            case 4, 5:
                data.insert(contentsOf: tokens[rng.below(tokens.count)], at: at)
            case 6:
                data.removeSubrange(at..<min(data.count, at + 1 + rng.below(16)))
            case 7 where !seeds.isEmpty:
                // Splice in part of another seed.
                let other = seeds[rng.below(seeds.count)]
                let from = rng.below(other.count + 1)
                data.insert(contentsOf: other[from..<min(other.count, from + rng.below(32))], at: at)
            default:
                // Replace a run of digits by an extreme number: sizes, sequences, limits.
                guard let start = data.indices.dropFirst(at).first(where: { data[$0] >= 0x30 && data[$0] <= 0x39 })
                    ?? data.indices.first(where: { data[$0] >= 0x30 && data[$0] <= 0x39 }) else { continue }
                var end = start
                while end < data.count, data[end] >= 0x30 && data[end] <= 0x39 { end += 1 }
                data.replaceSubrange(start..<end, with: FuzzTarget.numbers.randomElementBytes(&rng))
            }
        }
        return data
    }
}

extension [String] {
    fileprivate func randomElementBytes(_ rng: inout SplitMix64) -> [UInt8] { [UInt8](self[rng.below(count)].utf8) }
}

/// Every target, by name.
public enum FuzzTargets {
    public static let all: [FuzzTarget] = [
        wire, jetStreamAcks, serverURL, shell, durationAndSize, checkpoint, apiJSON, jsonText, printfFormat,
    ]

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}
