// embedded-storm: writes to an embedded store as fast as it can and prints every write as soon
// as it is acknowledged, for the kill -9 test in KeyValueEmbeddedTests.
//
//   embedded-storm STORE BUCKET COUNT
//       puts key k<i> = "value <i>" for i in 0..<COUNT (one write per transaction) and
//       prints "<i> <revision>" after each; the bucket must exist.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KeyValueEmbedded

/// One line to a file descriptor with write(2), not buffered stdio: once the line is out, the
/// parent knows.
func say(_ fd: Int32, _ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

let args = CommandLine.arguments
guard args.count == 4, let count = Int(args[3]) else {
    say(2, "usage: embedded-storm STORE BUCKET COUNT")
    exit(2)
}
do {
    let store = try await EmbeddedKeyValueStore.open(path: args[1])
    let bucket = try await store.bucket(args[2])
    for i in 0..<count {
        let revision = try await bucket.put("k\(i)", Array("value \(i)".utf8))
        say(1, "\(i) \(revision)")
    }
    await store.close()
} catch {
    say(2, "embedded-storm: \(error)")
    exit(1)
}
