import JobMonitor
import JSONValue
import Testing

@Suite("the tail frame")
struct FrameRendererTests {
    @Test("totals, worker rows, slowest running tasks and failures")
    func frame() {
        var state = JobStateTests.busyState()
        state.workerJoined(name: "w3", host: "build-8", at: 1_000_000_000)
        state.workerLost(name: "w3", reason: "stopped answering for 3000 ms", requeued: 2)
        let lines = FrameRenderer().lines(state, jobID: "20261122-003512-a3f9", status: "running", nowMicroseconds: 1_002_000_000)
        let text = lines.joined(separator: "\n")
        #expect(lines[0] == "job 20261122-003512-a3f9 (tasks.json): running, coordinator pid 4242 on build-7")
        #expect(lines[1].hasPrefix("  4/10 done, 1 failed, 2.0 tasks/s, 0:02 elapsed, ETA 0:03, 2/2 workers busy"))
        #expect(text.contains("w1          2       0  running 5 for 500 ms"))
        #expect(text.contains("w3          0       0  lost: stopped answering for 3000 ms (2 tasks requeued)"))
        #expect(text.contains("slowest running: 5 500 ms on w1; 6 500 ms on w2"))
        #expect(text.contains("3 on w2 after 1 s: command exited with status 1"))
        #expect(!text.contains("results in"))
    }

    @Test("many workers are grouped by host")
    func hosts() {
        var state = JobState()
        state.start(sampleInfo(total: 100))
        for index in 0..<20 { state.workerJoined(name: "h\(index % 2):\(index)", host: "h\(index % 2)", at: 0) }
        state.taskFinished(finished(1, worker: "h1:3"))
        var renderer = FrameRenderer()
        renderer.maxWorkerRows = 8
        let lines = renderer.lines(state, jobID: "j", status: "running", nowMicroseconds: 1_000_000_000)
        #expect(lines.contains { $0.hasPrefix("  host  workers") })
        #expect(lines.contains("  h1         10        1       0        0"))
        #expect(lines.count == 5)
    }
}
