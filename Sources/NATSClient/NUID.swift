import NIOConcurrencyHelpers

/// Unique tokens for inboxes and consumer names: 22 base-62 characters, a random
/// prefix renewed now and then plus a sequence, as NATS clients do.
public enum NUID {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    private static let state = NIOLockedValueBox<(prefix: [UInt8], seq: UInt64)>((randomPrefix(), 0))

    public static func next() -> String {
        let (prefix, seq) = state.withLockedValue { s -> ([UInt8], UInt64) in
            s.seq += UInt64.random(in: 33...333)
            if s.seq >= 839_299_365_868_340_224 { // 62^10
                s.prefix = randomPrefix()
                s.seq = UInt64.random(in: 0..<1_000_000)
            }
            return (s.prefix, s.seq)
        }
        var out = prefix
        var n = seq
        var tail = [UInt8](repeating: 0, count: 10)
        for i in (0..<10).reversed() {
            tail[i] = alphabet[Int(n % 62)]
            n /= 62
        }
        out += tail
        return String(decoding: out, as: UTF8.self)
    }

    /// `count` random base-62 characters.
    public static func random(_ count: Int) -> String {
        String(decoding: (0..<count).map { _ in alphabet[Int.random(in: 0..<62)] }, as: UTF8.self)
    }

    private static func randomPrefix() -> [UInt8] {
        (0..<12).map { _ in alphabet[Int.random(in: 0..<62)] }
    }
}
