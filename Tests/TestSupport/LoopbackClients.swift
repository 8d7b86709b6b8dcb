// Minimal blocking clients for test harnesses: a free loopback port, an HTTP GET of a
// server's monitoring endpoint, and one NATS request. They depend on Foundation only, so
// harness code can ask a server questions without the client under test.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
/// For configurations that must name their ports before any server starts (cluster routes).
public func freeLoopbackPort() throws -> Int {
    let socket = try bindLoopbackSocket()
    close(socket.fd)
    return socket.port
}

private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            throw TestSupportError("write failed: \(errnoDescription())")
        }
        offset += written
    }
}

/// The body of `GET path` from 127.0.0.1:`port` (HTTP/1.0, read to the end), e.g. a
/// nats-server's `/jsz`. Throws when nothing answers within `timeout` seconds.
public func httpGet(port: Int, path: String, timeout: Double = 2) throws -> Data {
    guard let fd = connectLoopback(port: port) else {
        throw TestSupportError("cannot connect to 127.0.0.1:\(port): \(errnoDescription())")
    }
    defer { close(fd) }
    let deadline = monotonicNow() + timeout
    try writeAll(fd, Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8))
    var response: [UInt8] = []
    while let bytes = try readSome(fd, until: deadline) { response += bytes }
    let separator = Array("\r\n\r\n".utf8)
    guard let start = response.indices.first(where: { response[$0...].starts(with: separator) }) else {
        throw TestSupportError("no HTTP body from 127.0.0.1:\(port)\(path)")
    }
    return Data(response[(start + separator.count)...])
}

/// Sends one NATS request to 127.0.0.1:`port` on a connection of its own and returns the
/// reply's payload, or nil when no one is subscribed (a 503 status) or nothing answers in
/// `timeout` seconds. For harness questions such as `$JS.API.STREAM.INFO.<stream>`.
public func natsRequest(port: Int, subject: String, payload: String = "", timeout: Double = 2) throws -> Data? {
    guard let fd = connectLoopback(port: port) else {
        throw TestSupportError("cannot connect to 127.0.0.1:\(port): \(errnoDescription())")
    }
    defer { close(fd) }
    let deadline = monotonicNow() + timeout
    let body = Array(payload.utf8)
    let inbox = "_INBOX.harness"
    let ops = "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true}\r\n"
        + "SUB \(inbox) 1\r\nPUB \(subject) \(inbox) \(body.count)\r\n"
    try writeAll(fd, Array(ops.utf8) + body + Array("\r\n".utf8))
    var buffer: [UInt8] = []
    let crlf = Array("\r\n".utf8)
    while true {
        // Consume whole ops from the front of the buffer.
        while let lineEnd = buffer.indices.first(where: { buffer[$0...].starts(with: crlf) }) {
            let line = String(decoding: buffer[..<lineEnd], as: UTF8.self)
            let words = line.split(separator: " ")
            guard let op = words.first?.uppercased() else {
                buffer.removeFirst(lineEnd + 2)
                continue
            }
            if op == "PING" {
                try writeAll(fd, Array("PONG\r\n".utf8))
            } else if op == "-ERR" {
                throw TestSupportError("server error on 127.0.0.1:\(port): \(line)")
            } else if op == "MSG" || op == "HMSG" {
                // MSG <subject> <sid> <size>; HMSG <subject> <sid> <header size> <total size>
                guard let total = words.last.flatMap({ Int($0) }) else {
                    throw TestSupportError("bad op from 127.0.0.1:\(port): \(line)")
                }
                let headerSize = op == "HMSG" ? Int(words[words.count - 2]) ?? 0 : 0
                let start = lineEnd + 2
                guard buffer.count >= start + total + 2 else { break }
                let headers = String(decoding: buffer[start..<(start + headerSize)], as: UTF8.self)
                if headers.hasPrefix("NATS/1.0 503") { return nil }
                return Data(buffer[(start + headerSize)..<(start + total)])
            }
            buffer.removeFirst(lineEnd + 2)
        }
        guard monotonicNow() < deadline, let bytes = try? readSome(fd, until: deadline) else { return nil }
        buffer += bytes
    }
}
