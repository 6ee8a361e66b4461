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
                statistics.rejectedFrames += 1
                continue
            }
            let at = now()
            switch message {
            case .ready(let id):
                guard let worker = workers[id], !worker.isReady else { statistics.rejectedFrames += 1; continue }
                worker.isReady = true
                registrationGate.settled(id)
                // Only a worker that became ready counts as one (a registration that never does is forgotten).
                identities[id] = worker.identity
                let isLocal = localProcesses.contains { $0.workerID == id }
                if !isLocal { noteRemoteWorker(worker.identity) }
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
                guard let identity = identities[id] else { statistics.rejectedFrames += 1; continue }
                if !started.isEmpty {
                    let tasks = started.map { DispatchedTask(sequence: $0.sequence, attempt: $0.attempt) }
                    perform(scheduler.handle(.tasksStarted(workerID: id, tasks), now: at), batch: nil)
                    if !configuration.observers.isEmpty {
                        let ids = started.compactMap { pending[$0.sequence]?.id }
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
                guard workers[id] != nil else { countUnlessLost(id); continue }
                perform(scheduler.handle(.tasksReturned(workerID: id, sequences), now: at), batch: nil)
            case .progress(let id, let reports):
                guard let identity = identities[id], workers[id] != nil else { countUnlessLost(id); continue }
                if let report = reports.last, let task = pending[report.sequence] {
                    let share = report.permille.map { " \($0 / 10)%" } ?? ""
                    progress.detail = "task \(task.id)\(share): \(report.message) (\(identity.name))"
                }
                for observer in configuration.observers {
                    for report in reports {
                        guard let task = pending[report.sequence] else { continue }
                        observer.taskProgress(
                            task.id, worker: identity.name, permille: report.permille.map { Int($0) }, message: report.message)
                    }
                }
                perform(scheduler.handle(.heartbeat(workerID: id), now: at), batch: nil)
            case .output(let id, let lines):
                guard identities[id] != nil else { statistics.rejectedFrames += 1; continue }
                receiveOutput(lines)
                if let worker = workers[id] {
                    // Handled: the worker may send that much more.
                    worker.outputBytesHandled += UInt64(frame.count)
                    send(.outputCredit(handledBytes: worker.outputBytesHandled), to: worker)
                    perform(scheduler.handle(.heartbeat(workerID: id), now: at), batch: nil)
                }
            case .heartbeat(let id):
                guard workers[id] != nil else { countUnlessLost(id); continue }
                perform(scheduler.handle(.heartbeat(workerID: id), now: at), batch: nil)
            default:
                statistics.rejectedFrames += 1
            }
        }
    }

    /// A heartbeat or returned tasks from a worker that is not connected: from one already given up on (its link
    /// came back, say) it means nothing now, as its tasks went back to the queue; from an unknown one it is counted.
    private func countUnlessLost(_ id: UInt32) {
        if identities[id] == nil { statistics.rejectedFrames += 1 }
    }

    /// Carries out the scheduler's actions in order; `batch` is the result batch the actions refer to.
    func perform(_ actions: [SchedulerAction], batch: [TaskResult]?) {
        for action in actions {
            switch action {
            case .loadTasks(let count):
                // Read on the next turn of the loop, so a job whose tasks mostly wait (for dependencies) still
                // answers workers while its file is read.
                loadRequest = count
            case .dispatch(let id, let tasks):
                guard let worker = workers[id] else { continue }
                let assignments = tasks.map { task in
                    let spec = pending[task.sequence]?.spec ?? []
                    return TaskAssignment(
                        sequence: task.sequence, attempt: task.attempt,
                        spec: task.gpus.isEmpty ? spec : specBytes(spec, gpus: task.gpus))
                }
                send(.assign(assignments), to: worker)
            case .record(let id, let indices):
                guard let batch else { continue }
                for index in indices { record(batch[index], from: id) }
            case .dropStaleResults(_, let count):
                statistics.droppedResults += count
            case .retry(_, let index, let retry, let delay):
                guard let result = batch?[index], let task = pending[result.sequence] else { continue }
                statistics.retries += 1
                progress.message(
                    "jobrun: task \(task.id) failed (\(result.outcome.name)); retry \(retry) in "
                        + "\(Self.seconds(Double(delay) / 1000))")
            case .recordPoison(let sequence, let attempts, let deaths, let workerID):
                recordPoison(sequence: sequence, attempts: attempts, deaths: deaths, lastWorker: workerID)
            case .reclaim(let id, let count):
                guard let worker = workers[id] else { continue }
                send(.reclaim(count: UInt32(clamping: count)), to: worker)
            case .sendHeartbeats:
                for worker in workers.values where worker.isReady { send(.heartbeat(workerID: 0), to: worker) }
            case .drain(let id, let cancelRunning):
                guard let worker = workers[id] else { continue }
                send(.drain(graceMilliseconds: UInt32(settings.killGraceMilliseconds), cancelRunning: cancelRunning), to: worker)
            case .workerLost(let id, let requeued, let reason):
                loseWorker(id, requeued: requeued, reason: reason)
            case .spawnWorker:
                spawnReplacement()
            case .workerReplacementDelayed(let delay, let count):
                progress.message(
                    "jobrun: \(count) worker(s) in a row died before finishing a task; the next replacement starts in "
                        + Self.seconds(Double(delay) / 1000))
            case .stopReplacingWorkers(let reason):
                workersGoneReason = reason
                progress.message(
                    "jobrun: not starting more workers: \(reason) (worker command: "
                        + "\(configuration.workerCommand.joined(separator: " ")))")
            case .skip(let sequence, let dependency):
                recordSkipped(sequence: sequence, dependency: dependency)
            case .keepEarlier(let sequence, let ok):
                keepEarlier(sequence: sequence, ok: ok)
            case .recordUnschedulable(let sequence, let reason):
                recordUnschedulable(sequence: sequence, reason: reason)
            case .wakeUp(let at):
                wakeAt = at.nanoseconds
            case .finish(let ending):
                self.ending = ending
            }
        }
    }

    private func send(_ message: WireMessage, to worker: WorkerConnection) {
        do {
            try worker.outbound.send(message.encoded(), on: worker.socket)
        } catch {
            progress.message("jobrun: cannot send to worker \(worker.identity.name): \(error)")
        }
    }

    /// Loads up to `count` tasks from the source into the scheduler. When the source has none ready, the request
    /// waits (the scheduler keeps it pending) until the source's descriptor is readable.
    func loadTasks(_ count: Int) {
        guard let source else { return }
        var sequences: [LoadedTask] = []
        sequences.reserveCapacity(min(count, 4096))
        var ended = false
        var read = 0
        reading: while read < count {
            let task: TaskDefinition
            switch source.next() {
            case .task(let next):
                task = next
            case .waiting:
                awaitedTasks = count - read
                break reading
            case .end:
                ended = true
                break reading
            case .problem(let problem):
                inputFailure = "\(problem)"
                progress.message("jobrun: \(problem)")
                progress.message("jobrun: no further tasks are started; the running ones finish")
                ended = true
                break reading
            }
            read += 1
            do {
                let sequence = UInt64(task.position)
                let plain = task.spec.retries == nil && task.spec.timeout == nil && task.spec.memoryLimitBytes == nil
                let wireForm = task.spec.serializedJSON
                let hash = plain ? TaskHash(id: task.id, wireForm: wireForm) : TaskHash(id: task.id, spec: task.spec)
                if !statistics.totalIsKnown { statistics.totalTasks += 1 }
                // A task with an earlier line either keeps it (the scheduler decides) or writes one that supersedes it.
                if let journal, journal.hasLine(key: task.id.key) { supersededLines += 1 }
                var spec = task.spec
                var wire = wireForm
                if spec.timeout == nil, let timeout = configuration.defaultTimeout {
                    spec.timeout = timeout
                    wire = spec.serializedJSON
                }
                if spec.memoryLimitBytes == nil, let limit = configuration.defaultMemoryLimitBytes {
                    spec.memoryLimitBytes = limit
                    wire = spec.serializedJSON
                }
                pending[sequence] = PendingTask(id: task.id, spec: wire, hash: hash, inputs: task.inputs)
                sequences.append(loadedTask(task, spec: spec, sequence: sequence, isIO: isIO(spec), hash: hash))
            }
        }
        // With nothing to hand over and more to come, the request stays pending until the input is readable.
        if sequences.isEmpty && !ended && awaitedTasks != nil { return }
        awaitedTasks = nil
        perform(scheduler.handle(.tasksLoaded(sequences, inputEnded: ended), now: now()), batch: nil)
    }

    /// Whether a task mostly waits: an IO kind, or a command marked `"io": true`.
    private func isIO(_ spec: TaskSpec) -> Bool {
        switch spec.command {
        case .run(let kind, _):
            if let last = lastKindLookup, last.kind == kind { return last.isIO }
            let io = configuration.handlers[kind]?.resources == .io
            lastKindLookup = (kind, io)
            return io
        case .exec, .shell: return spec.io
        }
    }

    private func record(_ result: TaskResult, from id: UInt32) {
        guard let task = pending.removeValue(forKey: result.sequence), let identity = identities[id] else { return }
        var body = result.body
        var outcome = result.outcome
        if !ResultLine.isValidBody(body) {
            outcome = .error
            body = Array(#"{"failure":"error","error":"the worker sent a malformed result"}"#.utf8)
        }
        let status = ResultStatus(outcome)
        noteEnding(sequence: result.sequence, id: task.id, status: "\(status.text)")
        results?.append { line in
            ResultLine.append(
                id: task.id, status: status, result: result, body: body, worker: identity, taskHash: task.hash,
                timestamps: &timestamps, to: &line
            )
        }
        count(status: status)
        let samples = statistics.failureSamples.count < FailureSample.kept
        let failure = outcome == .ok || (!samples && configuration.observers.isEmpty) ? nil : (try? JSONParser.parse(body))?.objectValue
        if outcome != .ok, samples {
            statistics.failureSamples.append(FailureSample(id: task.id.description, body: failure))
        }
        if body.count >= settings.outputCapBytes, ResultLine.saysTruncated(body) { statistics.outputsCut += 1 }
        statistics.recordedByWorker[id, default: 0] += 1
        outputBlocks?.taskEnded(result.sequence, inputs: task.inputs, body: body)
        if !configuration.observers.isEmpty {
            let recorded = RecordedOutcome(
                id: task.id, status: status.text.description, worker: identity.name, attempts: Int(result.attempt),
                startedAtMicroseconds: result.startedAtMicroseconds, durationMicroseconds: result.durationMicroseconds,
                error: failure?["error"]?.stringValue, stderrTail: FailureSample.stderrTail(of: failure)
            )
            for observer in configuration.observers { observer.taskFinished(recorded) }
        }
    }

    /// Records a task that workers kept dying on.
    private func recordPoison(sequence: UInt64, attempts: UInt32, deaths: Int, lastWorker: UInt32) {
        guard let task = pending.removeValue(forKey: sequence), let identity = identities[lastWorker] else { return }
        let message = "its worker died \(deaths) times while running it (poison_limit = \(settings.poisonLimit)); "
            + "not run again"
        results?.append { line in
            ResultLine.appendPoison(
                id: task.id, attempts: attempts, deaths: deaths, message: message, worker: identity, taskHash: task.hash,
                timestamps: &timestamps, to: &line)
        }
        statistics.failed += 1
        statistics.poisoned += 1
        outputBlocks?.skip(sequence)
        noteEnding(sequence: sequence, id: task.id, status: "failed")
        progress.message("jobrun: task \(task.id) failed: \(message)")
        if !configuration.observers.isEmpty {
            let recorded = RecordedOutcome(
                id: task.id, status: "failed", worker: identity.name, attempts: Int(attempts),
                startedAtMicroseconds: Clocks.realTimeMicroseconds(), durationMicroseconds: 0, error: message)
            for observer in configuration.observers { observer.taskFinished(recorded) }
        }
    }

    private func count(status: ResultStatus) {
        switch status {
        case .ok: statistics.succeeded += 1
        case .timeout:
            statistics.failed += 1
            statistics.timedOut += 1
        case .cancelled:
            statistics.failed += 1
            statistics.cancelled += 1
        case .failed: statistics.failed += 1
        }
    }

    private func loseWorker(_ id: UInt32, requeued: Int, reason: LossReason) {
        guard let worker = workers.removeValue(forKey: id) else { return }
        worker.socket.close()
        statistics.workersLost += 1
        statistics.requeued += requeued
        let why: String
        switch reason {
        case .exited, .stopped: why = lossDetails.removeValue(forKey: id) ?? "exited"
        case .silent:
            why = "stopped answering for \(settings.heartbeatMilliseconds * settings.heartbeatMisses) ms"
            if let local = localProcesses.first(where: { $0.workerID == id && $0.exitStatus == nil }) {
                local.process.signal(SIGKILL, wholeGroup: false)
            }
        }
        if ending == nil {
            progress.message("jobrun: worker \(worker.identity.name) \(why); \(requeued) of its tasks went back to the queue")
        }
        for observer in configuration.observers {
            observer.workerLost(name: worker.identity.name, reason: why, requeued: requeued)
        }
    }

    func handleSignals(_ numbers: [Int32]) {
        for number in numbers {
            if number == SIGCHLD {
                reapLocalWorkers()
                continue
            }
            // A hang-up (the terminal closed) stops the job as SIGTERM does, with its summary.
            guard number == SIGINT || number == SIGTERM || number == SIGHUP else { continue }
            interruptCount += 1
            if interruptCount == 1 {
                progress.message(
                    "jobrun: interrupted; letting running tasks finish for up to \(settings.interruptGraceMilliseconds) ms "
                        + "(press Ctrl-C again to stop them now)"
                )
            } else if interruptCount == 2 {
                progress.message("jobrun: stopping running tasks")
            }
            perform(scheduler.handle(.interrupt, now: now()), batch: nil)
        }
    }
}
