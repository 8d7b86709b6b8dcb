extension ShellSession {
    /// The longest `sleep`; a longer one is almost certainly a unit mistake (`sleep 5000` meaning ms).
    static let maximumSleepNanoseconds: Int64 = 24 * 3600 * 1_000_000_000

    func sleep(_ call: BuiltinInvocation) async throws -> Value {
        guard call.texts.count == 1 else { throw call.usageError(.sleep, "expected one duration") }
        let text = call.texts[0]
        guard let nanoseconds = DurationText.nanoseconds(text) else {
            throw CommandError("sleep: invalid duration '\(text)': use a number with a unit, "
                               + "such as 500ms, 2s or 1m30s")
        }
        guard nanoseconds <= Self.maximumSleepNanoseconds else {
            throw CommandError("sleep: '\(text)' is longer than the maximum of 24h")
        }
        do {
            try await Task.sleep(for: .nanoseconds(nanoseconds))
        } catch {
            throw Interruption.cancelled(call.position)
        }
        return .null
    }
}

/// Durations as people type them: `500ms`, `2s`, `1.5s`, `1m30s`, or bare seconds (`2`);
/// units `ns us µs ms s m h`. Public so that commands built on the language (hook options)
/// read durations exactly as `sleep` does.
public enum DurationText {
    private static let units: [(suffix: String, nanoseconds: Double)] = [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ]

    /// Nanoseconds, or nil when `text` is not a non-negative duration.
    public static func nanoseconds(_ text: String) -> Int64? {
        if let seconds = number(Substring(text)) { return clamp(seconds * 1e9) }
        var rest = Substring(text)
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { ($0 >= "0" && $0 <= "9") || $0 == "." }
            guard let value = number(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix { !(($0 >= "0" && $0 <= "9") || $0 == ".") }
            guard let unit = units.first(where: { $0.suffix == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.nanoseconds
        }
        return clamp(total)
    }

    /// A plain decimal: digits with at most one '.', at least one digit.
    private static func number(_ text: Substring) -> Double? {
        guard !text.isEmpty, text.allSatisfy({ ($0 >= "0" && $0 <= "9") || $0 == "." }),
              text.filter({ $0 == "." }).count <= 1, text.contains(where: { $0 != "." })
        else { return nil }
        return Double(text.hasPrefix(".") ? "0" + text : String(text))
    }

    private static func clamp(_ nanoseconds: Double) -> Int64 {
        nanoseconds >= Double(Int64.max) ? Int64.max : Int64(nanoseconds.rounded())
    }
}
