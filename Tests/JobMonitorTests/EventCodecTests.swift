import Coordinator
import JobMonitor
import JSONValue
import Testing

@Suite("job events: encoding and decoding")
struct EventCodecTests {
    @Test("every kind survives a round trip, numbered from 1")
    func roundTrip() throws {
        var encoder = EventEncoder()
        let info = sampleInfo()
        encoder.jobStarted(info, at: info.startedMicroseconds)
        encoder.workerJoined(name: "build-7:1", host: "build-7", at: 2)
        encoder.tasksStarted([7, "x"], worker: "build-7:1", at: 3)
        let failure = finished("x", status: "failed", error: "exit \"3\"\nsee stderr")
        encoder.taskFinished(failure, at: 4)
        encoder.taskFinished(finished(7), at: 5)
        encoder.output(id: 7, stream: "stdout", line: "hello\tworld", at: 6)
        encoder.progress(id: 7, worker: "build-7:1", permille: 420, message: "page 3 of 7", at: 6)
        encoder.progress(id: "x", worker: "build-7:1", permille: nil, message: "thinking", at: 6)
        let totals = JobState.Totals(total: 10, succeeded: 1, failed: 1, workers: 2, busyWorkers: 1, elapsedMicroseconds: 1500)
        encoder.totals(totals, at: 7)
        encoder.workerLost(name: "build-7:1", reason: "exited with status 9", requeued: 3, at: 8)
        encoder.jobEnded(ending: "completed", totals: totals, at: 9)
        #expect(encoder.sequence == 11)
        let events = try decodeAll(encoder.take())
        #expect(encoder.buffer.isEmpty)
        #expect(events.map(\.sequence) == Array(1...11))
        #expect(events.map(\.event) == [
            .jobStarted(info),
            .workerJoined(name: "build-7:1", host: "build-7"),
            .tasksStarted(ids: [7, "x"], worker: "build-7:1"),
            .taskFinished(failure),
            .taskFinished(finished(7)),
            .output(id: 7, stream: "stdout", line: "hello\tworld"),
            .progress(id: 7, worker: "build-7:1", permille: 420, message: "page 3 of 7"),
            .progress(id: "x", worker: "build-7:1", permille: nil, message: "thinking"),
            .totals(totals),
            .workerLost(name: "build-7:1", reason: "exited with status 9", requeued: 3),
            .jobEnded(ending: "completed", totals: totals),
        ])
        #expect(events[1].timeMicroseconds == 2)
    }

    @Test("totals carry each status; a stderr tail rides on task_finished; logs without them still read")
    func statusesAndStderrTail() throws {
        var encoder = EventEncoder()
        let statuses = StatusCounts(ok: 3, failed: 1, timeout: 1, cancelled: 2, skipped: 1)
        let totals = JobState.Totals(
            total: 12, succeeded: 3, failed: 5, workers: 2, busyWorkers: 0, elapsedMicroseconds: 9, statuses: statuses)
        encoder.jobEnded(ending: "interrupted", totals: totals, at: 1)
        var failure = finished("x", status: "cancelled")
        failure.stderrTail = "killed \"here\""
        encoder.taskFinished(failure, at: 2)
        let events = try decodeAll(encoder.take())
        #expect(events.map(\.event) == [.jobEnded(ending: "interrupted", totals: totals), .taskFinished(failure)])
        #expect(totals.phrase(running: 0) == "3 ok, 1 failed, 1 timed out, 2 cancelled, 1 skipped, 4 not started")

        let old = #"{"seq":1,"t_us":1,"event":"totals","total":4,"succeeded":2,"failed":1,"workers":1,"busy":0,"elapsed_us":5}"#
        let decoded = try SequencedEvent(line: ArraySlice(old.utf8))
        guard case .totals(let read) = decoded.event else { Issue.record("not totals: \(decoded)"); return }
        #expect(read.statuses == StatusCounts(ok: 2, failed: 1))
        let broken = #"{"seq":1,"t_us":1,"event":"totals","total":4,"succeeded":2,"failed":1,"workers":1,"busy":0,"elapsed_us":5,"statuses":{"ok":-3}}"#
        guard case .totals(let repaired) = try SequencedEvent(line: ArraySlice(broken.utf8)).event else { return }
        #expect(repaired.statuses == StatusCounts(ok: 2, failed: 1), "a malformed statuses object falls back to the counts")

        var state = JobState()
        state.end(ending: "interrupted", totals: totals, at: 3)
        state.recentFailures = [failure]
        let snapshot = try JobState(snapshot: #require(state.snapshotJSON(nowMicroseconds: 4).objectValue))
        #expect(snapshot.totals.statuses == statuses)
        #expect(snapshot.recentFailures.first?.stderrTail == "killed \"here\"")
    }

    @Test("each event is one line of JSON with seq, t_us and event first")
    func lineShape() throws {
        var encoder = EventEncoder()
        encoder.taskFinished(finished("a\nb", status: "failed", error: "line 1\nline 2"), at: 1_795_000_000_000_000)
        let text = String(decoding: encoder.take(), as: UTF8.self)
        #expect(text.hasPrefix(#"{"seq":1,"t_us":1795000000000000,"event":"task_finished","id":"a\nb","#))
        #expect(text.filter { $0 == "\n" }.count == 1)
        #expect(text.hasSuffix("}\n"))
    }

    @Test("bad lines are reported with what is wrong; unknown kinds are kept as other")
    func badLines() throws {
        #expect(throws: MonitorError.self) { try SequencedEvent(line: Array("{\"seq\":1".utf8)[...]) }
        do {
            _ = try SequencedEvent(line: Array(#"{"seq":1,"t_us":2,"event":"worker_joined","host":"h"}"#.utf8)[...])
            Issue.record("expected an error")
        } catch {
            #expect(error.description == #"field "worker" is missing"#)
        }
        let future = try SequencedEvent(line: Array(#"{"seq":4,"t_us":2,"event":"gpu_load","load":0.5}"#.utf8)[...])
        #expect(future.event == .other(kind: "gpu_load"))
    }
}
