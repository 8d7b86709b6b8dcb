import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

func isExecutableRegularFile(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
        return false
    }
    return FileManager.default.isExecutableFile(atPath: path)
}

/// Looks `name` up in `$PATH` (or returns it when it already contains a slash and is executable).
func findExecutable(named name: String) -> String? {
    if name.contains("/") {
        return isExecutableRegularFile(name) ? name : nil
    }
    let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
        let candidate = String(directory) + "/" + name
        if isExecutableRegularFile(candidate) {
            return candidate
        }
    }
    return nil
}
