/// Formats a byte count with IEC (1024-based) units, as natscli does (go-humanize `IBytes`).
///
/// Under 1 KiB the exact count is shown (`0 B`, `476 B`). Larger counts are rounded to one
/// decimal while the figure is below 10 (`1.5 KiB`, `2.0 MiB`) and to a whole number from
/// 10 on (`12 KiB`, `1023 MiB`).
func formatBytes(_ n: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    guard n >= 1024 else { return "\(n) B" }
    var exponent = 0
    var divisor: UInt64 = 1
    while exponent < units.count - 1, n / divisor >= 1024 {
        divisor *= 1024
        exponent += 1
    }
    // Tenths of the unit, rounded half up; `(n % divisor) * 10` stays below 2^64 as divisor ≤ 2^60.
    let tenths = (n / divisor) * 10 + ((n % divisor) * 10 + divisor / 2) / divisor
    if tenths < 100 {
        return "\(tenths / 10).\(tenths % 10) \(units[exponent])"
    }
    // go-humanize prints `%.0f` here, which rounds a tie to even.
    var whole = tenths / 10
    let rest = tenths % 10
    if rest > 5 || (rest == 5 && whole % 2 == 1) { whole += 1 }
    return "\(whole) \(units[exponent])"
}
