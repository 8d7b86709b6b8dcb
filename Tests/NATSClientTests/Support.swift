import Foundation
import NATSClient
import NATSWire
import NIOCore
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Options for `url` (a single server) with quick timeouts suited to tests.
func testOptions(_ urls: String..., connectTimeout: Duration = .seconds(5),
                 requestTimeout: Duration = .seconds(3)) throws -> ClientOptions {
    var options = ClientOptions(servers: try urls.map { try ServerURL(parsing: $0) })
    options.connectTimeout = connectTimeout
    options.requestTimeout = requestTimeout
    options.reconnectWait = .milliseconds(200)
    options.name = "kvsh-client-tests"
    return options
}

func connect(_ server: NATSServerProcess) async throws -> NATSConnection {
    try await NATSConnection.connect(testOptions(server.url))
}

/// The error `body` threw, or nil when it returned.
func capture(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "test timed out waiting for \(what)" }
}

/// Resumes a continuation once, whoever comes first.
private final class Once<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
    func set(_ c: CheckedContinuation<T, any Error>) { continuation.withLock { $0 = c } }
    func resume(_ result: Result<T, any Error>) {
        continuation.withLock { c in
            defer { c = nil }
            return c
        }?.resume(with: result)
    }
}

/// Runs `body`, failing with `TimedOut` after `seconds`. Returns at the deadline even when
/// `body` ignores cancellation (e.g. awaits another task's value), so a test never hangs.
func within<T: Sendable>(_ seconds: Double, _ what: String,
                         _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let once = Once<T>()
    return try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
        once.set(cont)
        let work = Task(executorPreference: TestExecutor.shared) {
            do { once.resume(.success(try await body())) } catch { once.resume(.failure(error)) }
        }
        Task(executorPreference: TestExecutor.shared) {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            work.cancel()
            once.resume(.failure(TimedOut(what: what)))
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
func waitUntil(_ seconds: Double, _ what: String, _ condition: @Sendable () -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while !condition() {
        if ContinuousClock.now >= deadline { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Runs blocking work (process start/kill, openssl) off the cooperative pool.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
        DispatchQueue.global().async { cont.resume(with: Result { try work() }) }
    }
}

/// A thread-safe list that observers and readers append to.
final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ element: Element) { items.withLock { $0.append(element) } }
    var all: [Element] { items.withLock { $0 } }
    var count: Int { items.withLock { $0.count } }
}

func text(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }

extension ConnectionEvent {
    var isDisconnected: Bool { if case .disconnected = self { true } else { false } }
    var isReconnected: Bool { if case .reconnected = self { true } else { false } }
}

extension Recorder where Element == ConnectionEvent {
    var sawDisconnected: Bool { all.contains(where: \.isDisconnected) }
    var sawReconnected: Bool { all.contains(where: \.isReconnected) }
}

// MARK: Sockets for the "unreachable" tests

/// A loopback TCP socket bound to a kernel-chosen port. With `listen`, the kernel completes
/// handshakes into the backlog but nobody ever reads or writes: a server that never says INFO.
final class LoopbackSocket: Sendable {
    let fd: Int32
    let port: Int

    init(listening: Bool) throws {
        // Close-on-exec: servers spawned meanwhile by parallel tests must not inherit it.
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        #endif
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa -> Bool in
                bind(fd, sa, length) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        guard bound, !listening || listen(fd, 16) == 0 else {
            close(fd)
            throw TestSupportError("bind/listen on loopback failed")
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}

/// A loopback port nothing listens on (bound and released; connecting is refused).
func closedPort() throws -> Int {
    try LoopbackSocket(listening: false).port
}

// MARK: Servers without blocking the cooperative pool

/// Starts a server on a Dispatch thread: `NATSServerProcess.init` polls (blocking) until the
/// port answers, and tests running in parallel must not starve the cooperative pool meanwhile.
func startServer(jetstream: Bool = true, extraArgs: [String] = [], config: String? = nil) async throws
    -> NATSServerProcess {
    try await offPool { try NATSServerProcess(jetstream: jetstream, extraArgs: extraArgs, config: config) }
}

extension NATSServerProcess {
    /// `stop()` (which waits for the process to exit) on a Dispatch thread, for `defer`.
    func stopInBackground() {
        DispatchQueue.global().async { self.stop() }
    }
}

// MARK: A scripted fake server

/// A blocking, one-connection-at-a-time NATS server impostor for handshake races.
final class FakeServer: Sendable {
    private let socket: LoopbackSocket
    var port: Int { socket.port }
    static let info = #"INFO {"server_id":"fake","version":"2.15.1","proto":1,"headers":true,"#
        + #""max_payload":1048576}"# + "\r\n"

    init() throws { socket = try LoopbackSocket(listening: true) }

    /// Accepts one client within `timeout` seconds; nil on timeout.
    func acceptClient(timeout: Double) -> Int32? {
        var descriptor = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(timeout * 1000)) == 1 else { return nil }
        let fd = accept(socket.fd, nil, nil)
        guard fd >= 0 else { return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    /// Ends the session for sure: a child process spawned meanwhile (by a parallel test)
    /// may hold a copy of the descriptor, so `close` alone would not send the FIN.
    static func hangUp(_ fd: Int32) {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    static func send(_ fd: Int32, _ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Sends INFO, then reads until the client's `PING` (end of CONNECT + PING).
    static func greet(_ fd: Int32, info: String = FakeServer.info, timeout: Double) -> Bool {
        send(fd, info)
        return readUntil(fd, "PING\r\n", timeout: timeout)
    }

    /// Reads until `marker` was seen (true) or EOF/timeout (false).
    static func readUntil(_ fd: Int32, _ marker: String?, timeout: Double) -> Bool {
        var seen: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 50)
            if ready <= 0 { continue }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return false }
            seen += chunk[0..<n]
            if let marker, String(decoding: seen, as: UTF8.self).contains(marker) { return true }
        }
        return false
    }

    /// True when the peer closed `fd` within `timeout` seconds.
    static func waitForEOF(_ fd: Int32, timeout: Double) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 50) > 0 else { continue }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return true }
        }
        return false
    }
}
