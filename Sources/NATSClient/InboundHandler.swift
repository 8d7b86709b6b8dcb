import NATSWire
import NIOCore

/// Reads server bytes on the channel's event loop, answers PINGs, completes the
/// handshake, and hands everything else to the connection.
final class InboundHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    enum Phase { case awaitingInfo, awaitingPong, running }

    private var phase = Phase.awaitingInfo
    private var cumulation: ByteBuffer?
    private let parser: ServerOpParser
    private let infoPromise: EventLoopPromise<ServerInfo>
    private let pongPromise: EventLoopPromise<Void>
    private let connection: NATSConnection

    init(connection: NATSConnection, infoPromise: EventLoopPromise<ServerInfo>,
         pongPromise: EventLoopPromise<Void>) {
        self.connection = connection
        self.infoPromise = infoPromise
        self.pongPromise = pongPromise
        self.parser = ServerOpParser()
    }

    /// Called once CONNECT and PING are written.
    func startedHandshake() { if phase == .awaitingInfo { phase = .awaitingPong } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if var acc = cumulation {
            cumulation = nil
            acc.writeBuffer(&incoming)
            incoming = acc
        }
        do {
            while let op = try parser.next(&incoming) {
                handle(op, context: context)
            }
        } catch {
            fail(context: context, NATSError.protocolError(error.description))
            return
        }
        if incoming.readableBytes > 0 {
            if incoming.readerIndex > 64 * 1024 { incoming.discardReadBytes() }
            cumulation = incoming
        }
    }

    private func handle(_ op: ServerOp, context: ChannelHandlerContext) {
        switch op {
        case .ping:
            var buf = context.channel.allocator.buffer(capacity: 6)
            ClientOp.pong(into: &buf)
            context.writeAndFlush(wrapOutboundOut(buf), promise: nil)
            return
        case .info(let info):
            if phase == .awaitingInfo {
                infoPromise.succeed(info)
                return
            }
        case .pong where phase == .awaitingPong:
            phase = .running
            pongPromise.succeed(())
            return
        case .err(let text) where phase != .running:
            let error: NATSError = .server(text)
            infoPromise.fail(error)
            pongPromise.fail(error)
            context.close(promise: nil)
            return
        default:
            break
        }
        if phase == .running {
            connection.received(op, on: context.channel)
        }
    }

    typealias OutboundOut = ByteBuffer

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        infoPromise.fail(NATSError.connectionClosed)
        pongPromise.fail(NATSError.connectionClosed)
        if phase == .running { connection.channelClosed(context.channel) }
        context.fireChannelInactive()
    }

    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        infoPromise.fail(error)
        pongPromise.fail(error)
        context.close(promise: nil)
    }
}
