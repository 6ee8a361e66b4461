/// A point in time on the coordinator's monotonic clock, in nanoseconds. The scheduler never reads a clock:
/// its driver passes `now` with every event, so tests can drive it with a manual clock.
public struct Instant: Sendable, Hashable, Comparable {
    public var nanoseconds: UInt64
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }
    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    /// This instant moved forward by `milliseconds`.
    /// Saturates at the end of time rather than overflowing, whatever a setting asks for.
    public func advanced(byMilliseconds milliseconds: Int) -> Instant {
        let (delta, overflow) = UInt64(max(milliseconds, 0)).multipliedReportingOverflow(by: 1_000_000)
        let (sum, carry) = nanoseconds.addingReportingOverflow(delta)
        return Instant(nanoseconds: overflow || carry ? .max : sum)
    }
}

/// What a worker reported about one finished task, as far as scheduling cares.
public struct FinishedTask: Sendable, Equatable {
    public var sequence: UInt64
    public var attempt: UInt32
    public var durationMicroseconds: UInt64
    /// Whether the task succeeded.
    public var succeeded: Bool
    /// Whether a failure may be retried (a command that cannot start, for example, may not).
    public var retryable: Bool
    public init(sequence: UInt64, attempt: UInt32, durationMicroseconds: UInt64, succeeded: Bool = true, retryable: Bool = true) {
        self.sequence = sequence
        self.attempt = attempt
        self.durationMicroseconds = durationMicroseconds
        self.succeeded = succeeded
        self.retryable = retryable
    }
}

/// A task read from the task file: its sequence number, how many times a failure of it may be retried (`nil`: the
/// job's default), whether it mostly waits on IO (then it counts against a worker's IO concurrency, not its CPU
/// slots), the tasks it waits for, its priority, what it needs of a worker, and what an earlier run recorded for it.
public struct LoadedTask: Sendable, Equatable {
    public var sequence: UInt64
    public var retries: Int?
    public var isIO: Bool
    /// Sequences of the tasks that must end ok before this one starts.
    public var after: [UInt64]
    /// Higher runs first.
    public var priority: Int
    public var demand: TaskDemand
    /// With `--resume`, what the results file holds for this task when its definition is unchanged.
    public var earlier: EarlierOutcome?
    public init(
        sequence: UInt64, retries: Int? = nil, isIO: Bool = false, after: [UInt64] = [], priority: Int = 0,
        demand: TaskDemand = .plain, earlier: EarlierOutcome? = nil
    ) {
        self.sequence = sequence
        self.retries = retries
        self.isIO = isIO
        self.after = after
        self.priority = priority
        self.demand = demand
        self.earlier = earlier
    }
}

/// Something that happened, fed to `SchedulerState.handle(_:now:)`.
public enum SchedulerEvent: Sendable, Equatable {
    /// Tasks read from the task file; `inputEnded` when the file has no more.
    case tasksLoaded([LoadedTask], inputEnded: Bool)
    /// Tasks began running on a worker (only those of the attempt named count).
    case tasksStarted(workerID: UInt32, [DispatchedTask])
    /// A worker connected its sockets and can take `slots` tasks at once, and `ioConcurrency` IO-bound tasks at
    /// once. `replaceable`: a local worker this coordinator started, replaced when it is lost. `capacity` says
    /// which host it runs on, its labels, and what that host has.
    case workerJoined(
        workerID: UInt32, slots: Int, ioConcurrency: Int = 256, replaceable: Bool = false, capacity: WorkerCapacity = .init())
    /// The driver started `count` local worker processes that have not joined yet.
    case localWorkersStarting(count: Int)
    /// A local worker process could not be started, or ended before it joined; `cause` says how.
    case localWorkerFailedToStart(cause: String)
    /// Whether workers may still arrive from other machines (`--listen`); while they may, the job waits for them.
    /// The first one also says that every source of workers is known: from then on, a job left without workers
    /// and without any way to get one ends (`.noWorkers`).
    case remoteWorkersExpected(Bool)
    /// A host's free memory was measured (for `--memfree`).
    case hostMemory(host: String, freeBytes: UInt64)
    /// Any message from a worker proves it alive; heartbeats carry nothing else.
    case heartbeat(workerID: UInt32)
    /// A batch of results arrived from a worker.
    case resultsArrived(workerID: UInt32, [FinishedTask])
    /// A worker gave back tasks it never started (after `reclaim` or `drain`).
    case tasksReturned(workerID: UInt32, [UInt64])
    /// A worker process is known to be gone (it exited, or could not be spawned); `cause` says how.
    case workerExited(workerID: UInt32, cause: String = "exited")
    /// A worker must take no more tasks (its host is about to go, such as a Slurm job near its time limit): it
    /// finishes what it runs and gives back what it has not started.
    case retire(workerID: UInt32)
    /// Time passed: check heartbeats and timers.
    case tick
    /// The user asked to stop (Ctrl-C or SIGTERM). The first time, running tasks may finish within the grace;
    /// the second time they are cancelled at once.
    case interrupt
}

/// What the driver must do, returned by `SchedulerState.handle(_:now:)` in order.
public enum SchedulerAction: Sendable, Equatable {
    /// Read up to `count` more tasks from the task file and report them with `.tasksLoaded`.
    case loadTasks(count: Int)
    /// Send these tasks (sequence, attempt) to the worker, in one message.
    case dispatch(workerID: UInt32, [DispatchedTask])
    /// Record these results of the batch just reported (indices into it); the rest were duplicates or stale.
    case record(workerID: UInt32, indices: [Int])
    /// Count results that were dropped (late duplicates, or for tasks this worker does not hold).
    case dropStaleResults(workerID: UInt32, count: Int)
    /// The failed result at `index` of the batch just reported is not recorded: the task runs again after
    /// `delayMilliseconds` (retry number `retry` of the task's allowance).
    case retry(workerID: UInt32, index: Int, retry: Int, delayMilliseconds: Int)
    /// Record this task as failed because workers died while running it `deaths` times (the poison limit).
    case recordPoison(sequence: UInt64, attempts: UInt32, deaths: Int, workerID: UInt32)
    /// Ask the worker to give back up to `count` tasks it has not started, for idle workers to take.
    case reclaim(workerID: UInt32, count: Int)
    /// Send a heartbeat to every worker.
    case sendHeartbeats
    /// Tell the worker to stop starting tasks; `cancelRunning` terminates the running ones too.
    case drain(workerID: UInt32, cancelRunning: Bool)
    /// The worker is presumed gone (silent too long, or exited): forget it and close its sockets.
    /// `requeued` of its tasks went back to the queue (`recordPoison` actions precede this for the others).
    case workerLost(workerID: UInt32, requeued: Int, reason: LossReason)
    /// Start one local worker process (a replacement for a lost one); report `.localWorkersStarting` is not
    /// needed, the scheduler counts it as starting, but a failure to start is reported with `.localWorkerFailedToStart`.
    case spawnWorker
    /// A lost worker is replaced only after `delayMilliseconds`: `fruitlessInARow` workers in a row died before
    /// finishing any task.
    case workerReplacementDelayed(delayMilliseconds: Int, fruitlessInARow: Int)
    /// Lost workers are not replaced any more, or none ever came: the reason, for the user.
    case stopReplacingWorkers(reason: String)
    /// Record this task as `skipped`: `dependency`, which it waits for, ended other than ok (or never ran).
    case skip(sequence: UInt64, dependency: UInt64)
    /// This task keeps the result an earlier run recorded for it (`--resume`); nothing is written.
    case keepEarlier(sequence: UInt64, ok: Bool)
    /// Record this task as failed with failure `unschedulable`: no worker could ever run it.
    case recordUnschedulable(sequence: UInt64, reason: String)
    /// Send `.tick` at this time, even if nothing else happens (a pool's rate allows another start then).
    case wakeUp(at: Instant)
    /// The job is over.
    case finish(JobEnding)
}

/// A task as sent: its sequence number, which attempt this is, and the host's GPUs it may use (by number).
public struct DispatchedTask: Sendable, Equatable {
    public var sequence: UInt64
    public var attempt: UInt32
    public var gpus: [Int]
    public init(sequence: UInt64, attempt: UInt32, gpus: [Int] = []) {
        self.sequence = sequence
        self.attempt = attempt
        self.gpus = gpus
    }
}

/// Why a worker was given up on.
public enum LossReason: Sendable, Equatable {
    /// It stopped sending heartbeats.
    case silent
    /// Its process exited.
    case exited
    /// The coordinator stopped it on purpose (for example, a task overran its timeout): its tasks are not blamed.
    case stopped
}

/// How a job ended.
public enum JobEnding: Sendable, Equatable {
    /// Every task has a recorded result.
    case completed
    /// The user interrupted; `unfinished` tasks have no result.
    case interrupted(unfinished: Int)
    /// No worker is left to run the remaining tasks.
    case noWorkers(unfinished: Int)
}
