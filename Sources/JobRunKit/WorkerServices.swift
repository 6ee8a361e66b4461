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
    /// Created on first use: most jobs never make a request, and a worker should start and stop fast.
    private let client = Mutex<HTTPFetcher?>(nil)
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

    /// The shared HTTP client, created on first use.
    var http: HTTPFetcher {
        client.withLock { client in
            if let existing = client { return existing }
            let created = HTTPFetcher(connectionsPerHost: connectionsPerHost)
            client = created
            return created
        }
    }

    /// Whether the HTTP client was ever created (and so needs `shutdown`).
    public var hasHTTPClient: Bool { client.withLock { $0 != nil } }

    /// Closes the HTTP client's connections, if it was used. Call once, when the worker stops.
    public func shutdown() async {
        guard let existing = client.withLock({ $0 }) else { return }
        await existing.shutdown()
    }
}
