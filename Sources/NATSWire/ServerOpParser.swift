import NIOCore

/// Turns bytes from the server into `ServerOp`s. Pure: feed it the bytes read so far;
/// it consumes whole operations only and leaves a partial one in the buffer.
public struct ServerOpParser: Sendable {
    /// Longest control line accepted (the server's own limit is 4096).
    public var maxControlLine: Int
    /// Longest `INFO` line accepted. Its JSON lists the cluster's URLs, so a large cluster
    /// sends more than `maxControlLine`; 1 MiB holds thousands of them and still bounds memory.
    public var maxInfoLine: Int
    /// Largest `MSG`/`HMSG` size accepted before the stream is declared corrupt.
    public var maxMessageSize: Int

    public init(maxControlLine: Int = 4096, maxInfoLine: Int = 1 << 20, maxMessageSize: Int = 64 << 20) {
        self.maxControlLine = maxControlLine
        self.maxInfoLine = Swift.max(maxInfoLine, maxControlLine)
        self.maxMessageSize = maxMessageSize
    }

    /// Parses the next complete operation from the front of `buffer`.
    /// Returns nil when more bytes are needed; throws on bytes that can never become valid.
    public func next(_ buffer: inout ByteBuffer) throws(WireError) -> ServerOp? {
        guard let lineEnd = Self.findCRLF(buffer) else {
            // The CRLF may still start at the last byte (a trailing CR), so only more than
            // `limit + 1` bytes without one prove the line too long.
            if buffer.readableBytes > maxControlLine + 1 {
                let limit = lineLimit(buffer)
                if buffer.readableBytes > limit + 1 { throw WireError("control line longer than \(limit) bytes") }
            }
            return nil
        }
        if lineEnd > maxControlLine {
            let limit = lineLimit(buffer)
            if lineEnd > limit { throw WireError("control line longer than \(limit) bytes") }
        }
        let line = buffer.getSlice(at: buffer.readerIndex, length: lineEnd)!
        let opEnd = line.readableBytesView.firstIndex { $0 == 0x20 || $0 == 0x09 } ?? line.writerIndex
        var rest = line.getSlice(at: opEnd, length: line.writerIndex - opEnd)!
        // Compare the op name without allocating: most operations are MSG/HMSG.
        let opName = Self.opName(line.readableBytesView[line.readerIndex..<opEnd])

        switch opName {
        case "MSG", "HMSG":
            let hasHeaders = opName == "HMSG"
            guard let op = try Self.message(args: &rest, hasHeaders: hasHeaders,
                                            buffer: &buffer, lineEnd: lineEnd, maxSize: maxMessageSize)
            else { return nil }
            return .message(op)
        case "PING":
            buffer.moveReaderIndex(forwardBy: lineEnd + 2)
            return .ping
        case "PONG":
            buffer.moveReaderIndex(forwardBy: lineEnd + 2)
            return .pong
        case "+OK":
            buffer.moveReaderIndex(forwardBy: lineEnd + 2)
            return .ok
        case "-ERR":
            buffer.moveReaderIndex(forwardBy: lineEnd + 2)
            var text = String(decoding: rest.readableBytesView, as: UTF8.self)
            text = String(text.drop { $0 == " " })
            if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") {
                text = String(text.dropFirst().dropLast())
            }
            return .err(ServerError(text))
        case "INFO":
            let json = rest
            let info = try ServerInfo.decode(json)
            buffer.moveReaderIndex(forwardBy: lineEnd + 2)
            return .info(info)
        default:
            let shown = String(decoding: line.readableBytesView.prefix(32), as: UTF8.self)
            throw WireError("unknown protocol operation '\(shown)'")
        }
    }

    /// The length limit of the line at the front of `buffer`: `maxInfoLine` for `INFO`.
    private func lineLimit(_ buffer: ByteBuffer) -> Int {
        let isInfo = buffer.withUnsafeReadableBytes { raw -> Bool in
            guard raw.count >= 5 else { return false }
            for (offset, letter) in "INFO".utf8.enumerated() where raw[offset] & 0xDF != letter { return false }
            return raw[4] == 0x20 || raw[4] == 0x09
        }
        return isInfo ? maxInfoLine : maxControlLine
    }

    private static let knownOps = ["MSG", "HMSG", "PING", "PONG", "+OK", "-ERR", "INFO"]

    /// The upper-cased op name when it is a known one, else the raw text.
    private static func opName(_ bytes: ByteBufferView.SubSequence) -> String {
        // Indices rather than zip: no generic iterator types for the runtime to instantiate.
        for op in knownOps where op.utf8.count == bytes.count {
            var index = bytes.startIndex
            var same = true
            for expected in op.utf8 {
                let b = bytes[index]
                if expected != (b >= 0x61 && b <= 0x7A ? b - 0x20 : b) {
                    same = false
                    break
                }
                index = bytes.index(after: index)
            }
            if same { return op }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func message(args: inout ByteBuffer, hasHeaders: Bool, buffer: inout ByteBuffer,
                                lineEnd: Int, maxSize: Int) throws(WireError) -> InboundMessage? {
        let tokens = Tokens(args.readableBytesView)
        let want = hasHeaders ? (4, 5) : (3, 4)
        guard tokens.count == want.0 || tokens.count == want.1 else {
            throw WireError("\(hasHeaders ? "HMSG" : "MSG") with \(tokens.count) arguments")
        }
        let subject = String(decoding: tokens[0], as: UTF8.self)
        guard let sid = parseInt(tokens[1]) else { throw WireError("invalid sid") }
        let hasReply = tokens.count == want.1
        let replyTo = hasReply ? String(decoding: tokens[2], as: UTF8.self) : nil
        let firstSize = hasReply ? 3 : 2
        var headerLength = 0
        let total: Int
        if hasHeaders {
            guard let h = parseInt(tokens[firstSize]), let t = parseInt(tokens[firstSize + 1]), h <= t, h >= 12,
                  let hi = Int(exactly: h), let ti = Int(exactly: t)
            else { throw WireError("invalid HMSG sizes") }
            headerLength = hi
            total = ti
        } else {
            guard let t = parseInt(tokens[firstSize]), let ti = Int(exactly: t)
            else { throw WireError("invalid MSG size") }
            total = ti
        }
        guard total <= maxSize else { throw WireError("message of \(total) bytes exceeds limit") }
        let needed = lineEnd + 2 + total + 2
        guard buffer.readableBytes >= needed else { return nil }
        let start = buffer.readerIndex + lineEnd + 2
        guard buffer.getInteger(at: start + total, as: UInt16.self) == 0x0D0A else {
            throw WireError("message payload not followed by CRLF")
        }
        var headers: NATSHeaders?
        if hasHeaders {
            headers = try NATSHeaders.parse(buffer.getSlice(at: start, length: headerLength)!)
        }
        let payload = buffer.getSlice(at: start + headerLength, length: total - headerLength)!
        buffer.moveReaderIndex(forwardBy: needed)
        return InboundMessage(subject: subject, sid: sid, replyTo: replyTo, headers: headers, payload: payload,
                              size: total)
    }

    /// Up to six space-separated arguments of a MSG/HMSG line, without allocating an array.
    struct Tokens {
        private var ranges: (Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>)
        private let view: ByteBufferView
        private(set) var count = 0

        init(_ view: ByteBufferView) {
            self.view = view
            let empty = 0..<0
            ranges = (empty, empty, empty, empty, empty, empty)
            var i = view.startIndex
            while i < view.endIndex {
                while i < view.endIndex, view[i] == 0x20 || view[i] == 0x09 { i += 1 }
                guard i < view.endIndex else { break }
                let start = i
                while i < view.endIndex, view[i] != 0x20, view[i] != 0x09 { i += 1 }
                if count < 6 { set(count, start..<i) }
                count += 1
            }
        }

        private mutating func set(_ n: Int, _ r: Range<Int>) {
            switch n {
            case 0: ranges.0 = r
            case 1: ranges.1 = r
            case 2: ranges.2 = r
            case 3: ranges.3 = r
            case 4: ranges.4 = r
            default: ranges.5 = r
            }
        }

        subscript(_ n: Int) -> ByteBufferView.SubSequence {
            switch n {
            case 0: view[ranges.0]
            case 1: view[ranges.1]
            case 2: view[ranges.2]
            case 3: view[ranges.3]
            case 4: view[ranges.4]
            default: view[ranges.5]
            }
        }
    }

    private static func parseInt(_ bytes: ByteBufferView.SubSequence) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 19 else { return nil }
        var n: UInt64 = 0
        for b in bytes {
            guard b >= 0x30, b <= 0x39 else { return nil }
            n = n * 10 + UInt64(b - 0x30)
        }
        return n
    }

    /// Offset of the first CRLF from the reader index.
    private static func findCRLF(_ buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { raw -> Int? in
            guard raw.count >= 2 else { return nil }
            var i = 0
            let end = raw.count - 1
            while i < end {
                if raw[i] == 0x0D && raw[i + 1] == 0x0A { return i }
                i += 1
            }
            return nil
        }
    }
}
