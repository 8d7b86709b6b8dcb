// Raw TCP probes of loopback ports (is a server listening, what does it say first).

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens a blocking TCP connection to 127.0.0.1:`port`. Returns the socket fd, or nil.
func connectLoopback(port: Int) -> Int32? {
    guard port > 0, port <= Int(UInt16.max) else { return nil }
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { return nil }
    var address = sockaddr_in()
    #if canImport(Darwin)
    address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
    #endif
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
    let result = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            connect(fd, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard result == 0 else {
        close(fd)
        return nil
    }
    return fd
}

/// True when a TCP connection to 127.0.0.1:`port` can be established right now.
public func canConnect(port: Int) -> Bool {
    guard let fd = connectLoopback(port: port) else { return false }
    close(fd)
    return true
}

/// A TCP socket bound to 127.0.0.1 on a free port (listening when `backlog` is given), and
/// that port. The caller owns the descriptor.
public func bindLoopbackSocket(backlog: Int32? = nil) throws -> (fd: Int32, port: Int) {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw TestSupportError("socket failed: \(errnoDescription())") }
    var address = sockaddr_in()
    #if canImport(Darwin)
    address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
    #endif
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(fd, socketAddress, length) == 0
                && (backlog.map { listen(fd, $0) == 0 } ?? true)
                && getsockname(fd, socketAddress, &length) == 0
        }
    }
    guard bound else {
        let reason = errnoDescription()
        close(fd)
        throw TestSupportError("cannot bind a loopback port: \(reason)")
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// Reads what arrives on `fd` until `deadline` (of `monotonicNow()`): the bytes, or nil at end
/// of stream. Throws when nothing arrives in time.
public func readSome(_ fd: Int32, until deadline: Double) throws -> [UInt8]? {
    var chunk = [UInt8](repeating: 0, count: 16_384)
    while true {
        let remainingMillis = Int32(max(0, (deadline - monotonicNow()) * 1000))
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, remainingMillis)
        if ready < 0 {
            if errno == EINTR { continue }
            throw TestSupportError("poll failed: \(errnoDescription())")
        }
        if ready == 0 { throw TestSupportError("timed out") }
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw TestSupportError("read failed: \(errnoDescription())")
        }
        return count == 0 ? nil : Array(chunk[0..<count])
    }
}

/// Connects to 127.0.0.1:`port` and returns the first line the peer sends, without the
/// trailing CR/LF. For a NATS server that is the `INFO {...}` line.
public func readFirstLine(port: Int, timeout: Double = 5) throws -> String {
    guard let fd = connectLoopback(port: port) else {
        throw TestSupportError("cannot connect to 127.0.0.1:\(port): \(errnoDescription())")
    }
    defer { close(fd) }
    let deadline = monotonicNow() + timeout
    var line: [UInt8] = []
    while true {
        let bytes: [UInt8]?
        do {
            bytes = try readSome(fd, until: deadline)
        } catch {
            throw TestSupportError("waiting for a line from port \(port) (\(timeout)s): \(error)")
        }
        guard let bytes else {
            throw TestSupportError("connection to port \(port) closed before a full line arrived")
        }
        line.append(contentsOf: bytes)
        if let newline = line.firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > 0, line[end - 1] == UInt8(ascii: "\r") {
                end -= 1
            }
            return String(decoding: line[0..<end], as: UTF8.self)
        }
    }
}
