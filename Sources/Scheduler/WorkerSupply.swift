/// Where a job's workers come from, as far as deciding that none can come any more: local processes still
/// starting, replacements waiting out their backoff, and remote workers that may still join.
struct WorkerSupply: Sendable {
    var supervisor: WorkerSupervisor
    /// Local worker processes started that have not joined (nor died) yet.
    var startingLocal = 0
    /// Whether the driver has said where workers come from (its first `.remoteWorkersExpected`, sent after it started
    /// its local workers); until then the job never ends for want of workers.
    var declared = false
    /// Workers may still arrive from other machines.
    var remoteExpected = false
    /// When the first local workers were started (for the start-up timeout), until one joins.
    var waitingSince: Instant?
    /// Whether any local worker ever joined.
    var anyLocalJoined = false

    init(policy: WorkerSupervisor.Policy) { supervisor = WorkerSupervisor(policy: policy) }

    mutating func starting(_ count: Int, now: Instant) {
        startingLocal += max(count, 0)
        if !anyLocalJoined, waitingSince == nil, count > 0 { waitingSince = now }
    }

    mutating func joined(local: Bool) {
        guard local else { return }
        startingLocal = max(startingLocal - 1, 0)
        anyLocalJoined = true
        waitingSince = nil
    }

    mutating func failedToStart() { startingLocal = max(startingLocal - 1, 0) }

    /// No worker is starting, none will be started, and none may join from elsewhere.
    var cannotProvide: Bool {
        declared && startingLocal == 0 && supervisor.pendingCount == 0 && !remoteExpected
    }

    /// A local worker is gone (or never came): asks the supervisor whether and when to start another.
    mutating func replace(productive: Bool, cause: String, now: Instant) -> [SchedulerAction] {
        apply(supervisor.handle(.workerLost(productive: productive, cause: cause), now: now))
    }

    /// On every tick while the job runs: starts replacements whose delay is over, and gives up when local workers
    /// were started but none joined (`connected` is false) within `startTimeoutMilliseconds`.
    mutating func tick(now: Instant, startTimeoutMilliseconds timeout: Int, connected: Bool) -> [SchedulerAction] {
        var actions = apply(supervisor.handle(.tick, now: now))
        if let since = waitingSince, !connected, !remoteExpected, now > since.advanced(byMilliseconds: timeout) {
            waitingSince = nil
            startingLocal = 0
            supervisor.cancelScheduled()
            actions.append(.stopReplacingWorkers(reason: "no worker registered within \(timeout) ms"))
        }
        return actions
    }

    /// The job no longer runs: no replacement is started any more.
    mutating func stop() { supervisor.cancelScheduled() }

    private mutating func apply(_ decisions: [WorkerSupervisor.Action]) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for decision in decisions {
            switch decision {
            case .spawn:
                startingLocal += 1
                actions.append(.spawnWorker)
            case .spawnScheduled(_, let delay, let count):
                actions.append(.workerReplacementDelayed(delayMilliseconds: delay, fruitlessInARow: count))
            case .giveUp(let reason):
                actions.append(.stopReplacingWorkers(reason: reason))
            }
        }
        return actions
    }
}
