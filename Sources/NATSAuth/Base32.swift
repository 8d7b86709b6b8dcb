/// Base32 as nkeys write it: the RFC 4648 alphabet (`A`–`Z`, `2`–`7`), upper case only, no
/// `=` padding. Anything else — lower case, padding, spaces — is refused, as the Go decoder
/// nkeys uses refuses it.
enum Base32 {
    private static let codec = SymbolCodec("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    static func encode(_ bytes: [UInt8]) -> String { codec.encode(bytes) }

    /// The bytes of `text`, or nil when a character is outside the alphabet or the length is
    /// one no byte string encodes to (1, 3 or 6 characters past a multiple of 8).
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard ![1, 3, 6].contains(chars.count % 8) else { return nil }
        return codec.decode(chars)
    }
}

/// CRC-16/XMODEM (polynomial 0x1021, initial value 0, no reflection), the checksum at the end
/// of every nkey.
enum CRC16 {
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }
}
