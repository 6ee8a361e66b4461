import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection of the lean client: a NIO channel whose pipeline is NIO's HTTP codec and a
/// `PlainHTTPResponseReader`. It carries one exchange at a time; the pool lends it to one request at a time.
final class PlainHTTPConnection: Sendable {
    let channel: any Channel
    private let reader: NIOLoopBound<PlainHTTPResponseReader>

    private init(channel: any Channel, reader: NIOLoopBound<PlainHTTPResponseReader>) {
        self.channel = channel
        self.reader = reader
    }

    /// Connects to `target` before `deadline`.
    static func connect(
        to target: PlainHTTPTarget, on group: any EventLoopGroup, deadline: NIODeadline, timeoutMilliseconds: Int
    ) async throws -> PlainHTTPConnection {
        let remaining = deadline - .now()
        guard remaining > .zero else { throw HTTPFetchError.timedOut(milliseconds: timeoutMilliseconds) }
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(remaining)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(PlainHTTPResponseReader())
                }
            }
        let channel: any Channel
        do {
            // An address in the URL needs no resolver (whose lookup and connection race cost more than the GET).
            if let address = try? SocketAddress(ipAddress: target.host, port: target.port) {
                channel = try await bootstrap.connect(to: address).get()
            } else {
                channel = try await bootstrap.connect(host: target.host, port: target.port).get()
            }
        } catch ChannelError.connectTimeout {
            throw HTTPFetchError.timedOut(milliseconds: timeoutMilliseconds)
        } catch {
            throw HTTPFetchError.connection("\(error)")
        }
        let reader = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: PlainHTTPResponseReader.self), eventLoop: channel.eventLoop)
        }.get()
        return PlainHTTPConnection(channel: channel, reader: reader)
    }

    /// Sends one request and reads its whole response. Cancelling the calling task closes the connection.
    /// - Throws: `PlainHTTPFailure`, or `CancellationError`.
    func exchange(
        _ head: HTTPRequestHead, maxBytes: Int, deadline: NIODeadline, timeoutMilliseconds: Int
    ) async throws -> PlainHTTPReply {
        let promise = channel.eventLoop.makePromise(of: PlainHTTPReply.self)
        let reader = self.reader
        return try await withTaskCancellationHandler {
            channel.eventLoop.execute {
                reader.value.start(
                    head, maxBytes: maxBytes, deadline: deadline, timeoutMilliseconds: timeoutMilliseconds, promise: promise)
            }
            // Cancelled before the handler below was installed: its cancel ran first, so cancel after the start.
            if Task.isCancelled { channel.eventLoop.execute { reader.value.cancel() } }
            return try await promise.futureResult.get()
        } onCancel: {
            channel.eventLoop.execute { reader.value.cancel() }
        }
    }

    func close() {
        channel.close(promise: nil)
    }
}
