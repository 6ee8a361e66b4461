public import JSONValue
public import Coordinator
import TaskFile

/// Everything known about a job from its events: counts, workers, running tasks, durations and failures.
///
/// The coordinator's recorder keeps one to answer snapshot requests; `jobrun tail` builds one from a snapshot and
/// the events that follow, or from the event log; `jobrun report` builds one from the log, keeping every finished
/// task. Applying the same events in the same order always gives the same state. A value type.
public struct JobState: Sendable {
    /// What the job is, from `job_started`.
    public struct Info: Sendable, Equatable {
        public var jobID: String
        public var name: String
        public var taskFile: String
        public var resultsPath: String
        public var total: Int
        public var workers: Int
        public var slots: Int
        public var pid: Int32
        public var host: String
        /// When the job started (microseconds since the Unix epoch).
        public var startedMicroseconds: Int64

        /// Creates the description of a starting job.
        public init(
            jobID: String, name: String, taskFile: String, resultsPath: String, total: Int, workers: Int, slots: Int,
            pid: Int32, host: String, startedMicroseconds: Int64
        ) {
            self.jobID = jobID
            self.name = name
            self.taskFile = taskFile
            self.resultsPath = resultsPath
            self.total = total
            self.workers = workers
            self.slots = slots
            self.pid = pid
            self.host = host
            self.startedMicroseconds = startedMicroseconds
        }
    }

    /// The coordinator's counts.
    public struct Totals: Sendable, Equatable {
        public var total: Int
        /// Tasks recorded ok.
        public var succeeded: Int
        /// Tasks recorded other than ok (failed, timed out, cancelled or skipped; `statuses` tells them apart).
        public var failed: Int
        public var workers: Int
        public var busyWorkers: Int
        public var elapsedMicroseconds: UInt64
        /// Why tasks wait (dependencies, pools, resources), as one phrase; empty when nothing waits on those.
        public var waiting: String
        /// Recorded tasks by status. Counts from a jobrun that did not record them are `succeeded` ok and `failed`
        /// failed.
        public var statuses: StatusCounts

        /// Creates counts; without `statuses`, `succeeded` tasks count as ok and `failed` ones as failed.
        public init(
            total: Int, succeeded: Int, failed: Int, workers: Int, busyWorkers: Int, elapsedMicroseconds: UInt64,
            waiting: String = "", statuses: StatusCounts? = nil
        ) {
            self.waiting = waiting
            self.statuses = statuses ?? StatusCounts(ok: succeeded, failed: failed)
            self.total = total
            self.succeeded = succeeded
            self.failed = failed
            self.workers = workers
            self.busyWorkers = busyWorkers
            self.elapsedMicroseconds = elapsedMicroseconds
        }

        /// Tasks with a result.
        public var recorded: Int { succeeded + failed }

        /// Tasks without a result that are not running either (`running`: how many are).
        public func notStarted(running: Int) -> Int { max(total - recorded - running, 0) }

        /// The counts as one phrase: `3 ok, 1 failed, 2 cancelled, 4 not started`.
        public func phrase(running: Int) -> String { statuses.phrase(notStarted: notStarted(running: running)) }
    }

    /// One worker's row.
    public struct WorkerRow: Sendable, Equatable {
        /// `host:pid`.
        public var name: String
        public var host: String
        public var joinedMicroseconds: Int64
        /// Tasks it finished, of which `failed` did not succeed.
        public var done: Int
        public var failed: Int
        /// The sum of its finished tasks' durations.
        public var busyMicroseconds: UInt64
        /// Why it is gone, once it is.
        public var lostReason: String?
        /// Tasks that went back to the queue when it was lost.
        public var requeued: Int

        /// Creates the row of a worker that just joined.
        public init(name: String, host: String, joinedMicroseconds: Int64) {
            self.name = name
            self.host = host
            self.joinedMicroseconds = joinedMicroseconds
            self.done = 0
            self.failed = 0
            self.busyMicroseconds = 0
            self.lostReason = nil
            self.requeued = 0
        }
    }

    /// A task that started and has no result yet.
    public struct RunningTask: Sendable, Equatable {
        public var id: JSONValue
        public var worker: String
        public var startedMicroseconds: Int64
        /// The task's latest progress report: 0 to 1000, when it knows.
        public var progressPermille: Int?
        /// The task's latest progress message.
        public var progressMessage: String?

        /// Creates a running task.
        public init(id: JSONValue, worker: String, startedMicroseconds: Int64) {
            self.id = id
            self.worker = worker
            self.startedMicroseconds = startedMicroseconds
        }
    }

    /// A task with a recorded result.
    public struct FinishedTask: Sendable, Equatable {
        /// The id as the task file gave it (a string or an integer).
        public var id: JSONValue
        /// `ok`, `failed`, `timeout` or `cancelled`.
        public var status: String
        public var worker: String
        public var attempts: Int
        public var startedMicroseconds: Int64
        public var durationMicroseconds: UInt64
        /// What went wrong, when it did not succeed.
        public var error: String?
        /// The last line of its standard error, when it did not succeed (one line, at most about 200 characters).
        public var stderrTail: String?

        /// Creates a finished task.
        public init(
            id: JSONValue, status: String, worker: String, attempts: Int, startedMicroseconds: Int64,
            durationMicroseconds: UInt64, error: String?, stderrTail: String? = nil
        ) {
            self.stderrTail = stderrTail
            self.id = id
            self.status = status
            self.worker = worker
            self.attempts = attempts
            self.startedMicroseconds = startedMicroseconds
            self.durationMicroseconds = durationMicroseconds
            self.error = error
        }

        /// Whether it succeeded.
        public var succeeded: Bool { status == "ok" }
    }

    /// The job, once `job_started` was seen.
    public var info: Info?
    /// The number of the last event applied (snapshots carry theirs, so a follower knows where the stream resumes).
    public var sequence = 0
    /// The latest counts.
    public var totals = Totals(total: 0, succeeded: 0, failed: 0, workers: 0, busyWorkers: 0, elapsedMicroseconds: 0)
    /// When `totals.elapsedMicroseconds` was measured (microseconds since the Unix epoch).
    public var totalsMicroseconds: Int64 = 0
    /// Workers in the order they joined, lost ones included.
    public private(set) var workers: [WorkerRow] = []
    private var workerIndex: [String: Int] = [:]
    private var lastWorker: (name: String, index: Int)?
    /// Running tasks by id key (see `TaskID.key`).
    public var running: [String: RunningTask] = [:]
    /// The sum and count of finished tasks' durations.
    public var durationSumMicroseconds: UInt64 = 0
    public var durationCount = 0
    /// The latest failures, oldest first, at most `failureLimit`.
    public var recentFailures: [FinishedTask] = []
    /// How many failures `recentFailures` keeps.
    public var failureLimit = 20
    /// Every finished task in order, when built with `keepFinishedTasks`.
    public var finishedTasks: [FinishedTask]?
    /// How the job ended (`completed`, `interrupted`, `no-workers`, `failed`), once it did.
    public var ending: String?
    /// When it ended.
    public var endedMicroseconds: Int64?
    /// The time of the last event applied.
    public var lastEventMicroseconds: Int64 = 0

    /// An empty state; `keepFinishedTasks` keeps every finished task (for reports).
    public init(keepFinishedTasks: Bool = false) {
        finishedTasks = keepFinishedTasks ? [] : nil
    }

    /// The key a task id is tracked by: `1` and `"1"` are the same task.
    public static func key(for id: JSONValue) -> String {
        TaskID(json: id)?.key ?? id.text
    }

    /// The row of worker `name`, if it ever joined.
    public func worker(named name: String) -> WorkerRow? { workerIndex[name].map { workers[$0] } }

    // MARK: - Changes (the recorder calls these directly; `apply` calls them for decoded events)

    /// The job started.
    public mutating func start(_ info: Info) {
        self.info = info
        totals.total = info.total
        totalsMicroseconds = info.startedMicroseconds
    }

    /// A worker registered.
    public mutating func workerJoined(name: String, host: String, at time: Int64) {
        if let index = workerIndex[name] {
            workers[index].lostReason = nil
            return
        }
        workerIndex[name] = workers.count
        workers.append(WorkerRow(name: name, host: host, joinedMicroseconds: time))
    }

    /// A worker is gone; its running tasks are not running any more.
    public mutating func workerLost(name: String, reason: String, requeued: Int) {
        if let index = workerIndex[name] {
            workers[index].lostReason = reason
            workers[index].requeued += requeued
        }
        if !running.isEmpty { running = running.filter { $0.value.worker != name } }
    }

    /// Tasks began running on a worker at `time`.
    public mutating func tasksStarted(_ ids: [JSONValue], worker: String, at time: Int64) {
        for id in ids { taskStarted(key: Self.key(for: id), id: id, worker: worker, at: time) }
    }

    /// A task whose key (see `key(for:)`) is known began running.
    public mutating func taskStarted(key: String, id: JSONValue, worker: String, at time: Int64) {
        running[key] = RunningTask(id: id, worker: worker, startedMicroseconds: time)
    }

    /// A running task reported its progress.
    public mutating func taskProgress(key: String, permille: Int?, message: String) {
        running[key]?.progressPermille = permille
        running[key]?.progressMessage = message
    }

    /// A task's result was recorded.
    public mutating func taskFinished(_ task: FinishedTask, key: String? = nil) {
        if !running.isEmpty { running.removeValue(forKey: key ?? Self.key(for: task.id)) }
        if task.succeeded { totals.succeeded += 1 } else { totals.failed += 1 }
        totals.statuses.add(status: task.status)
        durationSumMicroseconds &+= task.durationMicroseconds
        durationCount += 1
        if let index = rowIndex(of: task.worker) {
            workers[index].done += 1
            workers[index].busyMicroseconds &+= task.durationMicroseconds
            if !task.succeeded { workers[index].failed += 1 }
        }
        if !task.succeeded {
            recentFailures.append(task)
            if recentFailures.count > failureLimit { recentFailures.removeFirst(recentFailures.count - failureLimit) }
        }
        finishedTasks?.append(task)
    }

    /// The coordinator's counts at `time`; they replace the counts kept from task events.
    public mutating func update(_ totals: Totals, at time: Int64) {
        self.totals = totals
        totalsMicroseconds = time
    }

    /// The job ended with its final counts.
    public mutating func end(ending: String, totals: Totals, at time: Int64) {
        update(totals, at: time)
        self.ending = ending
        endedMicroseconds = time
        running.removeAll()
    }

    /// Applies one decoded event and remembers its number and time.
    public mutating func apply(_ event: SequencedEvent) {
        sequence = event.sequence
        lastEventMicroseconds = event.timeMicroseconds
        switch event.event {
        case .jobStarted(let info): start(info)
        case .workerJoined(let name, let host): workerJoined(name: name, host: host, at: event.timeMicroseconds)
        case .workerLost(let name, let reason, let requeued): workerLost(name: name, reason: reason, requeued: requeued)
        case .tasksStarted(let ids, let worker): tasksStarted(ids, worker: worker, at: event.timeMicroseconds)
        case .taskFinished(let task): taskFinished(task)
        case .totals(let totals): update(totals, at: event.timeMicroseconds)
        case .jobEnded(let ending, let totals): end(ending: ending, totals: totals, at: event.timeMicroseconds)
        case .progress(let id, _, let permille, let message): taskProgress(key: Self.key(for: id), permille: permille, message: message)
        case .output, .other: break
        }
    }

    /// The row of a worker, remembering the last one asked for (results come in batches from one worker).
    private mutating func rowIndex(of name: String) -> Int? {
        if let last = lastWorker, last.name == name { return last.index }
        guard let index = workerIndex[name] else { return nil }
        lastWorker = (name, index)
        return index
    }

    /// Replaces the worker rows (when decoding a snapshot).
    mutating func setWorkers(_ rows: [WorkerRow]) {
        workers = rows
        workerIndex = [:]
        lastWorker = nil
        for (index, row) in rows.enumerated() { workerIndex[row.name] = index }
    }
}
