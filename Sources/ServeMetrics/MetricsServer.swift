import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The HTTP side of `kvsh serve --metrics`: `GET /metrics` (the registry as Prometheus text),
/// `GET /ready` (200, or 503 with the reason `readiness` gives), `GET /healthz` (200); any other
/// path 404, any other method 405. One request a connection (the answer closes it), a request
/// head of at most `maxRequestBytes`, at most `maxConnections` at once, each closed after
/// `idleTimeout` without traffic — a scraper needs no more, and a stray client gets no more.
public final class MetricsServer: Sendable {
    public static let maxRequestBytes = 8 * 1024
    public static let maxConnections = 16
    public static let idleTimeout = TimeAmount.seconds(10)

    private let channel: any Channel
    /// The address bound (the port chosen when 0 was asked for).
    public let boundAddress: MetricsAddress

    private init(channel: any Channel, boundAddress: MetricsAddress) {
        self.channel = channel
        self.boundAddress = boundAddress
    }

    /// Listens on `address`. `readiness` returns nil when ready, else a one-line reason.
    /// Throws the bind's error (the address in use, a host that does not resolve).
    public static func start(at address: MetricsAddress, registry: MetricsRegistry,
                             readiness: @escaping @Sendable () -> String?) async throws -> MetricsServer {
        let counter = ConnectionCounter()
        let routes = Routes(registry: registry, readiness: readiness)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 32)
            .childChannelInitializer { channel in
                guard counter.enter() else {
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in counter.leave() }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try sync.addHandler(RequestSizeLimit(limit: maxRequestBytes))
                    try sync.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: true)
                    try sync.addHandler(RequestHandler(routes: routes))
                }
            }
            .bind(host: address.host, port: address.port).get()
        let port = channel.localAddress?.port ?? address.port
        return MetricsServer(channel: channel, boundAddress: MetricsAddress(host: address.host, port: port))
    }

    /// Stops listening; connections under way end on their own (one request each).
    public func close() async {
        try? await channel.close()
    }
}

/// Connections open now, bounded by `MetricsServer.maxConnections`.
private final class ConnectionCounter: Sendable {
    private let count = Atomic<Int>(0)

    func enter() -> Bool {
        let now = count.wrappingAdd(1, ordering: .relaxed).newValue
        if now > MetricsServer.maxConnections {
            count.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() { count.wrappingSubtract(1, ordering: .relaxed) }
}

/// What each path answers.
struct Routes: Sendable {
    let registry: MetricsRegistry
    let readiness: @Sendable () -> String?

    func answer(method: HTTPMethod, path: String) -> (HTTPResponseStatus, contentType: String, body: String) {
        let known = ["/metrics", "/ready", "/healthz"]
        let path = String(path.prefix { $0 != "?" })
        guard known.contains(path) else { return (.notFound, "text/plain; charset=utf-8", "not found\n") }
        guard method == .GET || method == .HEAD else {
            return (.methodNotAllowed, "text/plain; charset=utf-8", "only GET\n")
        }
        switch path {
        case "/metrics": return (.ok, "text/plain; version=0.0.4; charset=utf-8", registry.render())
        case "/ready":
            if let reason = readiness() { return (.serviceUnavailable, "text/plain; charset=utf-8", reason + "\n") }
            return (.ok, "text/plain; charset=utf-8", "ready\n")
        default: return (.ok, "text/plain; charset=utf-8", "ok\n")
        }
    }
}

/// Closes a connection whose request grows past the limit (a request here is a short head),
/// answering 431 first.
private final class RequestSizeLimit: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private let limit: Int
    private var seen = 0
    private var refused = false

    init(limit: Int) { self.limit = limit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        seen += unwrapInboundIn(data).readableBytes
        if seen > limit {
            refused = true
            let text = "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            let buffer = context.channel.allocator.buffer(string: text)
            // Straight to the socket, past the HTTP encoder above us.
            let channel = context.channel
            context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        context.fireChannelRead(data)
    }
}

/// Answers one request, then closes; an idle connection is closed too.
private final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private let routes: Routes
    private var head: HTTPRequestHead?

    init(routes: Routes) { self.routes = routes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead): head = requestHead
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let (status, contentType, body) = routes.answer(method: head.method, path: head.uri)
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: contentType)
            headers.add(name: "content-length", value: String(body.utf8.count))
            headers.add(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                          promise: nil)
            if head.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))),
                              promise: nil)
            }
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
