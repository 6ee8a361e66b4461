import Clock
import JSONValue
import Scheduler
import TaskFile
import WireProtocol
import ZeroMQ

/// What workers send on the shared result sockets (local and TCP): `ready`, started and finished tasks, returned
/// tasks, progress, output and heartbeats, each checked against the roster and handed to the driver, the
/// recorder or the output relay.
///
/// Threads: used on the coordinator's thread, which owns the sockets.
final class WorkerMessages {
    private let configuration: JobConfiguration
    private let tally: JobTally
    private let driver: SchedulerDriver
    private let supply: WorkerSupply
    private let roster: WorkerRoster
    private let hosts: RemoteHosts
    private let localWorkers: LocalWorkerPool
    private let recorder: ResultRecorder
    private let streamedOutput: StreamedOutputRelay

    init(
        configuration: JobConfiguration, tally: JobTally, driver: SchedulerDriver, supply: WorkerSupply,
        roster: WorkerRoster, hosts: RemoteHosts, localWorkers: LocalWorkerPool, recorder: ResultRecorder,
        streamedOutput: StreamedOutputRelay
    ) {
        self.configuration = configuration
        self.tally = tally
        self.driver = driver
        self.supply = supply
        self.roster = roster
        self.hosts = hosts
        self.localWorkers = localWorkers
        self.recorder = recorder
        self.streamedOutput = streamedOutput
    }

    /// The longest one turn of receiving results takes before the loop goes round (and ticks) again.
    static let turnNanoseconds: UInt64 = 100_000_000

    /// Handles queued messages on the shared result socket, bounded per turn in frames, bytes and time, so ticks and
    /// heartbeats keep their pace: a flood of streamed output lines (each one an event to log and maybe print) must
    /// not keep the loop from telling workers it is alive.
    func receiveResults(on socket: ZMQSocket) throws {
        var bytes = 0
        let deadline = Clocks.monotonicNanoseconds() + Self.turnNanoseconds
        for _ in 0..<1024 {
            guard bytes < 2 << 20, Clocks.monotonicNanoseconds() < deadline, let frame = try socket.receive(dontWait: true)
            else { return }
            bytes += frame.count
            guard let message = try? WireMessage(decoding: frame) else {
                tally.statistics.rejectedFrames += 1
                continue
            }
            let at = driver.now()
            switch message {
            case .ready(let id):
                guard let worker = roster.markReady(id) else { tally.statistics.rejectedFrames += 1; continue }
                let isLocal = localWorkers.isLocal(id)
                if !isLocal { hosts.noteRemoteWorker(worker.identity, identities: roster.identities) }
                for observer in configuration.observers {
                    observer.workerJoined(name: worker.identity.name, host: worker.identity.host)
                }
                let capacity = supply.capacity(of: worker)
                supply.noteFreeMemory(beforeJoining: worker, isLocal: isLocal)
                driver.perform(
                    driver.scheduler.handle(
                        .workerJoined(
                            workerID: id, slots: worker.slots, ioConcurrency: worker.ioConcurrency,
                            replaceable: isLocal, capacity: capacity),
                        now: at),
                    batch: nil)
            case .results(let id, let started, let list):
                guard let identity = roster.identities[id] else { tally.statistics.rejectedFrames += 1; continue }
                if !started.isEmpty {
                    let tasks = started.map { DispatchedTask(sequence: $0.sequence, attempt: $0.attempt) }
                    driver.perform(driver.scheduler.handle(.tasksStarted(workerID: id, tasks), now: at), batch: nil)
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
                    driver.perform(driver.scheduler.handle(.resultsArrived(workerID: id, finished), now: at), batch: list)
                }
            case .returned(let id, let sequences):
                guard roster.workers[id] != nil else { countUnlessLost(id); continue }
                driver.perform(driver.scheduler.handle(.tasksReturned(workerID: id, sequences), now: at), batch: nil)
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
                driver.perform(driver.scheduler.handle(.heartbeat(workerID: id), now: at), batch: nil)
            case .output(let id, let lines):
                guard roster.identities[id] != nil else { tally.statistics.rejectedFrames += 1; continue }
                streamedOutput.receiveOutput(lines, pending: recorder.pending)
                if let worker = roster.workers[id] {
                    // Handled: the worker may send that much more.
                    worker.outputBytesHandled += UInt64(frame.count)
                    roster.send(.outputCredit(handledBytes: worker.outputBytesHandled), to: worker)
                    driver.perform(driver.scheduler.handle(.heartbeat(workerID: id), now: at), batch: nil)
                }
            case .heartbeat(let id, let availableMemory):
                guard roster.workers[id] != nil else { countUnlessLost(id); continue }
                driver.perform(driver.scheduler.handle(.heartbeat(workerID: id), now: at), batch: nil)
                if let availableMemory { supply.noteReportedFreeMemory(of: id, availableBytes: availableMemory) }
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

    /// Handles the TCP side's sockets after a poll: authentication requests, registrations and results.
    func handleRemotePolled(_ items: ArraySlice<PollItem>) throws {
        guard let listener = hosts.listener else { return }
        let start = items.startIndex
        try hosts.answerAuthentication(items)
        if items[start].returnedEvents.contains(.readable) { try roster.receiveRegistrations(on: listener.register, remote: true) }
        if items[start + 1].returnedEvents.contains(.readable) { try receiveResults(on: listener.results) }
        hosts.reapLaunchers(identities: roster.identities, jobEnded: driver.ending != nil)
    }
}
