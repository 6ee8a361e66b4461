/// Running totals of a job, for the progress line and the summary.
struct JobStatistics {
    /// Tasks in the job: known from the start for a checked task file; for a stream, those read so far.
    var totalTasks: Int
    /// Whether `totalTasks` is final (a stream's is not until it ends).
    var totalIsKnown = true
    let startedAt: UInt64
    var succeeded = 0
    var failed = 0
    var droppedResults = 0
    var rejectedFrames = 0
    /// Worker registrations refused or dropped (too many waiting, not ready in time, out of descriptors).
    var refusedRegistrations = 0
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
    /// The first few failed tasks, for the summary.
    var failureSamples: [FailureSample] = []
    /// Tasks whose stdout or stderr was cut at `output_cap_bytes`.
    var outputsCut = 0
    /// Tasks skipped because an earlier run recorded them (`--resume`).
    var skipped = 0
    /// Of `skipped`, those recorded as ok (the others were recorded failed or timed out).
    var skippedSucceeded = 0
    /// Of `skipped`, those recorded as failed or timed out (not run again without `--rerun-failed`).
    var skippedFailures: Int { skipped - skippedSucceeded }
    /// Tasks recorded `skipped` because a task they wait for ended other than ok (counted in `failed`).
    var dependencySkipped = 0
    /// Tasks recorded failed because no worker could run them (counted in `failed`).
    var unschedulable = 0

    init(totalTasks: Int, startedAt: UInt64) {
        self.totalTasks = totalTasks
        self.startedAt = startedAt
    }

    var recorded: Int { succeeded + failed }

    /// Recorded tasks by status, those an earlier run recorded (`--resume`) included: `failed` counts what is
    /// neither timed out, cancelled nor skipped, and earlier results that were not ok count as failed.
    var statuses: StatusCounts {
        StatusCounts(
            ok: succeeded + skippedSucceeded, failed: failed - timedOut - cancelled - dependencySkipped + skippedFailures,
            timeout: timedOut, cancelled: cancelled, skipped: dependencySkipped)
    }

    func elapsedSeconds(now: UInt64) -> Double { Double(now - startedAt) / 1e9 }

    /// Tasks recorded per second since the start.
    func rate(now: UInt64) -> Double {
        let elapsed = elapsedSeconds(now: now)
        return elapsed > 0 ? Double(recorded) / elapsed : 0
    }

    /// Seconds until every task is recorded at the rate so far, once there is a rate.
    func estimatedSecondsLeft(now: UInt64) -> Double? {
        let rate = rate(now: now)
        guard rate > 0, recorded > 0, totalIsKnown else { return nil }
        return Double(totalTasks - recorded - skipped) / rate
    }
}
