#if canImport(Glibc)
import Glibc
#endif
import Clock
import JobRunKit
import Scheduler
import Settings
import TaskFile
import WireProtocol

/// Feeds the scheduler and carries out its actions: the one place where what happened becomes the scheduler's
/// decisions, and those decisions become work for the other parts (send, record, spawn, say).
///
/// Threads: used on the coordinator's thread only.
final class SchedulerDriver {
    private let configuration: JobConfiguration
    private var settings: Settings { configuration.settings }
    private let tally: JobTally
    private let roster: WorkerRoster
    private let recorder: ResultRecorder
    private let intake: TaskIntake
    private let localWorkers: LocalWorkerPool
    /// Set when the job starts.
    var scheduler: SchedulerState!
    /// Where local workers register (for replacements), once the job's sockets exist.
    var registerEndpoint: String?
    /// Set when the scheduler says the job is over.
    private(set) var ending: JobEnding?
    /// When the scheduler asked to be woken (a pool's rate allows a start then), in monotonic nanoseconds.
    var wakeAt: UInt64?
    /// Why the job stopped starting workers (a crash loop, or none registered in time), for the summary.
    private(set) var workersGoneReason: String?
    /// Requests to stop the job so far (interrupts, `--halt`, a gone reader).
    private(set) var stops = StopRequests()

    init(
        configuration: JobConfiguration, tally: JobTally, roster: WorkerRoster, recorder: ResultRecorder, intake: TaskIntake,
        localWorkers: LocalWorkerPool
    ) {
        self.configuration = configuration
        self.tally = tally
        self.roster = roster
        self.recorder = recorder
        self.intake = intake
        self.localWorkers = localWorkers
    }

    func now() -> Instant { .monotonicNow() }

    /// Tells the scheduler of `event` now, and carries out what it decides.
    func handle(_ event: SchedulerEvent) {
        perform(scheduler.handle(event, now: now()), batch: nil)
    }

    /// Carries out the scheduler's actions in order; `batch` is the result batch the actions refer to.
    func perform(_ actions: [SchedulerAction], batch: [TaskResult]?) {
        for action in actions {
            switch action {
            case .loadTasks(let count):
                // Read on the next turn of the loop, so a job whose tasks mostly wait (for dependencies) still
                // answers workers while its file is read.
                intake.loadRequest = count
            case .dispatch(let id, let tasks):
                guard let worker = roster.workers[id] else { continue }
                let assignments = tasks.map { task in
                    let spec = recorder.pending[task.sequence]?.spec ?? []
                    return TaskAssignment(
                        sequence: task.sequence, attempt: task.attempt,
                        spec: task.gpus.isEmpty ? spec : PendingTask.specBytes(spec, gpus: task.gpus))
                }
                roster.send(.assign(assignments), to: worker)
            case .record(let id, let indices):
                guard let batch else { continue }
                for index in indices { recorder.record(batch[index], from: id) }
            case .dropStaleResults(_, let count):
                tally.statistics.droppedResults += count
            case .retry(_, let index, let retry, let delay):
                guard let result = batch?[index], let task = recorder.pending[result.sequence] else { continue }
                tally.statistics.retries += 1
                tally.progress.message(
                    "jobrun: task \(task.id) failed (\(result.outcome.name)); retry \(retry) in "
                        + "\(JobSummary.seconds(Double(delay) / 1000))")
            case .recordPoison(let sequence, let attempts, let deaths, let workerID):
                recorder.recordPoison(sequence: sequence, attempts: attempts, deaths: deaths, lastWorker: workerID)
            case .reclaim(let id, let count):
                guard let worker = roster.workers[id] else { continue }
                roster.send(.reclaim(count: UInt32(clamping: count)), to: worker)
            case .sendHeartbeats:
                for worker in roster.workers.values where worker.isReady { roster.send(.heartbeat(workerID: 0), to: worker) }
            case .drain(let id, let cancelRunning):
                guard let worker = roster.workers[id] else { continue }
                roster.send(.drain(graceMilliseconds: UInt32(settings.killGraceMilliseconds), cancelRunning: cancelRunning), to: worker)
            case .workerLost(let id, let requeued, let reason):
                roster.loseWorker(id, requeued: requeued, reason: reason, jobEnded: ending != nil)
            case .spawnWorker:
                spawnReplacement()
            case .workerReplacementDelayed(let delay, let count):
                tally.progress.message(
                    "jobrun: \(count) worker(s) in a row died before finishing a task; the next replacement starts in "
                        + JobSummary.seconds(Double(delay) / 1000))
            case .stopReplacingWorkers(let reason):
                workersGoneReason = reason
                tally.progress.message(
                    "jobrun: not starting more workers: \(reason) (worker command: "
                        + "\(configuration.workerCommand.joined(separator: " ")))")
            case .skip(let sequence, let dependency):
                recorder.recordSkipped(sequence: sequence, dependency: dependency)
            case .keepEarlier(let sequence, let ok):
                recorder.keepEarlier(sequence: sequence, ok: ok)
            case .recordUnschedulable(let sequence, let reason):
                recorder.recordUnschedulable(sequence: sequence, reason: reason)
            case .wakeUp(let at):
                wakeAt = at.nanoseconds
            case .finish(let ending):
                self.ending = ending
            }
        }
    }

    /// Starts a replacement for a lost local worker, as the scheduler decided.
    func spawnReplacement() {
        guard ending == nil, let registerEndpoint else { return }
        do {
            try localWorkers.startLocalWorker(registerEndpoint: registerEndpoint)
            tally.statistics.workersReplaced += 1
        } catch {
            tally.progress.message("jobrun: could not replace a lost worker: \(error)")
            perform(scheduler.handle(.localWorkerFailedToStart(cause: "could not be started: \(error)"), now: now()), batch: nil)
        }
    }

    /// Loads up to `count` tasks from the source into the scheduler. When the source has none ready, the request
    /// waits (the scheduler keeps it pending) until the source's descriptor is readable.
    func loadTasks(_ count: Int) {
        guard let loaded = intake.load(count) else { return }
        perform(scheduler.handle(.tasksLoaded(loaded.tasks, inputEnded: loaded.inputEnded), now: now()), batch: nil)
    }

    /// A result could not be written: stops dispatching (as a first interrupt does: running tasks may finish and
    /// their results wait in memory for another attempt each turn), and says so once.
    func resultsCannotBeWritten(_ error: any Error) {
        guard recorder.noteWriteFailure(error) else { return }
        perform(scheduler.handle(.interrupt, now: now()), batch: nil)
    }

    /// Asks the job to stop as `StopRequests` decides: says what the request means, and tells the scheduler.
    func requestStop(_ request: StopRequests.Request) {
        let outcome = stops.handle(request)
        switch outcome.notice {
        case .lettingTasksFinish?:
            tally.progress.message(
                "jobrun: interrupted; letting running tasks finish for up to \(settings.interruptGraceMilliseconds) ms "
                    + "(press Ctrl-C again to stop them now)"
            )
        case .stoppingTasks?:
            tally.progress.message("jobrun: stopping running tasks")
        case .halted(let halt, let urgency)?:
            let how = urgency == .now ? "stopping the running tasks" : "letting the running tasks finish"
            tally.progress.message(
                "jobrun: \(halt.description) is met (\(tally.statistics.succeeded) ok, \(tally.statistics.failed) failed); \(how)")
        case nil:
            break
        }
        for _ in 0..<outcome.interrupts { perform(scheduler.handle(.interrupt, now: now()), batch: nil) }
    }
}
