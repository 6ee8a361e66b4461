#if canImport(Glibc)
import Glibc
#endif
import Clock
public import Coordinator
import JSONValue
public import TaskFile
public import ZeroMQ

/// The coordinator's observer that makes a job watchable: it appends every event to the job's event log,
/// publishes it on a PUB socket, answers snapshot and cancel requests on a ROUTER socket, and keeps `job.json`
/// current.
///
/// Events are encoded as they happen and written out once per coordinator tick (about 20 times a second), one
/// `write` to the log and one message on the PUB socket per tick, so watching costs little even at hundreds of
/// thousands of tasks a second. Sockets are `ipc://` files in the job directory (or in a private 0700 directory
/// under /tmp when that path is too long for a socket address).
///
/// Threads: created, called and finished on the coordinator's thread, which owns its sockets. Problems with the log
/// or the sockets are reported once on standard error and never stop the job.
public final class JobEventRecorder: JobObserver {
    /// The job's directory.
    public let directory: JobDirectory
    /// The job's metadata as last written.
    public private(set) var metadata: JobMetadata
    private var state = JobState()
    private var encoder = EventEncoder()
    private var logDescriptor: Int32 = -1
    private var context: ZMQContext?
    private var publisher: ZMQSocket?
    private var control: ZMQSocket?
    private var socketDirectory: String?
    private var privateSocketDirectory = false
    private var lastTotals: JobState.Totals?
    private var lastTotalsAt: UInt64 = 0
    private var lastMetadataAt: UInt64 = 0
    private var started = false
    private var ended = false
    private var cancelRequests = 0
    /// What the log takes of streamed task output.
    private var outputBudget = OutputLogBudget(limitBytes: JobEventRecorder.defaultOutputLogBytes)
    /// The most bytes of task output lines logged per job unless the settings say otherwise (`output_log_bytes`).
    public static let defaultOutputLogBytes = 256 << 20
    private var warned: Set<String> = []
    /// Tasks that started since the last flush. Their `tasks_started` events are written at the flush, and only for
    /// those still running then: a short task's `task_finished` (which carries its start time) says enough, and
    /// this halves the events of jobs of tiny tasks.
    private var unannouncedStarts: [UnannouncedStart] = []

    /// The latest progress report of each task since the last flush, in the order tasks first reported.
    private var unannouncedProgress: [String: UnannouncedProgress] = [:]
    private var progressOrder: [String] = []

    private struct UnannouncedProgress {
        let id: JSONValue
        let worker: String
        let permille: Int?
        let message: String
        let time: Int64
    }

    private struct UnannouncedStart {
        let key: String
        let id: JSONValue
        let worker: String
        let time: Int64
    }

    /// Takes over a job directory whose `job.json` is `metadata`, recording this process as the coordinator.
    ///
    /// - Throws: `MonitorError` when `job.json` cannot be written.
    public init(directory: JobDirectory, metadata: JobMetadata) throws(MonitorError) {
        self.directory = directory
        self.metadata = metadata
        self.metadata.pid = getpid()
        self.metadata.pidStartTime = ProcessProbe.startTime(of: getpid())
        self.metadata.state = .starting
        try self.metadata.write(to: directory)
    }

    // MARK: - JobObserver

    public func jobStarted(_ job: JobDescription) {
        started = true
        let now = Clocks.realTimeMicroseconds()
        logDescriptor = open(directory.eventLogPath, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if logDescriptor < 0 { warn("log", "cannot open the event log \(directory.eventLogPath): \(FileText.lastErrorText())") }
        openSockets()
        let info = JobState.Info(
            jobID: directory.id, name: metadata.name, taskFile: metadata.taskFile, resultsPath: metadata.resultsPath,
            total: job.totalTasks, workers: job.workerCount, slots: metadata.slots, pid: job.coordinatorPID,
            host: metadata.host, startedMicroseconds: now
        )
        state.start(info)
        encoder.jobStarted(info, at: now)
        metadata.state = .running
        metadata.total = job.totalTasks
        metadata.workers = job.workerCount
        metadata.startedMicroseconds = now
        flush()
        writeMetadata()
    }

    public func workerJoined(name: String, host: String) {
        let now = Clocks.realTimeMicroseconds()
        state.workerJoined(name: name, host: host, at: now)
        encoder.workerJoined(name: name, host: host, at: now)
    }

    public func workerLost(name: String, reason: String, requeued: Int) {
        state.workerLost(name: name, reason: reason, requeued: requeued)
        encoder.workerLost(name: name, reason: reason, requeued: requeued, at: Clocks.realTimeMicroseconds())
    }

    public func tasksStarted(_ ids: [TaskID], worker: String) {
        let now = Clocks.realTimeMicroseconds()
        for id in ids {
            state.taskStarted(key: id.key, id: id.original, worker: worker, at: now)
            unannouncedStarts.append(UnannouncedStart(key: id.key, id: id.original, worker: worker, time: now))
        }
    }

    /// A running task reported its progress. Only the latest report per task and tick is logged and published.
    public func taskProgress(_ id: TaskID, worker: String, permille: Int?, message: String) {
        state.taskProgress(key: id.key, permille: permille, message: message)
        if unannouncedProgress.updateValue(
            UnannouncedProgress(id: id.original, worker: worker, permille: permille, message: message, time: Clocks.realTimeMicroseconds()),
            forKey: id.key
        ) == nil {
            progressOrder.append(id.key)
        }
    }

    /// A line a running task wrote. Starts not yet announced are announced first, so the log shows a task starting
    /// before its output.
    public func taskOutput(_ id: TaskID, stream: String, line: String, cut: Bool) {
        guard outputBudget.admit(bytes: line.utf8.count + 64, key: id.key, id: id.original) else {
            warn("output", "the event log holds \(outputBudget.limitBytes) bytes of task output, its limit "
                + "(output_log_bytes); further lines are counted, not logged")
            return
        }
        announceStarts()
        encoder.output(id: id.original, stream: stream, line: line, cut: cut, at: Clocks.realTimeMicroseconds())
    }

    public func taskFinished(_ outcome: RecordedOutcome) {
        let task = JobState.FinishedTask(
            id: outcome.id.original, status: outcome.status, worker: outcome.worker, attempts: outcome.attempts,
            startedMicroseconds: outcome.startedAtMicroseconds, durationMicroseconds: outcome.durationMicroseconds,
            error: outcome.error, stderrTail: outcome.stderrTail
        )
        state.taskFinished(task, key: outcome.id.key)
        encoder.taskFinished(task, at: Clocks.realTimeMicroseconds())
    }

    public func totalsChanged(_ totals: JobTotals) {
        let monotonic = Clocks.monotonicNanoseconds()
        let current = Self.totals(totals)
        var comparable = current
        comparable.elapsedMicroseconds = lastTotals?.elapsedMicroseconds ?? 0
        let changed = comparable != lastTotals
        let sinceLast = monotonic &- lastTotalsAt
        if (changed && sinceLast >= 200_000_000) || sinceLast >= 5_000_000_000 {
            let now = Clocks.realTimeMicroseconds()
            state.update(current, at: now)
            encoder.totals(current, at: now)
            lastTotals = current
            lastTotalsAt = monotonic
        }
        flush()
        if monotonic &- lastMetadataAt >= 2_000_000_000, metadata.recorded != totals.recorded || metadata.total != totals.total {
            metadata.succeeded = totals.succeeded
            metadata.failed = totals.failed
            metadata.statuses = current.statuses
            metadata.total = totals.total
            writeMetadata()
        }
    }

    /// Sets the most bytes of task output lines this job's log takes (`output_log_bytes`); call before the job starts.
    public func limitOutputLog(toBytes bytes: Int) {
        outputBudget = OutputLogBudget(limitBytes: bytes)
    }

    public func jobEnded(_ totals: JobTotals, ending: String) {
        let now = Clocks.realTimeMicroseconds()
        for (key, id) in outputBudget.droppedOrder {
            encoder.output(id: id, stream: "stderr", line: outputBudget.note(count: outputBudget.dropped[key] ?? 0), at: now)
        }
        let final = Self.totals(totals)
        state.end(ending: ending, totals: final, at: now)
        encoder.jobEnded(ending: ending, totals: final, at: now)
        flush()
        metadata.state = JobRunState(rawValue: ending) ?? .failed
        metadata.succeeded = totals.succeeded
        metadata.failed = totals.failed
        metadata.statuses = final.statuses
        metadata.total = totals.total
        metadata.endedMicroseconds = now
        closeEverything(lingerMilliseconds: 500)
        ended = true
        writeMetadata()
    }

    public var pollItems: [PollItem] {
        guard let control else { return [] }
        return [PollItem(socket: control, events: .readable)]
    }

    public func handlePolled(_ items: ArraySlice<PollItem>) -> [ObserverRequest] {
        guard let control, let item = items.first, item.returnedEvents.contains(.readable) else { return [] }
        var requests: [ObserverRequest] = []
        for _ in 0..<32 {
            let message: [[UInt8]]?
            do {
                message = try control.receiveMultipart(dontWait: true)
            } catch {
                warn("control", "the control socket failed: \(error)")
                return requests
            }
            guard let frames = message, frames.count >= 2 else { break }
            let (reply, request) = answer(frames[frames.count - 1])
            if let request { requests.append(request) }
            _ = try? control.sendMultipart(Array(frames.dropLast()) + [reply.serialized], dontWait: true)
        }
        return requests
    }

    // MARK: - After the coordinator returns

    /// Records how the coordinator process is about to exit. A job that never started (its task file was rejected)
    /// is marked `rejected`, or, unless it was detached, its directory is removed: the user saw the problems.
    /// A job that started but did not end normally is marked `failed`.
    public func finish(exitStatus: Int32) {
        metadata.exitStatus = exitStatus
        if !started {
            if !metadata.detached {
                for name in FileText.names(in: directory.path) { unlink(directory.path + "/" + name) }
                rmdir(directory.path)
                return
            }
            metadata.state = exitStatus == 2 ? .rejected : .failed
            metadata.endedMicroseconds = Clocks.realTimeMicroseconds()
        } else if !ended {
            let now = Clocks.realTimeMicroseconds()
            let final = lastTotals ?? state.totals
            encoder.jobEnded(ending: "failed", totals: final, at: now)
            flush()
            closeEverything(lingerMilliseconds: 0)
            metadata.state = .failed
            metadata.endedMicroseconds = now
            ended = true
        }
        writeMetadata()
    }

    // MARK: - Internals

    private func answer(_ body: [UInt8]) -> (JSONValue, ObserverRequest?) {
        let request = (try? JSONParser.parse(body))?.objectValue?["request"]?.stringValue
        switch request {
        case "snapshot":
            flush()
            // The snapshot includes every event numbered so far; a follower resumes the stream after it.
            state.sequence = encoder.sequence
            return (state.snapshotJSON(nowMicroseconds: Clocks.realTimeMicroseconds()), nil)
        case "cancel":
            cancelRequests += 1
            let reply: JSONValue = .object(JSONObject([
                ("reply", "cancel"), ("cancel_requests", .number(JSONNumber(cancelRequests))),
            ]))
            return (reply, .interrupt)
        default:
            let message = "unknown request \(request.map { "\"\($0)\"" } ?? "(none)"); known: snapshot, cancel"
            return (.object(JSONObject([("reply", "error"), ("message", .string(message))])), nil)
        }
    }

    private func flush() {
        announceStarts()
        announceProgress()
        guard !encoder.buffer.isEmpty else { return }
        let lines = encoder.take()
        if logDescriptor >= 0, !FileText.writeAll(lines, to: logDescriptor) {
            warn("log", "cannot append to the event log \(directory.eventLogPath): \(FileText.lastErrorText())")
        }
        if let publisher {
            do {
                try publisher.send(lines, dontWait: true)
            } catch {
                warn("publish", "cannot publish events: \(error)")
            }
        }
    }

    /// Encodes `tasks_started` for the tasks started since the last flush that are still running, one event per
    /// worker and start time.
    private func announceStarts() {
        guard !unannouncedStarts.isEmpty else { return }
        var ids: [JSONValue] = []
        var current: UnannouncedStart?
        for start in unannouncedStarts where state.running[start.key]?.startedMicroseconds == start.time {
            if let batch = current, batch.worker != start.worker || batch.time != start.time {
                encoder.tasksStarted(ids, worker: batch.worker, at: batch.time)
                ids.removeAll(keepingCapacity: true)
            }
            current = start
            ids.append(start.id)
        }
        if let batch = current { encoder.tasksStarted(ids, worker: batch.worker, at: batch.time) }
        unannouncedStarts.removeAll(keepingCapacity: true)
    }

    /// Encodes the latest progress report of each task that reported since the last flush and still runs.
    private func announceProgress() {
        guard !progressOrder.isEmpty else { return }
        for key in progressOrder where state.running[key] != nil {
            guard let report = unannouncedProgress[key] else { continue }
            encoder.progress(id: report.id, worker: report.worker, permille: report.permille, message: report.message, at: report.time)
        }
        progressOrder.removeAll(keepingCapacity: true)
        unannouncedProgress.removeAll(keepingCapacity: true)
    }

    private func openSockets() {
        do {
            let socketDirectory = try makeSocketDirectory()
            self.socketDirectory = socketDirectory
            let context = try ZMQContext()
            self.context = context
            let publisher = try ZMQSocket(context: context, type: .pub)
            try publisher.setSendHighWaterMark(100_000)
            try publisher.bind("ipc://\(socketDirectory)/events")
            self.publisher = publisher
            let control = try ZMQSocket(context: context, type: .router)
            try control.setMaxMessageSize(1 << 16)
            try control.bind("ipc://\(socketDirectory)/control")
            self.control = control
            metadata.eventsEndpoint = "ipc://\(socketDirectory)/events"
            metadata.controlEndpoint = "ipc://\(socketDirectory)/control"
        } catch {
            warn("sockets", "the job cannot be watched live (jobrun tail and cancel will not reach it): \(error)")
            closeEverything(lingerMilliseconds: 0)
        }
    }

    private func makeSocketDirectory() throws -> String {
        if directory.socketPath("control") != nil { return directory.path }
        var template = Array("/tmp/jobrun-watch-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard created != nil else { throw MonitorError("cannot create a socket directory under /tmp: \(FileText.lastErrorText())") }
        privateSocketDirectory = true
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func closeEverything(lingerMilliseconds: Int32) {
        if let publisher {
            try? publisher.setLinger(milliseconds: lingerMilliseconds)
            publisher.close()
        }
        control?.close()
        publisher = nil
        control = nil
        context?.terminate()
        context = nil
        if let socketDirectory {
            unlink(socketDirectory + "/events")
            unlink(socketDirectory + "/control")
            if privateSocketDirectory { rmdir(socketDirectory) }
        }
        socketDirectory = nil
        metadata.eventsEndpoint = nil
        metadata.controlEndpoint = nil
        if logDescriptor >= 0 {
            // Not forced to disk: the results file is the job's record (and is synced); the log is for watching.
            close(logDescriptor)
            logDescriptor = -1
        }
    }

    private func writeMetadata() {
        lastMetadataAt = Clocks.monotonicNanoseconds()
        do {
            try metadata.write(to: directory)
        } catch {
            warn("metadata", "cannot update the job's metadata: \(error)")
        }
    }

    private func warn(_ topic: String, _ message: String) {
        guard warned.insert(topic).inserted else { return }
        FileText.standardError("jobrun: \(message)\n")
    }

    static func totals(_ totals: JobTotals) -> JobState.Totals {
        JobState.Totals(
            total: totals.total, succeeded: totals.succeeded, failed: totals.failed, workers: totals.workers,
            busyWorkers: totals.busyWorkers, elapsedMicroseconds: UInt64(max(totals.elapsedSeconds, 0) * 1e6),
            waiting: totals.waiting, statuses: totals.statuses
        )
    }
}
