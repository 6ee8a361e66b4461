#if canImport(Glibc)
import Glibc
#endif
import Clock
import Coordinator
import JSONValue

/// What `jobrun tail` shows.
public struct TailOptions: Sendable {
    /// Print one frame and exit.
    public var once = false
    /// Also print the tasks' output lines, tagged by task id.
    public var output = false
    /// Print the raw events, one JSON object a line, instead of frames.
    public var json = false
    /// Redraw the frame in place; `nil` decides by whether standard output is a terminal.
    public var interactive: Bool?

    /// The defaults: live frames, no output lines.
    public init() {}
}

/// `jobrun tail`: follows a running job live, or replays a finished one (or one whose coordinator died) from its
/// event log.
///
/// Live, it first asks the coordinator for a snapshot, so the first frame is already right, then applies the
/// published events after it; a gap in their numbers (events a late subscriber missed) brings a fresh snapshot,
/// and the event log supplies what the gap held (with `--json` every event, with `--output` the tasks' lines; on
/// joining, `--output` also shows the last `recentOutputLines` lines already written). It ends when the job ends.
/// Threads: runs on the calling thread. Messages go to standard output, warnings and errors to standard error.
public final class TailSession {
    private let record: JobRecord
    private let options: TailOptions
    private let renderer = FrameRenderer()
    private let frame: TerminalFrame
    /// Task output lines written before a live `--output` view joined that it shows first.
    static let recentOutputLines = 20

    /// A session for `record`.
    public init(record: JobRecord, options: TailOptions) {
        self.record = record
        self.options = options
        let interactive = options.interactive ?? (isatty(1) != 0)
        frame = TerminalFrame(interactive: interactive && !options.once && !options.json)
    }

    /// Shows the job and returns the exit status: 0 when it was shown, 1 when it could not be.
    public func run() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        guard let metadata = record.metadata else {
            FileText.standardError("jobrun: job \(record.id) cannot be shown: \(record.metadataProblem ?? "its job.json is missing")\n")
            return 1
        }
        var current = record
        if metadata.state == .starting, current.isLive {
            if options.once {
                frame.show(["job \(record.id) (\(metadata.name)): starting (the coordinator is checking the task file)"])
                return 0
            }
            current = waitUntilStarted(current)
        }
        if current.isLive, let events = current.metadata?.eventsEndpoint, let control = current.metadata?.controlEndpoint {
            return follow(current, eventsEndpoint: events, controlEndpoint: control)
        }
        return replay(JobRecord(directory: current.directory))
    }

    // MARK: - Live

    private func waitUntilStarted(_ record: JobRecord) -> JobRecord {
        var current = record
        while current.metadata?.state == .starting, current.coordinatorAlive {
            usleep(100_000)
            current = JobRecord(directory: record.directory)
        }
        return current
    }

    private func follow(_ record: JobRecord, eventsEndpoint: String, controlEndpoint: String) -> Int32 {
        let stream: EventStream
        var state: JobState
        do {
            stream = try EventStream(eventsEndpoint: eventsEndpoint, controlEndpoint: controlEndpoint)
            let (snapshot, reply) = try stream.snapshot(timeoutMilliseconds: 3000)
            state = snapshot
            if options.json { frame.message(JSONValue.object(reply).text) }
        } catch {
            let again = JobRecord(directory: record.directory)
            if !again.isLive { return replay(again) }
            FileText.standardError("jobrun: job \(record.id) is running (pid \(record.metadata?.pid ?? 0)) but cannot be followed: \(error)\n")
            return 1
        }
        defer { stream.close() }
        if options.once {
            frame.show(renderer.lines(state, jobID: record.id, status: "running", nowMicroseconds: Clocks.realTimeMicroseconds()))
            return 0
        }
        // Events the stream cannot bring (those before the first snapshot, those a gap skipped) come from the log.
        var log = EventLogCursor(path: record.directory.eventLogPath)
        if options.output, !options.json, record.metadata?.streamOutput == true {
            for line in log.catchUp(after: 0, upTo: state.sequence, output: true, keepingLast: Self.recentOutputLines) {
                frame.message(line)
            }
        }
        // A job that streams output shows it as `output` events; otherwise its results file has it.
        var outputs: ResultOutputFollower?
        if options.output, record.metadata?.streamOutput != true, let results = record.metadata?.resultsPath {
            if results == "-" {
                frame.message("jobrun: the results go to the coordinator's standard output (\(record.directory.coordinatorLogPath)); no task output to show")
            } else {
                outputs = try? ResultOutputFollower(path: results, fromEnd: true)
            }
        }
        var lastDraw: UInt64 = 0
        var lastPlain: UInt64 = Clocks.monotonicNanoseconds()
        var lastLiveness: UInt64 = Clocks.monotonicNanoseconds()
        if !options.json { draw(state, status: "running") }
        while frame.isOpen {
            let chunks: [[UInt8]]
            do {
                chunks = try stream.receive(timeoutMilliseconds: 200)
            } catch {
                FileText.standardError("jobrun: \(error)\n")
                return 1
            }
            var needSnapshot = false
            for chunk in chunks where !needSnapshot {
                for line in chunk.split(separator: UInt8(ascii: "\n")) {
                    guard let event = try? SequencedEvent(line: line) else { continue }
                    if event.sequence <= state.sequence { continue }
                    if event.sequence > state.sequence + 1 {
                        needSnapshot = true
                        break
                    }
                    state.apply(event)
                    show(event, line: line)
                }
            }
            if needSnapshot {
                do {
                    let (snapshot, reply) = try stream.snapshot(timeoutMilliseconds: 3000)
                    if options.json || options.output {
                        for line in log.catchUp(after: state.sequence, upTo: snapshot.sequence, output: !options.json) {
                            frame.message(line)
                        }
                    }
                    state = snapshot
                    if options.json { frame.message(JSONValue.object(reply).text) }
                } catch {
                    // The coordinator may have just ended; the liveness check below decides.
                    lastLiveness = 0
                }
            }
            if let outputs, !options.json {
                for line in outputs.newLines() { frame.message(line) }
            }
            if state.ending != nil { break }
            let now = Clocks.monotonicNanoseconds()
            if now &- lastLiveness >= 1_000_000_000 {
                lastLiveness = now
                let again = JobRecord(directory: record.directory)
                if !again.isLive {
                    frame.keep()
                    return replay(again, shownUpTo: state.sequence)
                }
            }
            if !options.json {
                if frame.interactive, now &- lastDraw >= 100_000_000 {
                    lastDraw = now
                    draw(state, status: "running")
                } else if !frame.interactive, now &- lastPlain >= 5_000_000_000 {
                    lastPlain = now
                    frame.message(renderer.progressLine(state, nowMicroseconds: Clocks.realTimeMicroseconds()))
                }
            }
        }
        if let outputs, !options.json {
            for line in outputs.newLines() { frame.message(line) }
        }
        if !options.json { draw(state, status: state.ending ?? "running") }
        frame.keep()
        return 0
    }

    private func show(_ event: SequencedEvent, line: ArraySlice<UInt8>) {
        if options.json {
            frame.message(String(decoding: line, as: UTF8.self))
            return
        }
        switch event.event {
        case .taskFinished(let task) where !task.succeeded:
            frame.message("\(task.status): " + FrameRenderer.failureLine(task, showingStatus: false))
        case .workerLost(let name, let reason, let requeued):
            frame.message("worker \(name) lost: \(reason); \(requeued) of its tasks went back to the queue")
        case .output(let id, let stream, let text) where options.output:
            frame.message(TaggedLine.text(text, id: DisplayFormat.taskID(id), stderr: stream == "stderr"))
        default:
            break
        }
    }

    private func draw(_ state: JobState, status: String) {
        frame.show(renderer.lines(state, jobID: record.id, status: status, nowMicroseconds: Clocks.realTimeMicroseconds()))
    }

    // MARK: - Replay

    /// Shows a job that is not running from its event log. `shownUpTo`: the last event a live view already handled,
    /// when it hands over; events up to it are not printed again, nor is output from the results file.
    private func replay(_ record: JobRecord, shownUpTo: Int? = nil) -> Int32 {
        guard let metadata = record.metadata else {
            FileText.standardError("jobrun: job \(record.id) cannot be shown: \(record.metadataProblem ?? "its job.json is missing")\n")
            return 1
        }
        var state = JobState()
        var reader = EventLogReader(path: record.directory.eventLogPath)
        let found = reader.forEach { event, line in
            state.apply(event)
            guard event.sequence > (shownUpTo ?? 0) else { return }
            if options.json {
                frame.message(String(decoding: line, as: UTF8.self))
            } else if options.output, case .output(let id, let stream, let text) = event.event {
                frame.message(TaggedLine.text(text, id: DisplayFormat.taskID(id), stderr: stream == "stderr"))
            }
        }
        for warning in reader.warnings() { FileText.standardError(warning + "\n") }
        if options.json { return 0 }
        if options.output, !metadata.streamOutput, metadata.resultsPath != "-", shownUpTo == nil,
            let outputs = try? ResultOutputFollower(path: metadata.resultsPath, fromEnd: false)
        {
            for line in outputs.newLines(limitBytes: Int.max) { frame.message(line) }
        }
        if !found {
            var lines = ["job \(record.id) (\(metadata.name)): \(record.displayState)"]
            switch metadata.state {
            case .rejected:
                lines.append("  nothing ran: the task file or the options had problems; see \(record.directory.coordinatorLogPath)")
            case .starting where record.coordinatorDied:
                lines.append("  the coordinator (pid \(metadata.pid)) died before any task ran; see \(record.directory.coordinatorLogPath)")
            default:
                lines.append("  no event log at \(record.directory.eventLogPath)")
            }
            frame.show(lines)
            return 0
        }
        if state.info == nil {
            state.start(JobState.Info(
                jobID: record.id, name: metadata.name, taskFile: metadata.taskFile, resultsPath: metadata.resultsPath,
                total: metadata.total, workers: metadata.workers, slots: metadata.slots, pid: metadata.pid,
                host: metadata.host, startedMicroseconds: metadata.startedMicroseconds ?? metadata.createdMicroseconds
            ))
        }
        let status = record.displayState
        if record.coordinatorDied {
            // No more time passes for a dead job: measure up to its last event.
            state.totals.elapsedMicroseconds = UInt64(max(state.lastEventMicroseconds - (state.info?.startedMicroseconds ?? 0), 0))
            state.totalsMicroseconds = state.lastEventMicroseconds
            state.ending = "died"
            state.running.removeAll()
        }
        var lines = renderer.lines(state, jobID: record.id, status: status, nowMicroseconds: state.lastEventMicroseconds)
        if record.coordinatorDied {
            lines.append(
                "  the coordinator (pid \(metadata.pid)) died without ending the job; shown as of its last event at "
                    + Clocks.rfc3339(microseconds: state.lastEventMicroseconds)
            )
        }
        frame.show(lines)
        return 0
    }
}
