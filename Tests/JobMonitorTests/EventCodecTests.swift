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
