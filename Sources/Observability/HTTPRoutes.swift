import NIOCore
import NIOHTTP1

/// What each path answers. Pure apart from reading `JobMetrics` and the hub; safe from the event loop.
struct HTTPRoutes: Sendable {
    let metrics: JobMetrics
    let hub: DashboardHub

    /// A complete answer: status, content type and body.
    struct Answer {
        var status: HTTPResponseStatus
        var contentType: String
        var body: [UInt8]
    }

    /// The path without its query string.
    static func path(of uri: String) -> Substring {
        uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }

    /// The answer for a request that is not `/events` (which streams).
    func answer(method: HTTPMethod, path: Substring) -> Answer {
        guard method == .GET || method == .HEAD else {
            return Answer(status: .methodNotAllowed, contentType: "text/plain; charset=utf-8", body: Array("only GET and HEAD are served\n".utf8))
        }
        switch path {
        case "/metrics":
            return Answer(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render())
        case "/", "/index.html":
            return Answer(status: .ok, contentType: "text/html; charset=utf-8", body: Array(hub.page().utf8))
        default:
            return Answer(
                status: .notFound, contentType: "text/plain; charset=utf-8",
                body: Array("not found; this server has /metrics, / (the dashboard) and /events\n".utf8))
        }
    }
}

/// One HTTP connection: answers each request, or hands an `/events` connection to the hub for good.
///
/// Threads: NIO calls it on the connection's event loop only.
final class HTTPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: HTTPRoutes
    private var head: HTTPRequestHead?
    private var streaming = false

    init(routes: HTTPRoutes) {
        self.routes = routes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
        case .body:
            // Nothing served here takes a body; it is read and dropped.
            break
        case .end:
            guard let request = head, !streaming else { return }
            head = nil
            respond(to: request, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if streaming { routes.hub.remove(context.channel) }
        context.fireChannelInactive()
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = HTTPRoutes.path(of: request.uri)
        if path == "/events", request.method == .GET {
            guard routes.hub.canAdd else {
                send(HTTPRoutes.Answer(status: .serviceUnavailable, contentType: "text/plain; charset=utf-8",
                    body: Array("too many dashboard viewers; try again later\n".utf8)), head: request, context: context)
                return
            }
            streaming = true
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/event-stream; charset=utf-8")
            headers.add(name: "Cache-Control", value: "no-store")
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: .ok, headers: headers))), promise: nil)
            routes.hub.add(context.channel)
            return
        }
        send(routes.answer(method: request.method, path: path), head: request, context: context)
    }

    private func send(_ answer: HTTPRoutes.Answer, head request: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: answer.contentType)
        headers.add(name: "Content-Length", value: String(answer.body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: answer.status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: answer.body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
