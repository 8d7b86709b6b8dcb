// Failures of the test infrastructure itself.

import Foundation

/// A failure in the test infrastructure itself (server did not start, binary missing, ...).
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Thrown by `runProcess` when the child did not finish within its timeout.
/// The child has been killed (SIGKILL); whatever it wrote so far is attached.
public struct ProcessTimeoutError: Error, CustomStringConvertible {
    public let path: String
    public let arguments: [String]
    public let timeout: Double
    public let stdout: Data
    public let stderr: Data

    public var description: String {
        "process timed out after \(timeout)s and was killed: \(path) \(arguments.joined(separator: " "))\n"
            + "--- stdout ---\n\(String(decoding: stdout, as: UTF8.self))\n"
            + "--- stderr ---\n\(String(decoding: stderr, as: UTF8.self))"
    }
}
