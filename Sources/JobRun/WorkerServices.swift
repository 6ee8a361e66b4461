/// What a worker lends its running tasks: CPU slots, the shared HTTP client, the IO limit, and a way to report
/// progress. One per worker process; `TaskContext` exposes it to handlers.
public final class WorkerServices: Sendable {
    /// The CPU slots.
    public let cpu: CPUPool
    /// Bounds IO subtasks started by `gather` across the whole worker.
    public let ioLimiter: AsyncLimiter
    /// The IO concurrency the limiter allows.
    public let ioConcurrency: Int
    let http: HTTPFetcher
    let progress: @Sendable (_ sequence: UInt64, _ fraction: Double?, _ message: String?) -> Void

    /// Creates the services of a worker with `cpuSlots` CPU slots and `ioConcurrency` IO subtasks at once.
    public init(
        cpuSlots: Int = 1, ioConcurrency: Int = 256, httpConnectionsPerHost: Int = 64,
        progress: @escaping @Sendable (UInt64, Double?, String?) -> Void = { _, _, _ in }
    ) {
        cpu = CPUPool(slots: cpuSlots)
        self.ioConcurrency = max(ioConcurrency, 1)
        ioLimiter = AsyncLimiter(limit: self.ioConcurrency)
        http = HTTPFetcher(connectionsPerHost: httpConnectionsPerHost)
        self.progress = progress
    }

    /// Closes the HTTP client's connections. Call once, when the worker stops.
    public func shutdown() async {
        await http.shutdown()
    }
}
