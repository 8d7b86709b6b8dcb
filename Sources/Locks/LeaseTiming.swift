#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KeyValue

/// The lease of a held key and the times that follow from it; pure, so tested without a server.
public struct LeaseTiming: Sendable, Equatable {
    /// How long a key lives without a keep-alive: the per-key TTL, else the bucket's maximum age.
    public let lease: Duration
    /// The per-key TTL resent with every write, nil when the bucket's maximum age is the lease.
    public let perKeyTTL: Duration?

    /// The lease `request` gets in a bucket with `status`.
    /// Throws `LockError` when the bucket cannot give one (no maximum age and no TTL, a TTL the
    /// bucket does not allow or that its maximum age would cut short).
    public init(ttl: Duration?, limit: Int, status: BucketStatus) throws(LockError) {
        guard limit >= 1 else { throw .invalidLimit(limit) }
        let maxAge = (status.ttlNanos ?? 0) > 0 ? Duration.nanoseconds(status.ttlNanos ?? 0) : nil
        if let ttl {
            guard status.perKeyTTL else { throw .ttlNotAllowed(bucket: status.bucket) }
            guard ttl >= .seconds(1) else { throw .ttlTooShort(ttl) }
            if let maxAge, ttl > maxAge { throw .ttlLongerThanMaxAge(ttl: ttl, maxAge: maxAge) }
            lease = ttl
            perKeyTTL = ttl
        } else {
            guard let maxAge else { throw .noLease(bucket: status.bucket) }
            lease = maxAge
            perKeyTTL = nil
        }
    }

    /// Three keep-alives per lease: two may fail before the key expires.
    public var keepAliveInterval: Duration { lease / 3 }

    /// When a holder whose latest revision was stored at `created` loses the key if it stops
    /// renewing. The server sends no event for an expiry by maximum age, so a waiter tries again
    /// then (plus `slack` for the two clocks).
    public func expiry(ofRevisionCreated created: Date, slack: Duration = .milliseconds(100)) -> Date {
        created.addingTimeInterval(Self.seconds(lease + slack))
    }

    /// Whether a holder whose last keep-alive got through at `lastRenewed` must count the key
    /// as lost at `now`: a whole lease without one, so the server may have let it go.
    public func isLost(lastRenewed: ContinuousClock.Instant, now: ContinuousClock.Instant) -> Bool {
        now - lastRenewed >= lease
    }

    /// How long a waiter sleeps before trying again: until the earliest holder's lease runs out,
    /// bounded by its own deadline; nil (wait for a watch event only) when neither is known.
    /// A lease that ran out already but whose key the server has not removed yet is tried
    /// again after `floor`, not at once, so the wait never spins.
    public static func nextTry(holderExpiries: [Date], now: Date, deadline: Date?,
                               floor: Duration = .milliseconds(200)) -> Duration? {
        let soonest = now.addingTimeInterval(seconds(floor))
        let candidates = holderExpiries.map { max($0, soonest) } + (deadline.map { [$0] } ?? [])
        guard let earliest = candidates.min() else { return nil }
        return .nanoseconds(max(0, Int64((earliest.timeIntervalSince(now) * 1e9).rounded(.up))))
    }

    /// A per-key TTL as NATS's `Nats-TTL` wants it: whole seconds, rounded up.
    public static func wholeSeconds(_ d: Duration) -> Int64 {
        let (s, atto) = d.components
        return atto > 0 ? s + 1 : s
    }

    static func seconds(_ d: Duration) -> Double {
        let (s, atto) = d.components
        return Double(s) + Double(atto) / 1e18
    }

    /// `30s`, `1.5s`, `250ms`: how messages show a duration.
    public static func text(_ d: Duration) -> String {
        let ms = Int64((seconds(d) * 1000).rounded())
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        if ms < 1000 { return "\(ms)ms" }
        return "\(Double(ms) / 1000)s"
    }
}
