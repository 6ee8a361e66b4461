import NIOCore
import NIOPosix
import Synchronization

/// What a worker lends its running tasks: CPU slots, the shared HTTP client, the IO limit, and a way to report
/// progress. One per worker process; `TaskContext` exposes it to handlers.
public final class WorkerServices: Sendable {
    /// The CPU slots.
    public let cpu: CPUPool
    /// Bounds IO subtasks started by `gather` across the whole worker.
    public let ioLimiter: AsyncLimiter
    /// The IO concurrency the limiter allows.
    public let ioConcurrency: Int
    private let connectionsPerHost: Int
    /// Created on first use: most jobs never run an IO task or make a request, and a worker should start and stop fast.
    private let network = Mutex<(loop: MultiThreadedEventLoopGroup, executor: EventLoopExecutor, http: HTTPFetcher?)?>(nil)
    let progress: @Sendable (_ sequence: UInt64, _ fraction: Double?, _ message: String?) -> Void

    /// Creates the services of a worker with `cpuSlots` CPU slots and `ioConcurrency` IO subtasks at once.
    public init(
        cpuSlots: Int = 1, ioConcurrency: Int = 256, httpConnectionsPerHost: Int = 8,
        progress: @escaping @Sendable (UInt64, Double?, String?) -> Void = { _, _, _ in }
    ) {
        cpu = CPUPool(slots: cpuSlots)
        self.ioConcurrency = max(ioConcurrency, 1)
        ioLimiter = AsyncLimiter(limit: self.ioConcurrency)
        connectionsPerHost = httpConnectionsPerHost
        self.progress = progress
    }

    /// The IO event loop (one thread: a worker is one process per core) with its executor, created on first use.
    private func networkLoop() -> (loop: MultiThreadedEventLoopGroup, executor: EventLoopExecutor) {
        network.withLock { network in
            if let existing = network { return (existing.loop, existing.executor) }
            let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let executor = EventLoopExecutor(loop: loop.next())
            network = (loop, executor, nil)
            return (loop, executor)
        }
    }

    /// Where IO-bound tasks run: the event loop that also carries the worker's HTTP connections.
    public var ioExecutor: EventLoopExecutor { networkLoop().executor }

    /// The shared HTTP client, created on first use.
    var http: HTTPFetcher {
        let loop = networkLoop().loop
        return network.withLock { network in
            if let existing = network?.http { return existing }
            let created = HTTPFetcher(group: loop, connectionsPerHost: connectionsPerHost)
            network?.http = created
            return created
        }
    }

    /// Whether the HTTP client or the IO event loop was ever created (and so needs `shutdown`).
    public var hasHTTPClient: Bool { network.withLock { $0 != nil } }

    /// Closes the HTTP client's connections, if it was used, and stops the IO event loop. Call once, when the worker
    /// stops, from outside the IO event loop.
    public func shutdown() async {
        guard let existing = network.withLock({ $0 }) else { return }
        await existing.http?.shutdown()
        existing.executor.stop()
        try? await existing.loop.shutdownGracefully()
    }
}
