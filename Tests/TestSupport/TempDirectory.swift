import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates a fresh, uniquely named directory under the system temp directory and returns its path.
public func makeTempDir(prefix: String) throws -> String {
    let template = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
        .appendingPathComponent(prefix + "XXXXXX").path
    var buffer = Array(template.utf8CString)
    let created: String? = buffer.withUnsafeMutableBufferPointer { pointer in
        guard let base = pointer.baseAddress, let result = mkdtemp(base) else { return nil }
        return String(cString: result)
    }
    guard let created else {
        throw TestSupportError("mkdtemp(\(template)) failed: \(errnoDescription())")
    }
    return created
}

/// The current process environment with `overrides` applied and `removing` keys deleted.
/// Handy for `runProcess(env:)`, which otherwise replaces the whole environment.
public func inheritedEnvironment(_ overrides: [String: String] = [:], removing: [String] = []) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    for key in removing {
        environment.removeValue(forKey: key)
    }
    environment.merge(overrides) { _, new in new }
    return environment
}
