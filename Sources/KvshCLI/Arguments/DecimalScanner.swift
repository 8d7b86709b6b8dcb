/// A non-negative decimal number as written in an argument: `12`, `1.5`, `.5`, `2.`.
struct DecimalLiteral: Sendable, Equatable {
    /// Digits before the point.
    var whole: UInt64
    /// Digits after the point as an integer, and how many there were (at most 18 kept).
    var fraction: UInt64
    var fractionDigits: Int
    var hasPoint: Bool

    /// `whole * unit + fraction * unit`, rounded to the nearest integer; nil on overflow.
    func scaled(by unit: Int64) -> Int64? {
        guard whole <= UInt64(Int64.max) else { return nil }
        let (wholePart, overflow) = Int64(whole).multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        guard fractionDigits > 0, fraction > 0 else { return wholePart }
        var scale = 1.0
        for _ in 0..<fractionDigits { scale *= 10 }
        let fractionPart = (Double(fraction) / scale * Double(unit)).rounded()
        guard fractionPart < 9.2e18 else { return nil }
        let (sum, sumOverflow) = wholePart.addingReportingOverflow(Int64(fractionPart))
        return sumOverflow ? nil : sum
    }
}

/// Reads a ``DecimalLiteral`` at the start of `text`, returning it and the rest of the text,
/// or nil when `text` does not start with a digit or a point followed by a digit.
func scanDecimal(_ text: Substring) -> (DecimalLiteral, rest: Substring)? {
    var literal = DecimalLiteral(whole: 0, fraction: 0, fractionDigits: 0, hasPoint: false)
    var index = text.startIndex
    var digits = 0
    var wholeOverflow = false
    while index < text.endIndex, let d = text[index].wholeNumberValue, text[index].isASCII {
        let (times10, o1) = literal.whole.multipliedReportingOverflow(by: 10)
        let (sum, o2) = times10.addingReportingOverflow(UInt64(d))
        if o1 || o2 { wholeOverflow = true } else { literal.whole = sum }
        digits += 1
        index = text.index(after: index)
    }
    if index < text.endIndex, text[index] == "." {
        literal.hasPoint = true
        index = text.index(after: index)
        while index < text.endIndex, let d = text[index].wholeNumberValue, text[index].isASCII {
            if literal.fractionDigits < 18 {  // further digits are below Double's precision
                literal.fraction = literal.fraction * 10 + UInt64(d)
                literal.fractionDigits += 1
            }
            digits += 1
            index = text.index(after: index)
        }
    }
    guard digits > 0 else { return nil }
    if wholeOverflow { literal.whole = .max }  // `scaled(by:)` reports it as too large
    return (literal, text[index...])
}
