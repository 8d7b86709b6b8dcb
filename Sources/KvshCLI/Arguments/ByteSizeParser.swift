/// Parses a byte-size argument (`--max-value-size`, `--max-bucket-size`) into bytes.
///
/// Accepted forms: a whole number of bytes (`1024`), or a number — decimals allowed, as in
/// `1.5M` — followed by a unit, optionally after a space: `B`, `K`/`KB`/`KiB`,
/// `M`/`MB`/`MiB`, `G`/`GB`/`GiB`, `T`/`TB`/`TiB`. Units are case-insensitive and all
/// 1024-based, as in natscli (`1KB` = 1024). Fractional results are rounded to whole bytes.
///
/// `unlimited` and `-1` are not sizes; callers that allow "no limit" check for them first.
/// - Throws: ``ArgumentError`` for empty or unreadable text, an unknown unit, a negative
///   size, a fraction of a byte without a unit, or a size beyond 64 bits.
func parseByteSize(_ s: String) throws(ArgumentError) -> Int64 {
    let text = s.trimmingASCIISpaces()
    let invalid = ArgumentError("invalid size \(ArgumentError.quoted(s)): use a number of bytes, "
        + "optionally with a unit such as 512K, 10MB, 1.5GiB")
    if text.hasPrefix("-") {
        throw ArgumentError("invalid size \(ArgumentError.quoted(s)): a size must not be negative")
    }
    guard let (literal, afterNumber) = scanDecimal(text) else { throw invalid }
    let unitText = afterNumber.drop { $0 == " " }
    let unit: Int64
    if unitText.isEmpty {
        guard literal.fraction == 0 else {
            throw ArgumentError("invalid size \(ArgumentError.quoted(s)): "
                + "a fraction of a byte needs a unit, such as 1.5K")
        }
        unit = 1
    } else {
        guard let known = byteUnits[unitText.lowercased()] else {
            throw ArgumentError("invalid size \(ArgumentError.quoted(s)): unknown unit "
                + "\(ArgumentError.quoted(String(unitText))); use B, K, M, G or T (KB/KiB … are the same)")
        }
        unit = known
    }
    guard let bytes = literal.scaled(by: unit) else {
        throw ArgumentError("invalid size \(ArgumentError.quoted(s)): too large")
    }
    return bytes
}

/// Bytes per size unit, keyed by the lower-cased unit; every unit is 1024-based.
private let byteUnits: [String: Int64] = {
    var units: [String: Int64] = ["b": 1]
    var size: Int64 = 1
    for letter in ["k", "m", "g", "t"] {
        size *= 1024
        units[letter] = size
        units[letter + "b"] = size
        units[letter + "ib"] = size
    }
    return units
}()
