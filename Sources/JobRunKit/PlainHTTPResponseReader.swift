import NIOCore
import NIOHTTP1

/// One complete response read by the lean client.
struct PlainHTTPReply: Sendable {
    var head: HTTPResponseHead
    var body: ByteBuffer
    /// Whether the connection may carry the next request (keep-alive, and the response was read to its end).
    var reusable: Bool
}

/// An exchange that failed, and whether it failed before any byte of the response arrived: on a reused keep-alive
/// connection that means the server had closed it while idle, and the request may go again on a fresh one.
struct PlainHTTPFailure: Error {
    var error: HTTPFetchError
    var beforeResponse: Bool
}

/// The last handler of a lean-client connection: writes one GET at a time and collects its response, enforcing
/// the body cap and the deadline. Lives on the channel's event loop only.
final class PlainHTTPResponseReader: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private struct Exchange {
        let promise: EventLoopPromise<PlainHTTPReply>
        let maxBytes: Int
        let timeoutMilliseconds: Int
        var head: HTTPResponseHead?
        var body: ByteBuffer?
        var timer: Scheduled<Void>?
    }

    private var exchange: Exchange?
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Sends `head` and completes `promise` with the response, or fails it with `PlainHTTPFailure` (or
    /// `CancellationError` after `cancel()`).
    func start(
        _ head: HTTPRequestHead, maxBytes: Int, deadline: NIODeadline, timeoutMilliseconds: Int,
        promise: EventLoopPromise<PlainHTTPReply>
    ) {
        guard let context, context.channel.isActive, exchange == nil else {
            promise.fail(PlainHTTPFailure(error: .connection("the connection was closed"), beforeResponse: true))
            return
        }
        var started = Exchange(promise: promise, maxBytes: maxBytes, timeoutMilliseconds: timeoutMilliseconds)
        started.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            self?.finish(.failure(PlainHTTPFailure(error: .timedOut(milliseconds: timeoutMilliseconds), beforeResponse: false)))
        }
        exchange = started
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Gives up the exchange in flight (its task was cancelled): the connection closes, since its response is unread.
    func cancel() {
        finish(.failure(CancellationError()))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard var current = exchange else {
            // Bytes nobody asked for: the connection is out of step with its requests.
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            // Interim 1xx responses precede the real one.
            if head.status.code < 200 { return }
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > current.maxBytes {
                finish(.failure(PlainHTTPFailure(error: .tooLarge(limit: current.maxBytes), beforeResponse: false)))
                return
            }
            current.head = head
            exchange = current
        case .body(var part):
            guard (current.body?.readableBytes ?? 0) + part.readableBytes <= current.maxBytes else {
                finish(.failure(PlainHTTPFailure(error: .tooLarge(limit: current.maxBytes), beforeResponse: false)))
                return
            }
            if current.body == nil {
                current.body = part
            } else {
                current.body!.writeBuffer(&part)
            }
            exchange = current
        case .end:
            guard let head = current.head else {
                finish(.failure(PlainHTTPFailure(error: .connection("a response ended before its head"), beforeResponse: false)))
                return
            }
            let body = current.body ?? context.channel.allocator.buffer(capacity: 0)
            finish(.success(PlainHTTPReply(head: head, body: body, reusable: head.isKeepAlive)))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let nothingYet = exchange.map { $0.head == nil && $0.body == nil } ?? true
        finish(.failure(PlainHTTPFailure(error: .connection("the server closed the connection"), beforeResponse: nothingYet)))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let nothingYet = exchange.map { $0.head == nil && $0.body == nil } ?? true
        finish(.failure(PlainHTTPFailure(error: .connection("\(error)"), beforeResponse: nothingYet)))
    }

    /// Completes the exchange in flight, if any; a connection whose exchange did not end cleanly is closed, so it is
    /// never reused with part of an old response still unread.
    private func finish(_ outcome: Result<PlainHTTPReply, any Error>) {
        guard let current = exchange else { return }
        exchange = nil
        current.timer?.cancel()
        if case .failure = outcome { context?.close(promise: nil) }
        current.promise.completeWith(outcome)
    }
}
