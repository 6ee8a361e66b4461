#if canImport(Glibc)
import Glibc
#endif
import Clock
@testable import Coordinator
import JobMonitor
import JSONValue
import TaskFile
import Testing
import ZeroMQ

@Suite("the coordinator's recorder: event log, publisher, control endpoint, metadata", .serialized)
struct RecorderTests {
    /// A recorder for a new job in `scratch`, started as the coordinator would start it.
    static func startedRecorder(_ scratch: ScratchDirectory, total: Int = 3) throws -> JobEventRecorder {
        let state = StateDirectory(path: scratch.file("jobs"))
        let directory = try state.createJob()
        let submission = JobSubmission(taskFile: "/data/t.json", outputPath: "/data/t.results.jsonl", settingsPath: nil, workers: 2, slots: 1)
        let recorder = try JobEventRecorder(directory: directory, metadata: submission.metadata(id: directory.id, detached: false))
        recorder.jobStarted(JobDescription(
            taskFilePath: "/data/t.json", outputPath: "/data/t.results.jsonl", totalTasks: total, workerCount: 2, coordinatorPID: getpid()
        ))
        return recorder
    }

    static func outcome(_ id: Int, status: String = "ok", worker: String = "h:1") -> RecordedOutcome {
        RecordedOutcome(
            id: TaskID(position: id), status: status, worker: worker, attempts: 1, startedAtMicroseconds: Clocks.realTimeMicroseconds(),
            durationMicroseconds: 1500, error: status == "ok" ? nil : "command exited with status 2"
        )
    }

    static func totals(succeeded: Int, failed: Int, total: Int = 3) -> JobTotals {
        JobTotals(total: total, succeeded: succeeded, failed: failed, workers: 2, busyWorkers: 1, elapsedSeconds: 0.5)
    }

    /// Serves the recorder's control socket, as the coordinator's loop does, until `done` or the deadline.
    static func serve(_ recorder: JobEventRecorder, until done: () throws -> Bool) throws -> [ObserverRequest] {
        let deadline = Clocks.monotonicNanoseconds() + 10_000_000_000
        var requests: [ObserverRequest] = []
        while Clocks.monotonicNanoseconds() < deadline {
            if try done() { return requests }
            var items = recorder.pollItems
            _ = try zmqPoll(&items, timeoutMilliseconds: 20)
            requests += recorder.handlePolled(items[...])
        }
        Issue.record("timed out serving the control socket")
        return requests
    }

    @Test("the metadata says running with reachable endpoints; snapshot and cancel are answered")
    func controlEndpoint() throws {
        let scratch = ScratchDirectory()
        let recorder = try Self.startedRecorder(scratch)
        let metadata = try JobMetadata.read(from: recorder.directory)
        #expect(metadata.state == .running)
        #expect(metadata.pid == getpid())
        #expect(metadata.total == 3)
        let endpoint = try #require(metadata.controlEndpoint)
        #expect(endpoint == "ipc://\(recorder.directory.path)/control")
        recorder.workerJoined(name: "h:1", host: "h")
        recorder.tasksStarted([TaskID(position: 0), TaskID(position: 1)], worker: "h:1")
        recorder.taskFinished(Self.outcome(0))

        let context = try ZMQContext()
        defer { context.terminate() }
        let client = try ZMQSocket(context: context, type: .dealer)
        defer { client.close() }
        try client.connect(endpoint)
        try client.send(Array(#"{"request":"snapshot"}"#.utf8))
        var reply: [UInt8]?
        _ = try Self.serve(recorder) {
            reply = try client.receive(dontWait: true)
            return reply != nil
        }
        let replyBytes = try #require(reply)
        let replyObject = try #require(try JSONParser.parse(replyBytes).objectValue)
        let snapshot = try JobState(snapshot: replyObject)
        #expect(snapshot.totals.succeeded == 1)
        #expect(Set(snapshot.running.keys) == ["1"])
        #expect(snapshot.workers.map(\.name) == ["h:1"])
        #expect(snapshot.sequence == 4)  // job_started, worker_joined, tasks_started, task_finished

        try client.send(Array(#"{"request":"cancel"}"#.utf8))
        reply = nil
        let requests = try Self.serve(recorder) {
            reply = try client.receive(dontWait: true)
            return reply != nil
        }
        #expect(requests == [.interrupt])
        let cancelReply = try #require(reply)
        #expect(try JSONParser.parse(cancelReply).objectValue?["reply"] == "cancel")

        try client.send(Array(#"{"request":"reboot"}"#.utf8))
        reply = nil
        _ = try Self.serve(recorder) {
            reply = try client.receive(dontWait: true)
            return reply != nil
        }
        let errorReply = try #require(reply)
        #expect(try JSONParser.parse(errorReply).objectValue?["reply"] == "error")
        recorder.jobEnded(Self.totals(succeeded: 1, failed: 0), ending: "interrupted")
    }

    @Test("events are published and logged in order; the end is recorded and the sockets removed")
    func publishAndEnd() throws {
        let scratch = ScratchDirectory()
        let recorder = try Self.startedRecorder(scratch, total: 1000)
        let metadata = try JobMetadata.read(from: recorder.directory)
        let context = try ZMQContext()
        defer { context.terminate() }
        let subscriber = try ZMQSocket(context: context, type: .sub)
        defer { subscriber.close() }
        try subscriber.subscribe([])
        try subscriber.connect(try #require(metadata.eventsEndpoint))
        // A subscriber misses what is published before its subscription arrives: publish until one chunk gets through.
        var received: [SequencedEvent] = []
        var next = 0
        let deadline = Clocks.monotonicNanoseconds() + 10_000_000_000
        while received.isEmpty, Clocks.monotonicNanoseconds() < deadline {
            recorder.taskFinished(Self.outcome(next, status: next % 7 == 3 ? "failed" : "ok"))
            next += 1
            recorder.totalsChanged(Self.totals(succeeded: next, failed: 0, total: 1000))
            var items = [PollItem(socket: subscriber, events: .readable)]
            _ = try zmqPoll(&items, timeoutMilliseconds: 10)
            while let chunk = try subscriber.receive(dontWait: true) { received += try decodeAll(chunk) }
        }
        #expect(!received.isEmpty)
        // Consecutive numbers within and across chunks from here on.
        for _ in 0..<5 {
            recorder.taskFinished(Self.outcome(next))
            next += 1
            recorder.totalsChanged(Self.totals(succeeded: next, failed: 0, total: 1000))
        }
        recorder.jobEnded(Self.totals(succeeded: next - 1, failed: 1, total: 1000), ending: "completed")
        let endDeadline = Clocks.monotonicNanoseconds() + 10_000_000_000
        while received.last.map({ if case .jobEnded = $0.event { false } else { true } }) ?? true,
            Clocks.monotonicNanoseconds() < endDeadline
        {
            var items = [PollItem(socket: subscriber, events: .readable)]
            _ = try zmqPoll(&items, timeoutMilliseconds: 50)
            while let chunk = try subscriber.receive(dontWait: true) { received += try decodeAll(chunk) }
        }
        let sequences = received.map(\.sequence)
        #expect(sequences == Array(sequences[0]...(sequences[0] + sequences.count - 1)))
        #expect(received.last?.event == .jobEnded(ending: "completed", totals: JobState.Totals(
            total: 1000, succeeded: next - 1, failed: 1, workers: 2, busyWorkers: 1, elapsedMicroseconds: 500_000
        )))

        // The log holds every event, numbered from 1, and replays to the final counts.
        var reader = EventLogReader(path: recorder.directory.eventLogPath)
        var replayed = JobState()
        var logged: [Int] = []
        let found = reader.forEach { event, _ in
            logged.append(event.sequence)
            replayed.apply(event)
        }
        #expect(found)
        #expect(logged == Array(1...logged.count))
        #expect(reader.problems.isEmpty)
        #expect(replayed.durationCount == next)
        #expect(replayed.ending == "completed")
        let final = try JobMetadata.read(from: recorder.directory)
        #expect(final.state == .completed)
        #expect(final.controlEndpoint == nil)
        #expect(final.endedMicroseconds != nil)
        #expect(!FileText.exists(recorder.directory.path + "/control"))
        #expect(!FileText.exists(recorder.directory.path + "/events"))
        recorder.finish(exitStatus: 1)
        #expect(try JobMetadata.read(from: recorder.directory).exitStatus == 1)
    }

    @Test("tasks that finish before the next flush get no tasks_started event; the others do, with their start time")
    func startsAnnouncedAtFlush() throws {
        let scratch = ScratchDirectory()
        let recorder = try Self.startedRecorder(scratch)
        recorder.workerJoined(name: "h:1", host: "h")
        recorder.tasksStarted([TaskID(position: 0), TaskID(position: 1)], worker: "h:1")
        recorder.tasksStarted([TaskID(position: 2)], worker: "h:2")
        recorder.taskFinished(Self.outcome(0))
        recorder.totalsChanged(Self.totals(succeeded: 1, failed: 0))
        recorder.taskFinished(Self.outcome(1))
        recorder.taskFinished(Self.outcome(2))
        recorder.jobEnded(Self.totals(succeeded: 3, failed: 0), ending: "completed")
        var reader = EventLogReader(path: recorder.directory.eventLogPath)
        var events: [JobEvent] = []
        _ = reader.forEach { event, _ in events.append(event.event) }
        let starts = events.compactMap { event -> [JSONValue]? in
            if case .tasksStarted(let ids, _) = event { return ids }
            return nil
        }
        #expect(starts == [[1], [2]])
        #expect(!events.contains { if case .progress = $0 { true } else { false } })
        #expect(events.filter { if case .taskFinished = $0 { true } else { false } }.count == 3)
    }

    @Test("progress reports: the latest per task and tick is logged, for tasks still running, and shows in snapshots")
    func progress() throws {
        let scratch = ScratchDirectory()
        let recorder = try Self.startedRecorder(scratch)
        recorder.workerJoined(name: "h:1", host: "h")
        recorder.tasksStarted([TaskID(position: 0), TaskID(position: 1)], worker: "h:1")
        recorder.taskProgress(TaskID(position: 1), worker: "h:1", permille: 100, message: "starting")
        recorder.taskProgress(TaskID(position: 0), worker: "h:1", permille: nil, message: "gone soon")
        recorder.taskProgress(TaskID(position: 1), worker: "h:1", permille: 500, message: "halfway")
        recorder.taskFinished(Self.outcome(0))
        recorder.totalsChanged(Self.totals(succeeded: 1, failed: 0))
        recorder.jobEnded(Self.totals(succeeded: 1, failed: 0), ending: "interrupted")
        var reader = EventLogReader(path: recorder.directory.eventLogPath)
        var progress: [JobEvent] = []
        var state = JobState()
        _ = reader.forEach { event, _ in
            if case .progress = event.event { progress.append(event.event) }
            if case .jobEnded = event.event { return }
            state.apply(event)
        }
        #expect(progress == [.progress(id: 1, worker: "h:1", permille: 500, message: "halfway")])
        #expect(state.running["1"]?.progressPermille == 500)
        #expect(state.running["1"]?.progressMessage == "halfway")
        let copy = try JobState(snapshot: try #require(state.snapshotJSON(nowMicroseconds: 0).objectValue))
        #expect(copy.running == state.running)
        let frame = FrameRenderer().lines(state, jobID: "j", status: "running", nowMicroseconds: state.lastEventMicroseconds)
        #expect(frame.contains { $0.contains("running 1 for") && $0.contains("(50%: halfway)") })
    }

    @Test("streamed output lines are logged in order after their task's start, a cut line marked; job.json says the job streams")
    func streamedOutput() throws {
        let scratch = ScratchDirectory()
        let state = StateDirectory(path: scratch.file("jobs"))
        let directory = try state.createJob()
        let submission = JobSubmission(
            taskFile: "/data/t.json", outputPath: "/data/t.results.jsonl", settingsPath: nil, workers: 1, slots: 1, streamOutput: true)
        let recorder = try JobEventRecorder(directory: directory, metadata: submission.metadata(id: directory.id, detached: false))
        #expect(try JobMetadata.read(from: directory).streamOutput)
        recorder.jobStarted(JobDescription(
            taskFilePath: "/data/t.json", outputPath: "/data/t.results.jsonl", totalTasks: 1, workerCount: 1, coordinatorPID: getpid()))
        recorder.tasksStarted([TaskID(position: 0)], worker: "h:1")
        recorder.taskOutput(TaskID(position: 0), stream: "stdout", line: "one", cut: false)
        recorder.taskOutput(TaskID(position: 0), stream: "stderr", line: "long", cut: true)
        recorder.taskOutput(TaskID(position: 0), stream: "stderr", line: "rest", cut: false)
        recorder.taskFinished(Self.outcome(0))
        recorder.jobEnded(Self.totals(succeeded: 1, failed: 0, total: 1), ending: "completed")
        var reader = EventLogReader(path: directory.eventLogPath)
        var events: [JobEvent] = []
        var lines: [String] = []
        _ = reader.forEach { event, line in
            events.append(event.event)
            if case .output = event.event { lines.append(String(decoding: line, as: UTF8.self)) }
        }
        let kinds = events.map { event -> String in
            switch event {
            case .tasksStarted: "started"
            case .output(_, let stream, let line): "\(stream):\(line)"
            case .taskFinished: "finished"
            default: "-"
            }
        }.filter { $0 != "-" }
        #expect(kinds == ["started", "stdout:one", "stderr:long", "stderr:rest", "finished"])
        #expect(lines[0].hasSuffix(#""id":0,"stream":"stdout","line":"one"}"#))
        #expect(lines[1].hasSuffix(#""line":"long","cut":true}"#))
        #expect(!lines[2].contains("cut"))
    }

    @Test("progress reported in a later tick, with no task starting then, is logged too")
    func laterProgress() throws {
        let scratch = ScratchDirectory()
        let recorder = try Self.startedRecorder(scratch)
        recorder.tasksStarted([TaskID(position: 0)], worker: "h:1")
        recorder.totalsChanged(Self.totals(succeeded: 0, failed: 0))
        recorder.taskProgress(TaskID(position: 0), worker: "h:1", permille: 700, message: "later")
        recorder.totalsChanged(Self.totals(succeeded: 0, failed: 0))
        recorder.jobEnded(Self.totals(succeeded: 0, failed: 0), ending: "interrupted")
        var reader = EventLogReader(path: recorder.directory.eventLogPath)
        var progress: [JobEvent] = []
        _ = reader.forEach { event, _ in if case .progress = event.event { progress.append(event.event) } }
        #expect(progress == [.progress(id: 0, worker: "h:1", permille: 700, message: "later")])
    }

    @Test("a foreground job rejected before it started leaves no directory; a detached one is marked rejected")
    func rejected() throws {
        let scratch = ScratchDirectory()
        let state = StateDirectory(path: scratch.file("jobs"))
        let submission = JobSubmission(taskFile: "t.json", outputPath: "o", settingsPath: nil, workers: 1, slots: 1)
        let foreground = try state.createJob()
        try JobEventRecorder(directory: foreground, metadata: submission.metadata(id: foreground.id, detached: false)).finish(exitStatus: 2)
        #expect(!FileText.exists(foreground.path))
        let detached = try state.createJob()
        try JobEventRecorder(directory: detached, metadata: submission.metadata(id: detached.id, detached: true)).finish(exitStatus: 2)
        #expect(try JobMetadata.read(from: detached).state == .rejected)
    }

    @Test("a coordinator failure after the start ends the log with a failed event")
    func failedRun() throws {
        let scratch = ScratchDirectory()
        let recorder = try Self.startedRecorder(scratch)
        recorder.taskFinished(Self.outcome(0))
        recorder.finish(exitStatus: 1)
        var reader = EventLogReader(path: recorder.directory.eventLogPath)
        var last: SequencedEvent?
        _ = reader.forEach { event, _ in last = event }
        if case .jobEnded(let ending, _)? = last?.event { #expect(ending == "failed") } else { Issue.record("no job_ended event") }
        #expect(try JobMetadata.read(from: recorder.directory).state == .failed)
    }
}
