/// Formats an integer with a comma between each group of three digits: `1,234,567`, `-1,000`, `42`.
func formatInt(_ n: some BinaryInteger) -> String {
    let digits = String(n.magnitude)
    guard digits.utf8.count > 3 else { return n < 0 ? "-" + digits : digits }
    var out = n < 0 ? "-" : ""
    out.reserveCapacity(digits.utf8.count + digits.utf8.count / 3 + 1)
    let firstGroup = digits.utf8.count % 3
    for (i, ch) in digits.enumerated() {
        if i > 0, (i - firstGroup) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return out
}
