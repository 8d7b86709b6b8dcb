import FuzzTargets
import Testing

/// A short seeded pass of every fuzz target, through the very entry functions libFuzzer
/// drives (`scripts/fuzz` runs them for 10^6 inputs each): CI covers them without the
/// fuzzer runtime, and a finding reproduces from its seed.
@Suite("Fuzz targets: seeded pass")
struct SeededFuzzTests {
    @Test("no trap and no broken property", arguments: FuzzTargets.all.map(\.name))
    func seeded(_ name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        let outcome = target.seededRun(count: 4_000, seed: 0x6B76_7368_F022)
        #expect(outcome.inputs == 4_000)
        #expect(outcome.findings.isEmpty, "\(outcome.findings.joined(separator: "\n"))")
    }

    @Test("the generator is deterministic and does change its seeds")
    func generator() throws {
        let target = try #require(FuzzTargets.named("wire"))
        let inputs = target.generatedInputs(count: 500, seed: 7)
        #expect(inputs == target.generatedInputs(count: 500, seed: 7))
        #expect(inputs != target.generatedInputs(count: 500, seed: 8))
        #expect(Set(inputs).count > 400)
    }
}
