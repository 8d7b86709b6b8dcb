// The fuzz driver (not shipped). Built by `scripts/fuzz` with libFuzzer
// (`-sanitize=fuzzer -parse-as-library -DFUZZING`), it fuzzes the target named by
// $KVSH_FUZZ_TARGET. Built plainly, it runs the seeded generator:
// `kvsh-fuzz TARGET [RUNS] [SEED]`, for machines without the fuzzer runtime.
import FuzzTargets
#if canImport(Glibc)
import Glibc
#endif

#if FUZZING

private let target: FuzzTarget = {
    let name = getenv("KVSH_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTargets.named(name) else {
        fatalError("set KVSH_FUZZ_TARGET to one of: \(FuzzTargets.all.map(\.name).joined(separator: ", "))")
    }
    return target
}()

/// Writes the target's seeds into $KVSH_FUZZ_SEED_DIR (libFuzzer reads its corpus after this).
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    guard let dir = getenv("KVSH_FUZZ_SEED_DIR").map({ String(cString: $0) }) else { return 0 }
    for (index, seed) in target.seeds.enumerated() {
        guard let file = fopen("\(dir)/seed-\(index)", "wb") else { continue }
        _ = seed.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let finding = target.run(bytes) {
        let shown = String(decoding: bytes.prefix(300), as: UTF8.self).debugDescription
        fatalError("\(target.name): \(finding) — input \(shown)")
    }
    return 0
}
#else
@main
struct SeededDriver {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTargets.named(name) else {
            print("usage: kvsh-fuzz TARGET [RUNS] [SEED]; targets: \(FuzzTargets.all.map(\.name).joined(separator: " "))")
            exit(64)
        }
        let runs = arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000
        let seed = arguments.dropFirst(2).first.flatMap { UInt64($0) } ?? 1
        let outcome = target.seededRun(count: runs, seed: seed)
        print("\(name): \(outcome.inputs) inputs, \(outcome.findings.count) findings, slowest \(outcome.slowest)")
        for finding in outcome.findings { print("  \(finding)") }
        exit(outcome.findings.isEmpty ? 0 : 1)
    }
}
#endif
