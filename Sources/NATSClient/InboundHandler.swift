import NATSWire
import NIOCore

/// The end of a link's pipeline: parses what the server sends and hands each op, the
/// link's activation, errors and closing to the connection as events of link `id`. It keeps
/// no state of the protocol; the connection's machine decides what each event means.
final class InboundHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var cumulation: ByteBuffer?
    private var failed = false
    private let parser = ServerOpParser()
    private let connection: NATSConnection
    private let id: UInt64

    init(connection: NATSConnection, id: UInt64) {
        self.connection = connection
        self.id = id
    }

    func channelActive(context: ChannelHandlerContext) {
        connection.linkActive(id, context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var incoming = unwrapInboundIn(data)
        if var acc = cumulation {
            cumulation = nil
            acc.writeBuffer(&incoming)
            incoming = acc
        }
        // One clock read per read, not per message.
        let now = NIODeadline.now()
        do {
            while let op = try parser.next(&incoming) {
                connection.received(op, on: id, now: now)
            }
        } catch {
            failed = true
            connection.linkFailed(id, NATSError.protocolError(error.description))
            return
        }
        if incoming.readableBytes > 0 {
            if incoming.readerIndex > 64 * 1024 { incoming.discardReadBytes() }
            cumulation = incoming
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.linkFailed(id, error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.linkClosed(id)
        context.fireChannelInactive()
    }
}
