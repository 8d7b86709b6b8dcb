import Foundation
import KeyValue
@testable import Locks
import Testing

/// The lease arithmetic and the holder record, without a server.
@Suite("Lock logic")
struct LockLogicTests {
    private func status(maxAge: Duration? = nil, perKeyTTL: Bool = false) -> BucketStatus {
        var s = BucketStatus(bucket: "locks", backingStore: "JetStream")
        s.ttlNanos = maxAge.map { Int64($0.components.seconds) * 1_000_000_000 + $0.components.attoseconds / 1_000_000_000 }
        s.perKeyTTL = perKeyTTL
        return s
    }

    @Test("the lease is the bucket's maximum age, else the per-key TTL; keep-alive every third")
    func leaseChoice() throws {
        let byAge = try LeaseTiming(ttl: nil, limit: 1, status: status(maxAge: .seconds(30)))
        #expect(byAge.lease == .seconds(30))
        #expect(byAge.perKeyTTL == nil)
        #expect(byAge.keepAliveInterval == .seconds(10))
        let byTTL = try LeaseTiming(ttl: .seconds(3), limit: 2, status: status(maxAge: .seconds(30), perKeyTTL: true))
        #expect(byTTL.lease == .seconds(3))
        #expect(byTTL.perKeyTTL == .seconds(3))
        #expect(byTTL.keepAliveInterval == .seconds(1))
        #expect(try LeaseTiming(ttl: .seconds(2), limit: 1, status: status(perKeyTTL: true)).lease == .seconds(2))
    }

    @Test("a bucket that cannot give a lease: one error each, saying what to do")
    func refusals() {
        #expect(throws: LockError.noLease(bucket: "locks")) { try LeaseTiming(ttl: nil, limit: 1, status: status()) }
        #expect(throws: LockError.ttlNotAllowed(bucket: "locks")) {
            try LeaseTiming(ttl: .seconds(5), limit: 1, status: status(maxAge: .seconds(30)))
        }
        #expect(throws: LockError.ttlLongerThanMaxAge(ttl: .seconds(60), maxAge: .seconds(30))) {
            try LeaseTiming(ttl: .seconds(60), limit: 1, status: status(maxAge: .seconds(30), perKeyTTL: true))
        }
        #expect(throws: LockError.invalidLimit(0)) { try LeaseTiming(ttl: nil, limit: 0, status: status(maxAge: .seconds(1))) }
        #expect(throws: LockError.ttlTooShort(.milliseconds(500))) {
            try LeaseTiming(ttl: .milliseconds(500), limit: 1, status: status(perKeyTTL: true))
        }
        #expect(LockError.noLease(bucket: "jobs").description
                == "bucket jobs has no maximum age, so a lock in it would never expire: make a bucket for locks with `kvsh kv add locks --ttl 30s` or pass --ttl")
        #expect(LockError.ttlLongerThanMaxAge(ttl: .seconds(60), maxAge: .milliseconds(1500)).description
                == "--ttl 60s is longer than the bucket's maximum age of 1.5s")
    }

    @Test("lost after a whole lease without a keep-alive, not before")
    func lostAfterALease() throws {
        let timing = try LeaseTiming(ttl: nil, limit: 1, status: status(maxAge: .seconds(3)))
        let start = ContinuousClock.Instant.now
        #expect(!timing.isLost(lastRenewed: start, now: start.advanced(by: .milliseconds(2999))))
        #expect(timing.isLost(lastRenewed: start, now: start.advanced(by: .seconds(3))))
    }

    @Test("a waiter tries again when the earliest lease runs out, bounded by its deadline, never at once")
    func nextTry() throws {
        let timing = try LeaseTiming(ttl: nil, limit: 1, status: status(maxAge: .seconds(2)))
        let now = Date(timeIntervalSince1970: 1_000_000)
        let created = now.addingTimeInterval(-1)
        let expiry = timing.expiry(ofRevisionCreated: created, slack: .zero)
        #expect(expiry == now.addingTimeInterval(1))
        #expect(LeaseTiming.nextTry(holderExpiries: [expiry, now.addingTimeInterval(5)], now: now, deadline: nil) == .seconds(1))
        #expect(LeaseTiming.nextTry(holderExpiries: [expiry], now: now, deadline: now.addingTimeInterval(0.5)) == .milliseconds(500))
        #expect(LeaseTiming.nextTry(holderExpiries: [], now: now, deadline: nil) == nil)
        // A lease that already ran out (the server has not removed the key yet): after the floor.
        // (Dates are Doubles: the pause is 200ms to within a microsecond.)
        let pause = try #require(LeaseTiming.nextTry(holderExpiries: [now.addingTimeInterval(-3)], now: now, deadline: nil))
        #expect(pause >= .milliseconds(200) && pause < .milliseconds(201), "\(pause)")
    }

    @Test("slot keys: the name for one holder, NAME.i for a limit")
    func slotKeys() throws {
        let store = NoStore()
        #expect(LockRequest(bucket: store, name: "deploy").keys == ["deploy"])
        #expect(LockRequest(bucket: store, name: "deploy", limit: 3).keys == ["deploy.0", "deploy.1", "deploy.2"])
    }

    @Test("the holder record round-trips as JSON and names the holder")
    func holderRecord() throws {
        let record = HolderRecord(host: "build-1", pid: 42, id: "00ff", acquired: "2026-01-02T03:04:05Z")
        #expect(HolderRecord.decode(record.encoded()) == record)
        #expect(String(decoding: record.encoded(), as: UTF8.self)
                == #"{"acquired":"2026-01-02T03:04:05Z","host":"build-1","id":"00ff","pid":42}"#)
        #expect(record.summary == "pid 42 on build-1 since 2026-01-02T03:04:05Z")
        #expect(HolderRecord.decode(Array("not json".utf8)) == nil)
        let mine = HolderRecord.current()
        #expect(mine.id.count == 16)
        #expect(mine.id != HolderRecord.current().id)
        #expect(mine.pid == getpid())
        #expect(LeaseTiming.wholeSeconds(.milliseconds(1500)) == 2)
    }
}

/// A bucket that is never called: only the request's key arithmetic is under test.
private struct NoStore: KeyValueBucket {
    var name: String { "locks" }
    func status() async throws -> BucketStatus { throw KeyValueError.backend("unused") }
    func put(_ key: String, _ value: [UInt8]) async throws -> UInt64 { throw KeyValueError.backend("unused") }
    func get(_ key: String, revision: UInt64?) async throws -> Entry { throw KeyValueError.backend("unused") }
    func create(_ key: String, _ value: [UInt8]) async throws -> UInt64 { throw KeyValueError.backend("unused") }
    func update(_ key: String, _ value: [UInt8], revision: UInt64) async throws -> UInt64 { throw KeyValueError.backend("unused") }
    func delete(_ key: String, revision: UInt64?) async throws -> UInt64 { throw KeyValueError.backend("unused") }
    func purge(_ key: String, revision: UInt64?) async throws -> UInt64 { throw KeyValueError.backend("unused") }
    func history(_ key: String) async throws -> [Entry] { throw KeyValueError.backend("unused") }
    func keys(filters: [String]) async throws -> [String] { throw KeyValueError.backend("unused") }
    func watch(filters: [String], options: WatchOptions) async throws -> KeyWatch { throw KeyValueError.backend("unused") }
}
