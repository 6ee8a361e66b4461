/// The coordinator's scheduling decisions, as a pure state machine: no IO, no clock, no randomness.
///
/// The driver (the coordinator service) feeds it events with the current time and carries out the actions it
/// returns, in order. Tasks are known by sequence number only; the driver keeps their specs and results.
///
/// Guarantees: a task is held by at most one worker at a time; every loaded task ends recorded exactly once
/// (late or duplicate results are dropped); a worker presumed lost gives its tasks back to the queue; a worker
/// never holds more than its slots plus a prefetch that follows the measured task duration.
///
/// It is the single entry point (`handle`) and routes each event through the value types it owns, each with one
/// responsibility: `TaskTable` (tasks and their attempts), `DependencyTracker` (`after`, skips, `--resume` endings),
/// `Placement` with its `ResourceLedger` (ready queues, dispatch, slots, resources, pools, `--memfree`),
/// `WorkerTable` (workers, heartbeats, stop messages), `RetrySchedule`, `PrefetchSizer`, `WorkerSupply` and
/// `JobPhase` (the interrupt protocol).
public struct SchedulerState: Sendable {
    public let configuration: Configuration
    /// Tasks in the job: as counted by the check before the run, or, for a stream (`totalTasks: nil` at init),
    /// the tasks loaded so far.
    public internal(set) var totalTasks: Int
    /// Whether the total grows as tasks are loaded (the input is a stream).
    let countsLoadedTasks: Bool

    /// The ready queues, and which task goes to which worker.
    var placement: Placement
    /// Which tasks wait for which, and how ended tasks ended.
    var dependencies: DependencyTracker
    /// Tasks that kept an earlier run's result (`--resume`).
    public internal(set) var keptCount = 0
    /// Every loaded task that has no recorded result yet.
    var tasks = TaskTable()
    /// Failed tasks waiting out their retry delay.
    var retries: RetrySchedule
    /// The registered workers, their liveness and the stop messages sent to them.
    var workers: WorkerTable
    /// Running, or how far an interrupt has gone.
    var phase: JobPhase
    /// A `loadTasks` is on its way; no other is asked for until its tasks arrive.
    var loadPending = false
    /// The input has no more tasks.
    var inputEnded = false
    /// Where workers come from, and whether the job can still get any.
    var supply: WorkerSupply
    /// Tasks with a recorded result.
    public internal(set) var recordedCount = 0
    /// How many tasks each worker may hold, from the measured task duration.
    var prefetch: PrefetchSizer

    /// A scheduler for `totalTasks` tasks, or for a stream of tasks not counted ahead when `nil`.
    public init(configuration: Configuration, totalTasks: Int?) {
        self.configuration = configuration
        self.totalTasks = totalTasks ?? 0
        countsLoadedTasks = totalTasks == nil
        prefetch = PrefetchSizer(
            targetMicroseconds: configuration.prefetchTargetMicroseconds, initial: configuration.initialPrefetch,
            maximum: configuration.maxBatch)
        dependencies = DependencyTracker(isTracking: configuration.tracksDependencies)
        retries = RetrySchedule(
            baseMilliseconds: configuration.retryBackoffMilliseconds,
            maximumMilliseconds: configuration.retryBackoffMaxMilliseconds)
        phase = JobPhase(
            interruptGraceMilliseconds: configuration.interruptGraceMilliseconds,
            cancelGraceMilliseconds: configuration.killGraceMilliseconds + configuration.heartbeatMilliseconds)
        workers = WorkerTable(
            heartbeatMilliseconds: configuration.heartbeatMilliseconds, heartbeatMisses: configuration.heartbeatMisses)
        self.supply = WorkerSupply(policy: configuration.workerSupervision)
        placement = Placement(
            ledger: ResourceLedger(pools: configuration.pools, memfreeBytes: configuration.memfreeBytes),
            maxBatch: configuration.maxBatch, unschedulableGraceMilliseconds: configuration.unschedulableGraceMilliseconds)
    }

    /// Failed tasks waiting to be retried.
    public var delayedCount: Int { retries.count }
    /// Registered workers.
    public var workerCount: Int { workers.count }
    /// Workers holding at least one task.
    public var busyWorkerCount: Int { workers.busyCount }
    /// Tasks held by one worker.
    public func heldCount(workerID: UInt32) -> Int { workers[workerID]?.held ?? 0 }

    /// Exponentially weighted mean of reported task durations, once any is known.
    public var meanDurationMicroseconds: Double? { prefetch.meanDurationMicroseconds }

    /// How many tasks a worker may hold: its slots plus a prefetch sized so that it holds about
    /// `prefetchTargetMicroseconds` of queued work (none for tasks longer than that).
    public func holdLimit(slots: Int) -> Int { prefetch.holdLimit(slots: slots) }

    /// Applies one event and returns what the driver must do, in order.
    public mutating func handle(_ event: SchedulerEvent, now: Instant) -> [SchedulerAction] {
        guard !phase.isFinished else { return [] }
        supply.supervisor.noteTime(now)
        var actions: [SchedulerAction] = []
        switch event {
        case .tasksLoaded(let loaded, let ended):
            loadPending = false
            load(loaded, now: now, into: &actions)
            if ended, !inputEnded {
                inputEnded = true
                skipDependentsOfUnloaded(into: &actions)
            }
        case .tasksStarted(let workerID, let started):
            workers.heard(from: workerID, now: now)
            tasks.markStarted(started, by: workerID)
        case .workerJoined(let workerID, let slots, let ioConcurrency, let replaceable, let capacity):
            if workers.join(
                workerID, slots: slots, ioConcurrency: ioConcurrency, replaceable: replaceable, capacity: capacity, now: now)
            {
                placement.ledger.hostJoined(capacity)
                supply.joined(local: replaceable)
                if !phase.isRunning { actions.append(.drain(workerID: workerID, cancelRunning: false)) }
            }
        case .localWorkersStarting(let count):
            supply.starting(count, now: now)
        case .localWorkerFailedToStart(let cause):
            supply.failedToStart()
            replace(productive: false, cause: cause, now: now, into: &actions)
        case .remoteWorkersExpected(let expected):
            supply.declared = true
            supply.remoteExpected = expected
        case .hostMemory(let host, let freeBytes):
            placement.ledger.noteFreeMemory(host: host, freeBytes: freeBytes)
        case .heartbeat(let workerID):
            workers.heard(from: workerID, now: now)
        case .resultsArrived(let workerID, let finished):
            workers.heard(from: workerID, now: now)
            if !finished.isEmpty {
                workers[workerID]?.finishedAny = true
                _ = supply.supervisor.handle(.taskFinished, now: now)
            }
            acceptResults(finished, from: workerID, now: now, into: &actions)
        case .tasksReturned(let workerID, let sequences):
            workers.heard(from: workerID, now: now)
            workers[workerID]?.reclaimPending = false
            for sequence in sequences {
                guard tasks.takeBack(sequence, from: workerID) else { continue }
                release(sequence, from: workerID)
                if phase.isRunning { requeue([sequence]) }
            }
        case .workerExited(let workerID, let cause):
            loseWorker(workerID, reason: .exited, cause: cause, now: now, into: &actions)
        case .retire(let workerID):
            if let drain = workers.retire(workerID) { actions.append(drain) }
        case .tick:
            superviseWorkers(now: now, into: &actions)
            releaseDelayed(now: now)
            releasePools(now: now)
            checkHeartbeats(now: now, into: &actions)
            checkInterruptGrace(now: now, into: &actions)
        case .interrupt:
            interrupt(now: now, into: &actions)
        }
        dispatch(now: now, into: &actions)
        rebalance(into: &actions)
        requestTasksIfNeeded(into: &actions)
        recordUnplaceableIfStuck(now: now, into: &actions)
        finishIfDone(into: &actions)
        requestWakeUp(now: now, into: &actions)
        return actions
    }
}
