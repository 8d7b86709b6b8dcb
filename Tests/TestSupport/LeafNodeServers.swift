// A hub and a leaf node, each with JetStream in its own domain, for the `--js-domain` and
// `--js-api-prefix` tests (the shape of nats-server's jetstream_leafnode_test.go).

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `hub` (JetStream domain `hub`, listening for leaf nodes) and `leaf` (domain `leaf`, one
/// remote: the hub), on free loopback ports with temp dirs. Ready once a JetStream request
/// for domain `hub` sent to the leaf gets the hub's answer.
public final class HubAndLeafServers: Sendable {
    public let hub: NATSServerProcess
    public let leaf: NATSServerProcess

    public init(timeout: Double = 10) throws {
        let deadline = monotonicNow() + timeout
        hub = try NATSServerProcess(config: """
            server_name: hub
            jetstream { domain: hub }
            leafnodes { listen: "127.0.0.1:-1" }
            """)
        let leafnodePort = try Self.leafnodePort(of: hub, deadline: deadline)
        leaf = try NATSServerProcess(config: """
            server_name: leaf
            jetstream { domain: leaf }
            leafnodes { remotes = [ { url: "nats://127.0.0.1:\(leafnodePort)" } ] }
            """)
        try Self.awaitAnswer(on: leaf.port, to: "$JS.hub.API.INFO", deadline: deadline)
    }

    public func stop() {
        leaf.stop()
        hub.stop()
    }

    /// The port of `Listening for leafnode connections on 127.0.0.1:PORT` in the log (the
    /// ports file lists client ports only).
    private static func leafnodePort(of server: NATSServerProcess, deadline: Double) throws -> Int {
        let marker = "Listening for leafnode connections on 127.0.0.1:"
        while true {
            let log = server.log()
            if let range = log.range(of: marker),
               let port = Int(log[range.upperBound...].prefix { $0.isNumber }) {
                return port
            }
            if monotonicNow() >= deadline {
                throw TestSupportError("the hub announced no leafnode port\n\(log.suffix(2000))")
            }
            sleepSeconds(0.02)
        }
    }

    /// Sends a request on `subject` to the server at `port` with the plain protocol until a
    /// reply comes (the leaf connection is up and the hub's mappings are in place).
    private static func awaitAnswer(on port: Int, to subject: String, deadline: Double) throws {
        let probe = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB _PROBE.* 1\r\n"
            + "PUB \(subject) _PROBE.1 0\r\n\r\nPING\r\n"
        while true {
            if let fd = connectLoopback(port: port) {
                defer { close(fd) }
                _ = probe.withCString { write(fd, $0, strlen($0)) }
                var received: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                let attemptEnd = min(deadline, monotonicNow() + 0.5)
                while monotonicNow() < attemptEnd {
                    var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    guard poll(&descriptor, 1, 50) > 0 else { continue }
                    let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count <= 0 { break }
                    received += chunk[0..<count]
                    if String(decoding: received, as: UTF8.self).contains("MSG _PROBE.1 ") { return }
                }
            }
            if monotonicNow() >= deadline {
                throw TestSupportError("no answer on \(subject) through 127.0.0.1:\(port): the leaf node did not connect")
            }
            sleepSeconds(0.05)
        }
    }
}
