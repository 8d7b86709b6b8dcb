/// Parses a duration argument (`--ttl`, `--marker-ttl`, …) into nanoseconds.
///
/// Accepted forms:
/// - a plain whole number: seconds (`30` = 30 s);
/// - Go-style number–unit pairs, summed: `500ms`, `10s`, `30m`, `1h30m`, `1.5h`, with the
///   units `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`, plus `d` (24 hours) and `y` (365 days).
///   Units are case-insensitive; spaces around the whole text are ignored.
///
/// `0` and `0s` are accepted; what zero means is the caller's business.
/// - Throws: ``ArgumentError`` for empty or unreadable text, a missing or unknown unit,
///   a negative duration, or one too large for 64-bit nanoseconds (about 292 years).
func parseDuration(_ s: String) throws(ArgumentError) -> Int64 {
    let text = s.trimmingASCIISpaces()
    let invalid = ArgumentError(
        "invalid duration \(ArgumentError.quoted(s)): use a number with a unit such as 30s, 5m, 1h, 2d")
    guard !text.isEmpty else { throw invalid }
    if text.hasPrefix("-") {
        throw ArgumentError("invalid duration \(ArgumentError.quoted(s)): a duration must not be negative")
    }
    let tooLarge = ArgumentError("invalid duration \(ArgumentError.quoted(s)): too large (at most about 292y)")

    // A plain whole number counts seconds, as natscli and the NATS server accept.
    if text.allSatisfy({ $0.isASCII && $0.isNumber }) {
        guard let (literal, _) = scanDecimal(text), let nanos = literal.scaled(by: 1_000_000_000) else {
            throw tooLarge
        }
        return nanos
    }

    var rest = text
    var total: Int64 = 0
    while !rest.isEmpty {
        guard let (literal, afterNumber) = scanDecimal(rest) else { throw invalid }
        let unitText = afterNumber.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
        guard !unitText.isEmpty, let unit = durationUnits[unitText.lowercased()] else {
            if unitText.isEmpty { throw invalid }
            throw ArgumentError("invalid duration \(ArgumentError.quoted(s)): unknown unit "
                + "\(ArgumentError.quoted(String(unitText))); use ns, us, ms, s, m, h, d or y")
        }
        guard let part = literal.scaled(by: unit) else { throw tooLarge }
        let (sum, overflow) = total.addingReportingOverflow(part)
        guard !overflow else { throw tooLarge }
        total = sum
        rest = afterNumber[unitText.endIndex...]
    }
    return total
}

/// Nanoseconds per duration unit, keyed by the lower-cased unit.
private let durationUnits: [String: Int64] = [
    "ns": 1,
    "us": 1_000, "µs": 1_000, "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3_600 * 1_000_000_000,
    "d": 86_400 * 1_000_000_000,
    "y": 365 * 86_400 * 1_000_000_000,
]

extension String {
    /// The text without leading and trailing spaces, tabs and line breaks.
    func trimmingASCIISpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }),
              let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
