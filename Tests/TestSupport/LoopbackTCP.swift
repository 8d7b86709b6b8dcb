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

/// Connects to 127.0.0.1:`port` and returns the first line the peer sends, without the
/// trailing CR/LF. For a NATS server that is the `INFO {...}` line.
public func readFirstLine(port: Int, timeout: Double = 5) throws -> String {
    guard let fd = connectLoopback(port: port) else {
        throw TestSupportError("cannot connect to 127.0.0.1:\(port): \(errnoDescription())")
    }
    defer { close(fd) }
    let deadline = monotonicNow() + timeout
    var line: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let remainingMillis = Int32(max(0, (deadline - monotonicNow()) * 1000))
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, remainingMillis)
        if ready < 0 {
            if errno == EINTR { continue }
            throw TestSupportError("poll failed: \(errnoDescription())")
        }
        if ready == 0 {
            throw TestSupportError("timed out after \(timeout)s waiting for a line from port \(port)")
        }
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw TestSupportError("read failed: \(errnoDescription())")
        }
        if count == 0 {
            throw TestSupportError("connection to port \(port) closed before a full line arrived")
        }
        line.append(contentsOf: chunk[0..<count])
        if let newline = line.firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > 0, line[end - 1] == UInt8(ascii: "\r") {
                end -= 1
            }
            return String(decoding: line[0..<end], as: UTF8.self)
        }
    }
}
