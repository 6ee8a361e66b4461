import Prometheus
import Synchronization

/// The metrics of one job, shared between the coordinator's thread (which publishes a snapshot once per tick) and
/// the HTTP server's thread (which renders `/metrics`).
///
/// Everything a scrape shows comes from one `MetricsSnapshot` and the durations published with it, applied to the
/// Prometheus registry under one lock: a scrape never sees a task counted as finished and still running, and the
/// duration histogram's count always equals the recorded results.
///
/// Threads: any. `publish` holds the lock for as long as it takes to apply one tick's changes; it never waits for
/// the network (a slow scraper only delays its own render).
public final class JobMetrics: Sendable {
    private struct Registered: Sendable {
        let registry = PrometheusCollectorRegistry()
        var applied = MetricsSnapshot()
        /// Gauges of workers per host, created as hosts appear.
        var workerGauges: [String: Gauge] = [:]
        /// Counters of finished tasks per status.
        var finishedCounters: [String: Counter] = [:]
    }

    private let state: Mutex<Registered>
    private let jobTasks: Gauge
    private let running: Gauge
    private let pending: Gauge
    private let skipped: Gauge
    private let busyWorkers: Gauge
    private let retries: Counter
    private let workersLost: Counter
    private let rejectedFrames: Counter
    private let droppedResults: Counter
    private let durations: ValueHistogram
    private let up: Gauge

    /// Upper bounds of the task duration histogram, in seconds: from a millisecond to an hour.
    static let durationBuckets: [Double] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600]

    public init() {
        let registered = Registered()
        let registry = registered.registry
        jobTasks = registry.makeGauge(
            descriptor: Self.descriptor("job_tasks", unit: "",
                "Tasks in the job, including those skipped by --resume."))
        running = registry.makeGauge(
            descriptor: Self.descriptor("tasks_running", unit: "",
                "Tasks started on a worker and not yet recorded."))
        pending = registry.makeGauge(
            descriptor: Self.descriptor("tasks_pending", unit: "",
                "Tasks queued, waiting for a retry, or not read from the task file yet."))
        skipped = registry.makeGauge(
            descriptor: Self.descriptor("tasks_skipped", unit: "",
                "Tasks an earlier run recorded (--resume); never run."))
        busyWorkers = registry.makeGauge(
            descriptor: Self.descriptor("workers_busy", unit: "",
                "Workers running at least one task."))
        retries = registry.makeCounter(
            descriptor: Self.descriptor("task_retries", unit: "total",
                "Failed attempts that were retried."))
        workersLost = registry.makeCounter(
            descriptor: Self.descriptor("workers_lost", unit: "total",
                "Workers lost mid-job; their tasks were requeued."))
        rejectedFrames = registry.makeCounter(
            descriptor: Self.descriptor("frames_dropped", unit: "total",
                "Messages from workers that were dropped."), labels: [("reason", "undecodable")])
        droppedResults = registry.makeCounter(
            descriptor: Self.descriptor("frames_dropped", unit: "total",
                "Messages from workers that were dropped."), labels: [("reason", "late_or_duplicate")])
        durations = registry.makeValueHistogram(
            descriptor: Self.descriptor("task_duration", unit: "seconds",
                "Run time of recorded tasks, as their workers measured it."), buckets: Self.durationBuckets)
        up = registry.makeGauge(
            descriptor: Self.descriptor("job_running", unit: "",
                "1 while the job runs, 0 once it ended."))
        state = Mutex(registered)
    }

    /// Applies the counts of one tick and the durations (in microseconds) of the results recorded since the last.
    public func publish(_ snapshot: MetricsSnapshot, durationsMicroseconds: [UInt64]) {
        state.withLock { registered in
            for value in durationsMicroseconds { durations.record(Double(value) / 1e6) }
            let before = registered.applied
            jobTasks.set(Int64(snapshot.total))
            running.set(Int64(snapshot.running))
            pending.set(Int64(snapshot.pending))
            skipped.set(Int64(snapshot.skipped))
            busyWorkers.set(Int64(snapshot.busyWorkers))
            up.set(Int64(snapshot.ending == nil ? 1 : 0))
            Self.advance(retries, from: before.retries, to: snapshot.retries)
            Self.advance(workersLost, from: before.workersLost, to: snapshot.workersLost)
            Self.advance(rejectedFrames, from: before.rejectedFrames, to: snapshot.rejectedFrames)
            Self.advance(droppedResults, from: before.droppedResults, to: snapshot.droppedResults)
            for (status, count) in snapshot.finished {
                let counter: Counter
                if let known = registered.finishedCounters[status] {
                    counter = known
                } else {
                    counter = registered.registry.makeCounter(
                        descriptor: Self.descriptor("tasks_finished", unit: "total",
                            "Recorded task results by status."), labels: [("status", status)])
                    registered.finishedCounters[status] = counter
                }
                Self.advance(counter, from: before.finished[status] ?? 0, to: count)
            }
            for host in Set(snapshot.workersByHost.keys).union(registered.workerGauges.keys) {
                let gauge: Gauge
                if let known = registered.workerGauges[host] {
                    gauge = known
                } else {
                    gauge = registered.registry.makeGauge(
                        descriptor: Self.descriptor("workers", unit: "",
                            "Registered workers, by host."), labels: [("host", host)])
                    registered.workerGauges[host] = gauge
                }
                gauge.set(Int64(snapshot.workersByHost[host] ?? 0))
            }
            registered.applied = snapshot
        }
    }

    /// The last snapshot published.
    public var snapshot: MetricsSnapshot { state.withLock { $0.applied } }

    /// Every metric in the Prometheus text format (version 0.0.4).
    public func render() -> [UInt8] {
        state.withLock { $0.registry.emitToBuffer() }
    }

    /// A metric name under the `jobrun` namespace.
    private static func descriptor(_ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "jobrun", metricName: name, unitName: unit, helpText: help)
    }

    private static func advance(_ counter: Counter, from old: Int, to new: Int) {
        if new > old { counter.increment(by: Int64(new - old)) }
    }
}
