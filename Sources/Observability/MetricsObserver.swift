public import Coordinator
public import TaskFile
public import ZeroMQ

/// The coordinator's observer that keeps `/metrics` current: it counts what the coordinator reports and publishes
/// one consistent `MetricsSnapshot` to `JobMetrics` per tick.
///
/// Threads: called on the coordinator's thread only (as every `JobObserver`). Each call does a few dictionary
/// updates; the lock of `JobMetrics` is taken once per tick, never per task, so observing costs the loop little and
/// never waits for the HTTP side.
public final class MetricsObserver: JobObserver {
    /// Where the counts go.
    public let metrics: JobMetrics
    private var snapshot = MetricsSnapshot()
    /// Running tasks by key, with their worker (a lost worker's tasks stop running).
    private var running: [String: String] = [:]
    /// Hosts of registered workers, by worker name.
    private var hostOfWorker: [String: String] = [:]
    /// Durations of the results recorded since the last publish.
    private var durations: [UInt64] = []
    /// Longest host label kept; longer names are cut (a label is for reading, not for storing names).
    static let maxHostLabel = 128

    public init(metrics: JobMetrics) {
        self.metrics = metrics
    }

    public func jobStarted(_ job: JobDescription) {
        snapshot.total = job.totalTasks
        publish()
    }

    public func workerJoined(name: String, host: String) {
        let label = String(host.prefix(Self.maxHostLabel))
        if let previous = hostOfWorker.updateValue(label, forKey: name) { decrement(previous) }
        snapshot.workersByHost[label, default: 0] += 1
    }

    public func workerLost(name: String, reason: String, requeued: Int) {
        if let host = hostOfWorker.removeValue(forKey: name) { decrement(host) }
        if !running.isEmpty { running = running.filter { $0.value != name } }
    }

    public func tasksStarted(_ ids: [TaskID], worker: String) {
        for id in ids { running[id.key] = worker }
    }

    public func taskProgress(_ id: TaskID, worker: String, permille: Int?, message: String) {}

    public func taskOutput(_ id: TaskID, stream: String, line: String, cut: Bool) {}

    public func taskFinished(_ outcome: RecordedOutcome) {
        if !running.isEmpty { running.removeValue(forKey: outcome.id.key) }
        snapshot.finished[outcome.status, default: 0] += 1
        durations.append(outcome.durationMicroseconds)
    }

    public func totalsChanged(_ totals: JobTotals) {
        take(totals)
        publish()
    }

    public func jobEnded(_ totals: JobTotals, ending: String) {
        take(totals)
        running.removeAll()
        snapshot.ending = ending
        publish()
    }

    public var pollItems: [PollItem] { [] }

    public func handlePolled(_ items: ArraySlice<PollItem>) -> [ObserverRequest] { [] }

    private func take(_ totals: JobTotals) {
        snapshot.total = totals.total
        snapshot.skipped = totals.skipped
        snapshot.busyWorkers = totals.busyWorkers
        snapshot.retries = totals.retries
        snapshot.workersLost = totals.workersLost
        snapshot.rejectedFrames = totals.rejectedFrames
        snapshot.droppedResults = totals.droppedResults
    }

    private func publish() {
        snapshot.running = running.count
        metrics.publish(snapshot, durationsMicroseconds: durations)
        durations.removeAll(keepingCapacity: true)
    }

    private func decrement(_ host: String) {
        let count = (snapshot.workersByHost[host] ?? 1) - 1
        snapshot.workersByHost[host] = count
    }
}
