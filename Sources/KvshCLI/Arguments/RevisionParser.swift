/// A revision operand (`kv update … REVISION`, `kv get --revision`): a positive whole number.
/// - Throws: `ArgumentError` naming the text.
func parseRevision(_ text: String) throws -> UInt64 {
    guard let n = UInt64(text), n > 0 else {
        throw ArgumentError("invalid revision \(ArgumentError.quoted(text)): use a positive whole number")
    }
    return n
}
