#if canImport(Glibc)
import JSONValue
import ChildProcess
import Settings
import Glibc
#endif
import Clock
import JobRun
import Scheduler
import TaskFile
import WireProtocol
import ZeroMQ

extension CoordinatorService {
    /// Handles queued messages on the shared result socket (bounded per turn, in frames and bytes, so ticks and
    /// heartbeats keep their pace).
    func receiveResults(on socket: ZMQSocket) throws {
        var bytes = 0
        for _ in 0..<1024 {
            guard bytes < 2 << 20, let frame = try socket.receive(dontWait: true) else { return }
            bytes += frame.count
            guard let message = try? WireMessage(decoding: frame) else {
                tally.statistics.rejectedFrames += 1
                continue
            }
            let at = now()
            switch message {
            case .ready(let id):
                guard let worker = roster.markReady(id) else { tally.statistics.rejectedFrames += 1; continue }
                let isLocal = localWorkers.isLocal(id)
                if !isLocal { hosts.noteRemoteWorker(worker.identity, identities: roster.identities) }
                for observer in configuration.observers {
                    observer.workerJoined(name: worker.identity.name, host: worker.identity.host)
                }
                perform(
                    scheduler.handle(
                        .workerJoined(
                            workerID: id, slots: worker.slots, ioConcurrency: worker.ioConcurrency,
                            replaceable: isLocal, capacity: capacity(of: worker)),
                        now: at),
                    batch: nil)
            case .results(let id, let started, let list):
                guard let identity = roster.identities[id] else { tally.statistics.rejectedFrames += 1; continue }
                if !started.isEmpty {
                    let tasks = started.map { DispatchedTask(sequence: $0.sequence, attempt: $0.attempt) }
                    perform(scheduler.handle(.tasksStarted(workerID: id, tasks), now: at), batch: nil)
                    if !configuration.observers.isEmpty {
                        let ids = started.compactMap { recorder.pending[$0.sequence]?.id }
                        for observer in configuration.observers { observer.tasksStarted(ids, worker: identity.name) }
                    }
                }
                let finished = list.map {
                    FinishedTask(
                        sequence: $0.sequence, attempt: $0.attempt, durationMicroseconds: $0.durationMicroseconds,
                        succeeded: $0.succeeded, retryable: $0.retryable)
                }
                if !finished.isEmpty {
                    perform(scheduler.handle(.resultsArrived(workerID: id, finished), now: at), batch: list)
                }
            case .returned(let id, let sequences):
                guard roster.workers[id] != nil else { countUnlessLost(id); continue }
                perform(scheduler.handle(.tasksReturned(workerID: id, sequences), now: at), batch: nil)
            case .progress(let id, let reports):
                guard let identity = roster.identities[id], roster.workers[id] != nil else { countUnlessLost(id); continue }
                if let report = reports.last, let task = recorder.pending[report.sequence] {
                    let share = report.permille.map { " \($0 / 10)%" } ?? ""
                    tally.progress.detail = "task \(task.id)\(share): \(report.message) (\(identity.name))"
                }
                for observer in configuration.observers {
                    for report in reports {
                        guard let task = recorder.pending[report.sequence] else { continue }
                        observer.taskProgress(
                            task.id, worker: identity.name, permille: report.permille.map { Int($0) }, message: report.message)
                    }
                }
                perform(scheduler.handle(.heartbeat(workerID: id), now: at), batch: nil)
            case .output(let id, let lines):
                guard roster.identities[id] != nil else { tally.statistics.rejectedFrames += 1; continue }
                streamedOutput.receiveOutput(lines, pending: recorder.pending)
                if let worker = roster.workers[id] {
                    // Handled: the worker may send that much more.
                    worker.outputBytesHandled += UInt64(frame.count)
                    roster.send(.outputCredit(handledBytes: worker.outputBytesHandled), to: worker)
                    perform(scheduler.handle(.heartbeat(workerID: id), now: at), batch: nil)
                }
            case .heartbeat(let id):
                guard roster.workers[id] != nil else { countUnlessLost(id); continue }
                perform(scheduler.handle(.heartbeat(workerID: id), now: at), batch: nil)
            default:
                tally.statistics.rejectedFrames += 1
            }
        }
    }

    /// A heartbeat or returned tasks from a worker that is not connected: from one already given up on (its link
    /// came back, say) it means nothing now, as its tasks went back to the queue; from an unknown one it is counted.
    private func countUnlessLost(_ id: UInt32) {
        if roster.identities[id] == nil { tally.statistics.rejectedFrames += 1 }
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

}
