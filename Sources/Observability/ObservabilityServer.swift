#if canImport(Glibc)
import Glibc
#endif
public import Settings
import NIOCore
import NIOPosix
import NIOHTTP1

/// Serves a running job to the outside over HTTP: `/metrics` (Prometheus text format), `/` (the live dashboard)
/// and `/events` (the dashboard's server-sent events).
///
/// Runs on one SwiftNIO event-loop thread of its own, so scrapes and dashboard viewers never wait on the
/// coordinator's loop and the coordinator never waits on them: the coordinator only publishes to `JobMetrics`
/// once per tick, and the dashboard follows the job's event log. HTTP parsing is NIOHTTP1's.
///
/// Lifetime: `start` binds (failing at once on a bad or busy address); `stop` closes every connection and the
/// thread. Threads: `start` and `stop` from one thread; everything else happens on the event loop.
public final class ObservabilityServer {
    private let group: MultiThreadedEventLoopGroup
    private var channel: (any Channel)?
    private let hub: DashboardHub
    /// The address actually bound (the port resolved when 0 was asked for).
    public private(set) var boundAddress: MetricsAddress

    /// Binds `address` and starts serving `metrics` and a dashboard that follows the event log at `eventLogPath`
    /// (`nil` when the job records no events; the dashboard then shows the metrics' counts only).
    ///
    /// - Throws: `ObservabilityError` naming the address and the reason (in use, not an address of this host).
    public init(address: MetricsAddress, metrics: JobMetrics, eventLogPath: String?, jobID: String) throws(ObservabilityError) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let hub = DashboardHub(eventLoop: loop, eventLogPath: eventLogPath, jobID: jobID, metrics: metrics)
        self.hub = hub
        boundAddress = address
        let routes = HTTPRoutes(metrics: metrics, hub: hub)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HTTPRequestHandler(routes: routes))
                }
            }
            .childChannelOption(.maxMessagesPerRead, value: 4)
        do {
            let bound = try bootstrap.bind(host: address.host, port: address.port).wait()
            channel = bound
            if let port = bound.localAddress?.port { boundAddress.port = port }
        } catch {
            try? group.syncShutdownGracefully()
            throw ObservabilityError(
                "cannot serve metrics on \(address): \(error); choose another address or port for --metrics (or the `metrics` setting)")
        }
        hub.start()
    }

    /// The dashboard's address as a URL.
    public var url: String { "http://\(boundAddress)/" }

    /// Sends the last dashboard update, closes every connection and stops the thread.
    public func stop() {
        hub.finish()
        try? channel?.close().wait()
        channel = nil
        try? group.syncShutdownGracefully()
    }
}

/// A problem serving metrics, in words for the user.
public struct ObservabilityError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
