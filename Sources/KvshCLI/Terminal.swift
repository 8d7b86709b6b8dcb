#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where command output goes. Binary-safe; errors go to stderr.
enum Terminal {
    static func out(_ text: String) {
        var text = text
        text.withUTF8 { write(1, $0) }
    }

    static func outBytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write(1, $0) }
    }

    static func err(_ text: String) {
        var text = text
        text.withUTF8 { write(2, $0) }
    }

    /// stdin is a terminal (so a missing value should not be read from it).
    static var stdinIsTerminal: Bool { isatty(0) != 0 }
    static var stdoutIsTerminal: Bool { isatty(1) != 0 }

    /// All of stdin, binary-safe.
    static func readAllStdin() -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, 65536) }
            if n <= 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    private static func write(_ fd: Int32, _ buf: UnsafeBufferPointer<UInt8>) {
        var offset = 0
        while offset < buf.count {
            #if canImport(Glibc)
            let n = Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
            #else
            let n = Darwin.write(fd, buf.baseAddress! + offset, buf.count - offset)
            #endif
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}
