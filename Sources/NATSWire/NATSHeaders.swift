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

    /// Most `Name: value` lines one block may hold. A message may be 64 MiB; without a cap a
    /// block of short lines would become millions of fields (far more memory than its bytes).
    public static let maxFields = 4096

    /// Parses a complete header block (from `NATS/1.0` through the blank line).
    /// - Throws: `WireError` for a block that does not start with `NATS/1.0`, a bad status
    ///   code, a line without `:`, or more than `maxFields` fields.
    public static func parse(_ block: ByteBuffer) throws(WireError) -> NATSHeaders {
        // Scans the bytes line by line: no copy of the block, no array of lines. Values are
        // ASCII in practice; each piece is decoded leniently so bad bytes cannot crash us.
        let bytes = block.readableBytesView
        let end = bytes.endIndex
        var lineStart = bytes.startIndex
        var headers = NATSHeaders()
        var isFirst = true
        while isFirst || lineStart < end {
            var lineEnd = lineStart
            while lineEnd < end, !(bytes[lineEnd] == 0x0D && lineEnd + 1 < end && bytes[lineEnd + 1] == 0x0A) {
                lineEnd += 1
            }
            let line = bytes[lineStart..<lineEnd]
            lineStart = lineEnd < end ? lineEnd + 2 : end
            if isFirst {
                isFirst = false
                try headers.readStatusLine(line)
                continue
            }
            guard !line.isEmpty else { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw WireError("header line without ':'")
            }
            guard headers.fields.count < maxFields else {
                throw WireError("header block with more than \(maxFields) fields")
            }
            var valueStart = colon + 1
            while valueStart < line.endIndex, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
            headers.fields.append(Field(name: String(decoding: line[..<colon], as: UTF8.self),
                                        value: String(decoding: line[valueStart...], as: UTF8.self)))
        }
        return headers
    }

    /// `NATS/1.0`, optionally followed by a three-digit status and its description.
    private mutating func readStatusLine(_ line: ByteBufferView.SubSequence) throws(WireError) {
        let version = "NATS/1.0".utf8
        guard line.count >= version.count, line.prefix(version.count).elementsEqual(version) else {
            throw WireError("header block does not start with NATS/1.0")
        }
        var i = line.startIndex + version.count
        while i < line.endIndex, line[i] == 0x20 { i += 1 }
        guard i < line.endIndex else { return }
        var codeEnd = i
        while codeEnd < line.endIndex, line[codeEnd] != 0x20 { codeEnd += 1 }
        let code = line[i..<codeEnd]
        guard code.count == 3, code.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            let shown = String(decoding: line.prefix(64), as: UTF8.self)
            throw WireError("invalid header status line '\(shown)'")
        }
        status = code.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        var rest = codeEnd
        while rest < line.endIndex, line[rest] == 0x20 { rest += 1 }
        if rest < line.endIndex { statusDescription = String(decoding: line[rest...], as: UTF8.self) }
    }
}
