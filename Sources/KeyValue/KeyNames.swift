/// The naming rules shared by every backend (those of nats.go, so buckets stay portable).
public enum KeyNames {
    /// Letters, digits, `_` and `-`.
    public static func isValidBucket(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    public static func validateBucket(_ name: String) throws(KeyValueError) {
        guard isValidBucket(name) else { throw .invalidBucketName(name) }
    }

    /// A concrete key: letters, digits and `-/_=.`, dot-separated tokens that are not empty.
    public static func validateKey(_ key: String) throws(KeyValueError) {
        if let reason = keyProblem(key, allowWildcards: false) { throw .invalidKey(key, reason: reason) }
    }

    /// A key or a pattern with `*` tokens and a final `>` token.
    public static func validateFilter(_ filter: String) throws(KeyValueError) {
        if let reason = keyProblem(filter, allowWildcards: true) { throw .invalidKey(filter, reason: reason) }
    }

    public static func isValidKey(_ key: String) -> Bool { keyProblem(key, allowWildcards: false) == nil }

    /// True when `pattern` (`*` = one token, final `>` = one or more tokens) matches `key`.
    public static func matches(_ pattern: String, _ key: String) -> Bool {
        if pattern == ">" { return true }
        let p = pattern.split(separator: ".", omittingEmptySubsequences: false)
        let k = key.split(separator: ".", omittingEmptySubsequences: false)
        for (i, token) in p.enumerated() {
            if token == ">" { return k.count > i }
            guard i < k.count else { return false }
            if token != "*" && token != k[i] { return false }
        }
        return p.count == k.count
    }

    private static func keyProblem(_ key: String, allowWildcards: Bool) -> String? {
        if isPlainKey(key) { return nil }
        if key.isEmpty { return "a key must not be empty" }
        if key.hasPrefix(".") || key.hasSuffix(".") { return "a key must not start or end with '.'" }
        let tokens = key.split(separator: ".", omittingEmptySubsequences: false)
        for (i, token) in tokens.enumerated() {
            if token.isEmpty { return "a key must not contain '..'" }
            if token == "*" || token == ">" {
                guard allowWildcards else {
                    return "wildcards '*' and '>' are only allowed in filters"
                }
                if token == ">" && i != tokens.count - 1 { return "'>' must be the last token" }
                continue
            }
            for b in token.utf8 where !isKeyByte(b) {
                if b == UInt8(ascii: "*") || b == UInt8(ascii: ">") {
                    return allowWildcards ? "wildcards must be whole tokens between dots"
                        : "wildcards '*' and '>' are only allowed in filters"
                }
                return "use letters, digits and - / _ = . only"
            }
        }
        return nil
    }

    /// The common case in one pass without allocating (bulk loads check every key): key
    /// bytes in tokens separated by single dots, none at either end.
    private static func isPlainKey(_ key: String) -> Bool {
        let dot = UInt8(ascii: ".")
        var previous = dot  // a leading dot then fails like a doubled one
        for b in key.utf8 {
            if b == dot {
                if previous == dot { return false }
            } else if !isKeyByte(b) {
                return false
            }
            previous = b
        }
        return previous != dot  // rejects the empty key and a trailing dot
    }

    private static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    private static func isKeyByte(_ b: UInt8) -> Bool {
        isAlnum(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: "/") || b == UInt8(ascii: "_")
            || b == UInt8(ascii: "=")
    }
}
