#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KeyValue

/// Who holds a lock: the small JSON value of a held key, so a waiter can say who it waits for.
public struct HolderRecord: Sendable, Equatable, Codable {
    public var host: String
    public var pid: Int32
    /// Random, so two holders on one host and pid (after a restart) differ.
    public var id: String
    /// RFC 3339, as `Timestamp` writes it.
    public var acquired: String

    public init(host: String, pid: Int32, id: String, acquired: String) {
        self.host = host
        self.pid = pid
        self.id = id
        self.acquired = acquired
    }

    /// This process, now, with a fresh id.
    public static func current(now: Date = Date()) -> HolderRecord {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown"
        var id = ""
        for _ in 0..<8 { id += String(UInt8.random(in: 0...255), radix: 16).leftPadded(2) }
        return HolderRecord(host: host, pid: getpid(), id: id, acquired: Timestamp.rfc3339(now))
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(self))) ?? []
    }

    /// The record in a key's value; nil when it is not one (written by something else).
    public static func decode(_ bytes: [UInt8]) -> HolderRecord? {
        try? JSONDecoder().decode(HolderRecord.self, from: Data(bytes))
    }

    /// `pid 42 on build-1 since 2026-…Z`: how a waiter names the holder.
    public var summary: String { "pid \(pid) on \(host) since \(acquired)" }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
