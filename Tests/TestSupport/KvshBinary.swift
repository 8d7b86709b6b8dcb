import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Locates the `kvsh` executable built by SwiftPM next to the test runner.
public enum KvshBinary {
    public static let executableName = "kvsh"

    /// Absolute path of the built `kvsh`. `$KVSH_BINARY` overrides the search. Looks in the
    /// directories of the running test binary / test bundle and up to 3 parents of each.
    /// When nothing is found, returns the most likely path (running it then fails with a
    /// clear "not executable" error).
    public static func path() -> String {
        if let explicit = ProcessInfo.processInfo.environment["KVSH_BINARY"], !explicit.isEmpty {
            return explicit
        }
        let starts = startDirectories()
        for start in starts {
            var directory = start
            for _ in 0...3 {
                let candidate = directory.appendingPathComponent(executableName).path
                if isExecutableRegularFile(candidate) {
                    return candidate
                }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        let fallback = starts.first ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return fallback.appendingPathComponent(executableName).path
    }

    private static func startDirectories() -> [URL] {
        var urls: [URL] = []
        if let argument0 = CommandLine.arguments.first, !argument0.isEmpty {
            let url = URL(fileURLWithPath: argument0)
            urls.append(url.deletingLastPathComponent())
            urls.append(url.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        if let executable = Bundle.main.executableURL {
            urls.append(executable.deletingLastPathComponent())
        }
        // macOS: the test bundle (…/debug/kvshPackageTests.xctest) sits next to `kvsh`.
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            urls.append(bundle.bundleURL.deletingLastPathComponent())
        }
        urls.append(Bundle.main.bundleURL)
        var seen = Set<String>()
        return urls.map { $0.standardizedFileURL }.filter { seen.insert($0.path).inserted }
    }
}
