public import TaskFile
public import ZeroMQ

/// Watches a job from inside its coordinator: the hook for event logs, live views and remote control.
///
/// Threads: every call comes from the coordinator's thread, which also owns any socket in `pollItems`, so an
/// observer needs no locking. Calls must return quickly; the coordinator's loop waits for them.
public protocol JobObserver: AnyObject {
    /// The job passed its checks and is about to start workers.
    func jobStarted(_ job: JobDescription)
    /// A worker registered and can take tasks.
    func workerJoined(name: String, host: String)
    /// A worker is gone; `requeued` of its tasks went back to the queue.
    func workerLost(name: String, reason: String, requeued: Int)
    /// Tasks began running on a worker.
    func tasksStarted(_ ids: [TaskID], worker: String)
    /// A running task reported progress (`permille` from 0 to 1000 when it gave a fraction).
    func taskProgress(_ id: TaskID, worker: String, permille: Int?, message: String)
    /// A running task wrote a line (`stream` is `stdout` or `stderr`), when the job streams output. `cut`: the line
    /// was longer than the line limit, and its rest follows in the next line(s) of the same stream.
    func taskOutput(_ id: TaskID, stream: String, line: String, cut: Bool)
    /// A task's result was recorded.
    func taskFinished(_ outcome: RecordedOutcome)
    /// Periodic totals (every tick of the coordinator's loop, about 20 times a second).
    func totalsChanged(_ totals: JobTotals)
    /// The job is over; no further calls follow.
    func jobEnded(_ totals: JobTotals, ending: String)
    /// Sockets or descriptors the coordinator should poll for this observer.
    var pollItems: [PollItem] { get }
    /// Handles readiness of `pollItems` (same order, with returned events set) and says what the user asked for.
    func handlePolled(_ items: ArraySlice<PollItem>) -> [ObserverRequest]
}

/// What a user asked the coordinator to do from outside (for example `jobrun cancel`).
public enum ObserverRequest: Sendable, Equatable {
    /// The same as Ctrl-C: the first stops dispatching and lets running tasks finish, the second stops them.
    case interrupt
}

/// A job as it starts.
public struct JobDescription: Sendable {
    public var taskFilePath: String
    public var outputPath: String
    public var totalTasks: Int
    public var workerCount: Int
    public var coordinatorPID: Int32
}

/// One recorded result, as observers see it.
public struct RecordedOutcome: Sendable {
    public var id: TaskID
    /// `ok`, `failed`, `timeout` or `cancelled`.
    public var status: String
    public var worker: String
    public var attempts: Int
    public var startedAtMicroseconds: Int64
    public var durationMicroseconds: UInt64
    /// The error sentence when the task did not succeed.
    public var error: String?
    /// The last line of its standard error when it did not succeed (one line, bounded; see `FailureSample`).
    public var stderrTail: String? = nil
}

/// Counts so far.
public struct JobTotals: Sendable, Equatable {
    public var total: Int
    public var succeeded: Int
    public var failed: Int
    public var workers: Int
    public var busyWorkers: Int
    public var elapsedSeconds: Double
    /// Tasks an earlier run recorded (`--resume`); they count in `total` but never run.
    public var skipped = 0
    /// Failed attempts that were retried.
    public var retries = 0
    /// Workers lost mid-job.
    public var workersLost = 0
    /// Messages from workers that could not be decoded.
    public var rejectedFrames = 0
    /// Late or duplicate results that were not recorded.
    public var droppedResults = 0
    /// Recorded tasks by status; `succeeded` and `failed` are its `ok` and the rest (nil: `succeeded` count as ok and
    /// `failed` as failed).
    public var statuses: StatusCounts? = nil
    /// Why tasks are not running yet, as one phrase (`waiting: 3 for dependencies, 2 for pool places`); empty when
    /// none wait for anything but a free worker.
    public var waiting = ""
    public var recorded: Int { succeeded + failed }
}
