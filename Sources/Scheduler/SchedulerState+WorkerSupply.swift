extension SchedulerState {
    /// A local worker is gone (or never came): asks the worker supply whether and when to start another, while the
    /// job still runs and has work.
    mutating func replace(productive: Bool, cause: String, now: Instant, into actions: inout [SchedulerAction]) {
        guard phase.isRunning, !(inputEnded && tasks.isEmpty) else { return }
        actions += supply.replace(productive: productive, cause: cause, now: now)
    }

    /// On every tick: starts replacements whose delay is over, and gives up when local workers were started but
    /// none joined within the start-up timeout.
    mutating func superviseWorkers(now: Instant, into actions: inout [SchedulerAction]) {
        guard phase.isRunning else {
            supply.stop()
            return
        }
        actions += supply.tick(
            now: now, startTimeoutMilliseconds: configuration.workerStartTimeoutMilliseconds, connected: !workers.isEmpty)
    }
}
