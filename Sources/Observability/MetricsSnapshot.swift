/// The job's counts at one coordinator tick, as `/metrics` shows them.
///
/// Taken as a whole on the coordinator's thread, so the counts always add up:
/// `total == finished (every status) + skipped + running + pending`. A value type; safe from any thread.
public struct MetricsSnapshot: Sendable, Equatable {
    /// Tasks in the job, including those an earlier run recorded (`--resume`).
    public var total = 0
    /// Recorded results by status (`ok`, `failed`, `timeout`, `cancelled`).
    public var finished: [String: Int] = [:]
    /// Tasks an earlier run recorded; they never run.
    public var skipped = 0
    /// Tasks started on a worker and not yet recorded.
    public var running = 0
    /// Registered workers by host.
    public var workersByHost: [String: Int] = [:]
    /// Workers running at least one task.
    public var busyWorkers = 0
    /// Failed attempts that were retried.
    public var retries = 0
    /// Workers lost mid-job.
    public var workersLost = 0
    /// Messages from workers that could not be decoded.
    public var rejectedFrames = 0
    /// Late or duplicate results that were not recorded.
    public var droppedResults = 0
    /// Whether the job is over (`completed`, `interrupted`, ...), `nil` while it runs.
    public var ending: String?

    public init() {}

    /// Recorded results of every status.
    public var finishedCount: Int { finished.values.reduce(0, +) }

    /// Tasks neither recorded, skipped nor running: queued, waiting for a retry, or not read yet.
    public var pending: Int { max(total - finishedCount - skipped - running, 0) }
}
