import JobMonitor
import JSONValue
import Testing

@Suite("the event log reader")
struct EventLogReaderTests {
    @Test("corrupt lines are skipped with their line numbers; the rest is read")
    func corruptLines() {
        let scratch = ScratchDirectory()
        var encoder = EventEncoder()
        encoder.jobStarted(sampleInfo(), at: 1)
        encoder.taskFinished(finished(1), at: 2)
        var text = String(decoding: encoder.take(), as: UTF8.self)
        text += "garbage {\n\n"
        encoder.taskFinished(finished(2, status: "failed"), at: 3)
        text += String(decoding: encoder.take(), as: UTF8.self)
        text += #"{"seq":4,"t_us":5,"event":"task_finished"}"# + "\n"
        text += #"{"seq":5,"t_us":6,"event":"tot"#  // cut off mid-line
        scratch.write("events.ndjson", text)
        var reader = EventLogReader(path: scratch.file("events.ndjson"))
        var state = JobState()
        #expect(reader.forEach { event, _ in state.apply(event) })
        #expect(state.totals.recorded == 2)
        #expect(reader.problems.map(\.line) == [3, 6, 7])
        #expect(reader.problems[0].message.hasPrefix("not JSON: column"))
        #expect(reader.problems[1].message == #"field "id" is missing"#)
        #expect(reader.problems[2].message.contains("incomplete"))
        let warnings = reader.warnings(limit: 2)
        #expect(warnings.count == 3)
        #expect(warnings[0].hasPrefix("jobrun: warning: \(scratch.file("events.ndjson")):3: skipped a corrupt event line"))
        #expect(warnings[2].contains("1 more corrupt event lines skipped"))
    }

    @Test("a missing log is reported, not read")
    func missing() {
        var reader = EventLogReader(path: "/nonexistent/events.ndjson")
        #expect(!reader.forEach { _, _ in Issue.record("no events expected") })
    }
}
