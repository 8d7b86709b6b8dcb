/// Encodes bytes as standard base64 (RFC 4648 alphabet, `=` padding), the form natscli
/// shows values in when they are not printable text.
func base64Encoded(_ bytes: some Collection<UInt8>) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var iterator = bytes.makeIterator()
    while let b0 = iterator.next() {
        let b1 = iterator.next()
        let b2 = b1 == nil ? nil : iterator.next()
        let n = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
        out.append(alphabet[Int(n >> 18 & 63)])
        out.append(alphabet[Int(n >> 12 & 63)])
        out.append(b1 == nil ? UInt8(ascii: "=") : alphabet[Int(n >> 6 & 63)])
        out.append(b2 == nil ? UInt8(ascii: "=") : alphabet[Int(n & 63)])
    }
    return String(decoding: out, as: UTF8.self)
}
