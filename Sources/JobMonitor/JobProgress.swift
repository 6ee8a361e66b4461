import JSONValue
/// Derived figures of a job's state at a moment: elapsed time, rate and the estimated time left.
///
/// The estimate is weighted by observed task durations rather than counts alone: the work left is the unstarted
/// tasks times the mean duration of finished ones, plus what each running task has left of that mean; it is
/// divided by the parallelism the job actually achieved so far (busy time per wall time, at most workers × slots).
/// Near the end of a job of long tasks this knows how far the running ones are; with uniform tasks it agrees with
/// the count rate.
public struct JobProgress: Sendable {
    /// Seconds since the job started (up to its end, once it ended).
    public let elapsedSeconds: Double
    /// Results recorded per second since the start.
    public let rate: Double
    /// Seconds until every task has a result, once there is a basis for an estimate.
    public let estimatedSecondsLeft: Double?

    /// The figures for `state` at `nowMicroseconds`.
    public init(_ state: JobState, nowMicroseconds: Int64) {
        var elapsed = Double(state.totals.elapsedMicroseconds) / 1e6
        if state.ending == nil, state.totalsMicroseconds > 0 {
            elapsed += Double(max(nowMicroseconds - state.totalsMicroseconds, 0)) / 1e6
        }
        elapsedSeconds = elapsed
        let recorded = state.totals.recorded
        rate = elapsed > 0 ? Double(recorded) / elapsed : 0
        estimatedSecondsLeft = Self.estimate(state, elapsed: elapsed, nowMicroseconds: nowMicroseconds)
    }

    private static func estimate(_ state: JobState, elapsed: Double, nowMicroseconds: Int64) -> Double? {
        let remaining = state.totals.total - state.totals.recorded
        if state.ending != nil || remaining <= 0 { return state.ending == nil ? 0 : nil }
        guard state.durationCount > 0, elapsed > 0 else { return nil }
        let mean = Double(state.durationSumMicroseconds) / Double(state.durationCount) / 1e6
        var runningLeft = 0.0
        for task in state.running.values {
            let age = Double(max(nowMicroseconds - task.startedMicroseconds, 0)) / 1e6
            runningLeft += max(mean - age, 0)
        }
        let unstarted = max(remaining - state.running.count, 0)
        let work = Double(unstarted) * mean + runningLeft
        let active = max(state.workers.filter { $0.lostReason == nil }.count, state.totals.workers, 1)
        let capacity = Double(active * max(state.info?.slots ?? 1, 1))
        let busy = Double(state.durationSumMicroseconds) / 1e6
        guard busy > 0 else {
            // Durations too short to measure: fall back to the count rate.
            return Double(remaining) * elapsed / Double(max(state.totals.recorded, 1))
        }
        return work / min(busy / elapsed, capacity)
    }
}
