/// Bytes written with an alphabet of 2ⁿ symbols, n bits a symbol, most significant bits first
/// and without padding: base32 (n = 5, nkeys) and base64url (n = 6, JWTs and signatures).
/// The codecs differ only in their alphabets and in which lengths they accept.
struct SymbolCodec: Sendable {
    private let symbols: [UInt8]
    private let bits: Int
    /// Each byte's value in the alphabet, or -1.
    private let values: [Int8]

    init(_ alphabet: String) {
        symbols = Array(alphabet.utf8)
        bits = symbols.count.trailingZeroBitCount
        var values = [Int8](repeating: -1, count: 256)
        for (index, symbol) in symbols.enumerated() { values[Int(symbol)] = Int8(index) }
        self.values = values
    }

    func encode(_ bytes: some Collection<UInt8>) -> String {
        let mask = UInt32(symbols.count - 1)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 8 + bits - 1) / bits)
        var buffer: UInt32 = 0
        var pending = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            pending += 8
            while pending >= bits {
                pending -= bits
                out.append(symbols[Int((buffer >> UInt32(pending)) & mask)])
            }
        }
        if pending > 0 { out.append(symbols[Int((buffer << UInt32(bits - pending)) & mask)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of `chars`, or nil when one is outside the alphabet. Bits left over after the
    /// last whole byte are dropped (the callers refuse the lengths that leave a whole symbol).
    func decode(_ chars: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(chars.count * bits / 8)
        var buffer: UInt32 = 0
        var pending = 0
        for c in chars {
            let value = values[Int(c)]
            guard value >= 0 else { return nil }
            buffer = (buffer << UInt32(bits)) | UInt32(value)
            pending += bits
            if pending >= 8 {
                pending -= 8
                out.append(UInt8((buffer >> UInt32(pending)) & 0xFF))
            }
        }
        return out
    }
}
