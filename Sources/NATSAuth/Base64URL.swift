/// Base64 with the URL-safe alphabet (`-` and `_`) and no padding, as JWT segments use it.
enum Base64URL {
    private static let codec = SymbolCodec("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    static func encode(_ bytes: some Collection<UInt8>) -> String { codec.encode(bytes) }

    /// The bytes of `text`; trailing `=` padding is accepted. Nil for any other character
    /// outside the alphabet or a length no byte string encodes to.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var chars = Array(text.utf8)
        while chars.last == UInt8(ascii: "=") { chars.removeLast() }
        guard chars.count % 4 != 1 else { return nil }
        return codec.decode(chars)
    }
}
