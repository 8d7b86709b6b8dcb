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
///
/// Hermetic for kvsh and natscli settings: `XDG_CONFIG_HOME` is an empty directory of the test
/// run's (no child reads the developer's kvshrc or selected natscli context), and the NATS
/// connection variables of the developer's shell are left out (`hermeticallyRemoved`);
/// `overrides` may set either again.
public func inheritedEnvironment(_ overrides: [String: String] = [:], removing: [String] = []) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["XDG_CONFIG_HOME"] = hermeticConfigHome
    for key in hermeticallyRemoved + removing {
        environment.removeValue(forKey: key)
    }
    environment.merge(overrides) { _, new in new }
    return environment
}

/// An empty directory, made once per test process, that children get as `XDG_CONFIG_HOME`.
public let hermeticConfigHome: String = {
    (try? makeTempDir(prefix: "kvsh-test-config-")) ?? NSTemporaryDirectory() + "/kvsh-test-config"
}()

/// The natscli connection variables that a developer's shell may hold and no test means its
/// children to inherit (a test that wants `NATS_URL` sets it in `overrides`).
public let hermeticallyRemoved = ["NATS_URL", "NATS_TIMEOUT", "NATS_CONTEXT", "NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "NATS_CREDS",
                                  "NATS_NKEY", "NATS_CERT", "NATS_KEY", "NATS_CA", "NATS_JWT", "NATS_SEED"]
