import NIOCore

/// The header block of an HPUB/HMSG: an optional inline status (`NATS/1.0 503`)
/// followed by `Name: value` lines. Names keep their case and may repeat.
public struct NATSHeaders: Sendable, Equatable {
    /// One `Name: value` line.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Inline status code of the first line (e.g. 100, 404, 503), if any.
    public var status: Int?
    /// Text after the status code (e.g. "Idle Heartbeat").
    public var statusDescription: String?
    /// Header lines in wire order.
    public private(set) var fields: [Field] = []

    public init(status: Int? = nil, statusDescription: String? = nil) {
        self.status = status
        self.statusDescription = statusDescription
    }

    /// True when the block carries nothing to send.
    public var isEmpty: Bool { status == nil && fields.isEmpty }

    /// The first value of `name` (case-sensitive, as the server writes them).
    public subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// All values of `name`, in wire order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// Adds one more value for `name`.
    public mutating func append(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every value of `name` with `value`.
    public mutating func set(_ name: String, _ value: String) {
        fields.removeAll { $0.name == name }
        fields.append(Field(name: name, value: value))
    }

    /// Encoded size in bytes, as HPUB's `hdr_len` counts it.
    public var encodedLength: Int {
        var n = 10 // "NATS/1.0\r\n"
        if let status {
            n += 1 + String(status).utf8.count
            if let d = statusDescription, !d.isEmpty { n += 1 + d.utf8.count }
        }
        for f in fields { n += f.name.utf8.count + 2 + f.value.utf8.count + 2 }
        return n + 2
    }

    /// Writes `NATS/1.0…\r\n…\r\n\r\n`.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeStaticString("NATS/1.0")
        if let status {
            buffer.writeString(" \(status)")
            if let d = statusDescription, !d.isEmpty { buffer.writeString(" " + d) }
        }
        buffer.writeStaticString("\r\n")
        for f in fields {
            buffer.writeString(f.name)
            buffer.writeStaticString(": ")
            buffer.writeString(f.value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
    }

    /// Parses a complete header block (from `NATS/1.0` through the blank line).
    public static func parse(_ block: ByteBuffer) throws(WireError) -> NATSHeaders {
        let bytes = block.readableBytesView
        var lines: [Substring] = []
        // Header values are ASCII in practice; decode leniently so bad bytes can't crash us.
        let text = String(decoding: bytes, as: UTF8.self)
        lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).map { $0 }
        guard let first = lines.first, first.hasPrefix("NATS/1.0") else {
            throw WireError("header block does not start with NATS/1.0")
        }
        var headers = NATSHeaders()
        let statusPart = first.dropFirst(8).drop { $0 == " " }
        if !statusPart.isEmpty {
            let code = statusPart.prefix { $0 != " " }
            guard code.count == 3, let n = Int(code) else {
                throw WireError("invalid header status line '\(first)'")
            }
            headers.status = n
            let rest = statusPart.dropFirst(3).drop { $0 == " " }
            if !rest.isEmpty { headers.statusDescription = String(rest) }
        }
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw WireError("header line without ':'")
            }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" })
            headers.fields.append(Field(name: name, value: value))
        }
        return headers
    }
}
