import JobMonitor
import JSONValue
import Testing

@Suite("job state: folding events, snapshots, progress")
struct JobStateTests {
    /// A job of 10 tasks on two workers: 4 finished (one failed), 2 running.
    static func busyState() -> JobState {
        var state = JobState()
        state.start(sampleInfo(total: 10))
        state.workerJoined(name: "w1", host: "build-7", at: 1_000_000_000)
        state.workerJoined(name: "w2", host: "build-7", at: 1_000_000_100)
        state.tasksStarted([1, 2], worker: "w1", at: 1_000_000_000)
        state.tasksStarted(["3"], worker: "w2", at: 1_000_000_000)
        state.taskFinished(finished(1, worker: "w1"))
        state.taskFinished(finished("2", worker: "w1"))  // the same task as integer 2
        state.taskFinished(finished(3, status: "failed", worker: "w2"))
        state.taskFinished(finished(4, worker: "w2"))
        state.tasksStarted([5], worker: "w1", at: 1_001_500_000)
        state.tasksStarted([6], worker: "w2", at: 1_001_500_000)
        state.update(JobState.Totals(total: 10, succeeded: 3, failed: 1, workers: 2, busyWorkers: 2, elapsedMicroseconds: 2_000_000), at: 1_002_000_000)
        return state
    }

    @Test("counts, worker rows and running tasks follow the events; 1 and \"1\" are one task")
    func fold() {
        let state = Self.busyState()
        #expect(state.totals.recorded == 4)
        #expect(state.workers.map(\.name) == ["w1", "w2"])
        #expect(state.worker(named: "w1")?.done == 2)
        #expect(state.worker(named: "w2")?.failed == 1)
        #expect(Set(state.running.keys) == ["5", "6"])
        #expect(state.recentFailures.map { DisplayFormat.taskID($0.id) } == ["3"])
        #expect(state.durationCount == 4)
    }

    @Test("a lost worker's running tasks stop running; the end clears the rest")
    func lossAndEnd() {
        var state = Self.busyState()
        state.workerLost(name: "w2", reason: "exited with status 9", requeued: 1)
        #expect(Set(state.running.keys) == ["5"])
        #expect(state.worker(named: "w2")?.lostReason == "exited with status 9")
        let final = JobState.Totals(total: 10, succeeded: 9, failed: 1, workers: 1, busyWorkers: 0, elapsedMicroseconds: 5_000_000)
        state.end(ending: "completed", totals: final, at: 1_005_000_000)
        #expect(state.running.isEmpty)
        #expect(state.totals == final)
        #expect(state.ending == "completed")
    }

    @Test("only the latest failures are kept, but all are counted")
    func failureCap() {
        var state = JobState()
        state.failureLimit = 3
        for index in 0..<10 { state.taskFinished(finished(.number(JSONNumber(index)), status: "failed")) }
        #expect(state.recentFailures.map { DisplayFormat.taskID($0.id) } == ["7", "8", "9"])
        #expect(state.totals.failed == 10)
    }

    @Test("a snapshot rebuilds the same state")
    func snapshotRoundTrip() throws {
        let state = Self.busyState()
        let json = state.snapshotJSON(nowMicroseconds: 1_002_100_000)
        let copy = try JobState(snapshot: try #require(json.objectValue))
        #expect(copy.info == state.info)
        #expect(copy.totals == state.totals)
        #expect(copy.totalsMicroseconds == state.totalsMicroseconds)
        #expect(copy.workers == state.workers)
        #expect(copy.running == state.running)
        #expect(copy.recentFailures == state.recentFailures)
        #expect(copy.durationSumMicroseconds == state.durationSumMicroseconds)
        #expect(copy.durationCount == state.durationCount)
        #expect(copy.sequence == state.sequence)
        // Reparsed from text, as a client receives it.
        let parsed = try JobState(snapshot: try #require(try JSONParser.parse(json.text).objectValue))
        #expect(parsed.workers == state.workers)
    }

    @Test("the ETA weighs durations: unstarted tasks at the mean plus what running tasks have left")
    func eta() throws {
        let state = Self.busyState()
        // Mean 1 s; 4 unstarted; two running for 0.5 s of their expected 1 s; 4 s busy in 2 s elapsed: parallelism 2.
        let progress = JobProgress(state, nowMicroseconds: 1_002_000_000)
        let eta = try #require(progress.estimatedSecondsLeft)
        #expect(abs(eta - (4 * 1.0 + 2 * 0.5) / 2) < 0.001)
        #expect(abs(progress.elapsedSeconds - 2) < 0.001)
        #expect(abs(progress.rate - 2) < 0.001)
        // Half a second later the elapsed time moves on without new totals.
        #expect(abs(JobProgress(state, nowMicroseconds: 1_002_500_000).elapsedSeconds - 2.5) < 0.001)
    }

    @Test("no ETA before the first result; none once the job ended")
    func etaEdges() {
        var state = JobState()
        state.start(sampleInfo())
        #expect(JobProgress(state, nowMicroseconds: 1_001_000_000).estimatedSecondsLeft == nil)
        state.end(ending: "interrupted", totals: state.totals, at: 1_002_000_000)
        #expect(JobProgress(state, nowMicroseconds: 1_003_000_000).estimatedSecondsLeft == nil)
    }
}
