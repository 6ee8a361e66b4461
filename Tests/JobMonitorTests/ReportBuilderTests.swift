import JobMonitor
import JSONValue
import Testing

@Suite("the HTML report")
struct ReportBuilderTests {
    /// The text from `start` to the next `</svg>`.
    func section(_ html: String, _ start: String) -> Substring {
        guard let from = html.firstRange(of: start), let to = html[from.upperBound...].firstRange(of: "</svg>") else { return "" }
        return html[from.lowerBound..<to.upperBound]
    }

    static func state(tasks: Int, failing: Set<Int> = [3]) -> JobState {
        var state = JobState(keepFinishedTasks: true)
        state.start(sampleInfo(total: tasks))
        state.workerJoined(name: "w1", host: "h", at: 1_000_000_000)
        state.workerJoined(name: "w2", host: "h", at: 1_000_000_000)
        for index in 0..<tasks {
            let failed = failing.contains(index)
            state.taskFinished(finished(
                .number(JSONNumber(index)), status: failed ? "failed" : "ok", worker: index % 2 == 0 ? "w1" : "w2",
                started: 1_000_000_000 + Int64(index / 2) * 10_000, duration: UInt64(1000 + index * 37),
                error: failed ? "<script>alert(1)</script> & exit 3" : nil
            ))
        }
        state.workerLost(name: "w2", reason: "exited with status 9", requeued: 0)
        state.end(ending: "completed", totals: JobState.Totals(
            total: tasks, succeeded: tasks - failing.count, failed: failing.count, workers: 1, busyWorkers: 0,
            elapsedMicroseconds: 1_000_000
        ), at: 1_001_000_000)
        return state
    }

    @Test("a bar per task with its id, a histogram, the workers and the failures, all inline and escaped")
    func page() {
        let html = ReportBuilder(state: Self.state(tasks: 40), jobID: "20261122-003512-a3f9", displayState: "completed", metadata: nil).html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>\n"))
        #expect(html.contains("<title>jobrun report: 20261122-003512-a3f9</title>"))
        #expect(html.contains("40 of 40 done: 39 ok, 1 failed"))
        let timeline = section(html, "<svg class=\"timeline\"")
        #expect(timeline.ranges(of: "<rect ").count == 40)
        #expect(timeline.ranges(of: "<rect class=\"failed\"").count == 1)
        #expect(timeline.contains("<title>task 0: ok, 1 ms</title>"))
        #expect(timeline.contains(">w2 (lost)</text>"))
        #expect(html.contains("<svg class=\"histogram\""))
        #expect(html.contains("<table class=\"list failures\">"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; exit 3"))
        #expect(!html.contains("<script"))
        // Self-contained: nothing is fetched.
        for reference in ["http:", "https:", "src=", "href=", "@import", "url("] { #expect(!html.contains(reference)) }
    }

    @Test("past the bar limit the timeline draws busy blocks, one per pixel column at most")
    func aggregated() {
        var report = ReportBuilder(state: Self.state(tasks: 3000, failing: [5, 2000]), jobID: "j", displayState: "completed", metadata: nil)
        report.maxBars = 1000
        let html = report.html()
        let timeline = section(html, "<svg class=\"timeline\"")
        let blocks = timeline.ranges(of: "<rect ").count
        #expect(blocks > 0 && blocks <= 2 * 900)
        #expect(timeline.contains("<rect class=\"failed\""))
        #expect(html.contains("3000 tasks: each pixel column shows how busy a worker was"))
    }

    @Test("a job without finished tasks still makes a page")
    func empty() {
        var state = JobState(keepFinishedTasks: true)
        state.start(sampleInfo())
        let html = ReportBuilder(state: state, jobID: "j", displayState: "died", metadata: nil).html()
        #expect(html.contains("No worker ran a task."))
        #expect(html.contains("No task finished."))
        #expect(html.contains("No task failed."))
    }

    @Test("time axis ticks are round numbers")
    func ticks() {
        let html = ReportBuilder(state: Self.state(tasks: 4), jobID: "j", displayState: "completed", metadata: nil).html()
        #expect(html.contains(">0</text>"))
        #expect(html.contains(">200 ms</text>"))
    }
}
