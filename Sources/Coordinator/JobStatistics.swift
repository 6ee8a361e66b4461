/// Running totals of a job, for the progress line and the summary.
struct JobStatistics {
    let totalTasks: Int
    let startedAt: UInt64
    var succeeded = 0
    var failed = 0
    var droppedResults = 0
    var rejectedFrames = 0
    /// Tasks recorded per worker id.
    var recordedByWorker: [UInt32: Int] = [:]
    var workersLost = 0
    var workersReplaced = 0
    /// Failed attempts that were retried.
    var retries = 0
    /// Tasks that went back to the queue because their worker was lost.
    var requeued = 0
    /// Tasks recorded as failed because workers kept dying while running them.
    var poisoned = 0
    /// Results by status other than ok and failed.
    var timedOut = 0
    var cancelled = 0
    /// Tasks skipped because an earlier run recorded them (`--resume`).
    var skipped = 0
    /// Tasks recorded `skipped` because a task they wait for ended other than ok (counted in `failed`).
    var dependencySkipped = 0
    /// Tasks recorded failed because no worker could run them (counted in `failed`).
    var unschedulable = 0

    init(totalTasks: Int, startedAt: UInt64) {
        self.totalTasks = totalTasks
        self.startedAt = startedAt
    }

    var recorded: Int { succeeded + failed }

    func elapsedSeconds(now: UInt64) -> Double { Double(now - startedAt) / 1e9 }

    /// Tasks recorded per second since the start.
    func rate(now: UInt64) -> Double {
        let elapsed = elapsedSeconds(now: now)
        return elapsed > 0 ? Double(recorded) / elapsed : 0
    }

    /// Seconds until every task is recorded at the rate so far, once there is a rate.
    func estimatedSecondsLeft(now: UInt64) -> Double? {
        let rate = rate(now: now)
        guard rate > 0, recorded > 0 else { return nil }
        return Double(totalTasks - recorded - skipped) / rate
    }
}
