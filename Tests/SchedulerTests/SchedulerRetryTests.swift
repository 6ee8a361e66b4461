import Scheduler
import Testing

@Suite("Scheduler: retries and poison tasks")
struct SchedulerRetryTests {
    static let configuration = SchedulerState.Configuration(
        poisonLimit: 3, retryBackoffMilliseconds: 1000, retryBackoffMaxMilliseconds: 4000)

    @Test("a retryable failure is retried after a backoff with jitter, then recorded when retries run out")
    func retriesThenRecords() {
        var harness = SchedulerHarness(tasks: 1, retries: 2, configuration: Self.configuration)
        harness.send(.tick)
        var sent = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        for retry in 1...2 {
            let failed = harness.finish(sent, by: 1, succeeded: false)
            guard case .retry(1, 0, retry, let delay)? = failed.first else {
                Issue.record("expected retry \(retry), got \(failed)")
                return
            }
            let base = 1000 << (retry - 1)
            #expect(delay >= base / 2 && delay <= base, "delay \(delay) for retry \(retry)")
            // Not before the delay is over.
            harness.advance(milliseconds: delay - 1)
            #expect(SchedulerHarness.dispatched(harness.send(.tick))[1] == nil)
            harness.advance(milliseconds: 1)
            sent = SchedulerHarness.dispatched(harness.send(.tick))[1] ?? []
            #expect(sent.map(\.attempt) == [UInt32(retry + 1)])
        }
        let last = harness.finish(sent, by: 1, succeeded: false)
        #expect(last.contains(.record(workerID: 1, indices: [0])))
        #expect(last.contains(.finish(.completed)))
    }

    @Test("a failure that cannot succeed on a retry is recorded at once")
    func permanentFailureNotRetried() {
        var harness = SchedulerHarness(tasks: 1, retries: 5, configuration: Self.configuration)
        harness.send(.tick)
        let sent = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        let actions = harness.finish(sent, by: 1, succeeded: false, retryable: false)
        #expect(actions.contains(.record(workerID: 1, indices: [0])))
    }

    @Test("losing a worker does not use up retries; a task started on three dying workers is recorded as poison")
    func poison() {
        var harness = SchedulerHarness(tasks: 1, configuration: Self.configuration)
        harness.send(.tick)
        var worker: UInt32 = 1
        var sent = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: worker, slots: 1)))[worker]!
        for death in 1...3 {
            harness.start(sent, on: worker)
            let lost = harness.send(.workerExited(workerID: worker))
            if death < 3 {
                #expect(lost.contains(.workerLost(workerID: worker, requeued: 1, reason: .exited)))
                worker += 1
                sent = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: worker, slots: 1)))[worker]!
                #expect(sent.first?.attempt == UInt32(death + 1))
            } else {
                #expect(lost.contains(.recordPoison(sequence: 0, attempts: 3, deaths: 3, workerID: worker)))
                #expect(lost.contains(.finish(.completed)))
            }
        }
    }

    @Test("tasks merely queued on a dying worker are not blamed")
    func queuedTasksNotBlamed() {
        var harness = SchedulerHarness(tasks: 2, configuration: .init(poisonLimit: 1))
        harness.send(.tick)
        let sent = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        #expect(sent.count == 2)
        harness.start([sent[0]], on: 1)
        let lost = harness.send(.workerExited(workerID: 1))
        #expect(lost.contains(.recordPoison(sequence: sent[0].sequence, attempts: 1, deaths: 1, workerID: 1)))
        #expect(lost.contains(.workerLost(workerID: 1, requeued: 1, reason: .exited)))
    }

    @Test("a worker stopped by the coordinator does not count as a death")
    func stoppedWorkerNotBlamed() {
        var harness = SchedulerHarness(tasks: 1, configuration: .init(poisonLimit: 1))
        harness.send(.tick)
        let sent = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        harness.start(sent, on: 1)
        var state = harness.state
        var actions: [SchedulerAction] = []
        state.loseWorker(1, reason: .stopped, now: harness.clock, into: &actions)
        #expect(actions == [.workerLost(workerID: 1, requeued: 1, reason: .stopped)])
    }

    @Test("an interrupt drops tasks waiting for a retry")
    func interruptDropsDelayed() {
        var harness = SchedulerHarness(tasks: 1, retries: 1, configuration: Self.configuration)
        harness.send(.tick)
        let sent = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        harness.finish(sent, by: 1, succeeded: false)
        #expect(harness.state.delayedCount == 1)
        let actions = harness.send(.interrupt)
        #expect(actions.contains(.finish(.interrupted(unfinished: 1))))
    }

    @Test("a failure reported for an attempt that was already superseded is dropped")
    func staleFailureDropped() {
        var harness = SchedulerHarness(tasks: 1)
        harness.send(.tick)
        let first = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        harness.send(.workerExited(workerID: 1))
        let second = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 2, slots: 1)))[2]!
        #expect(second.first?.attempt == 2)
        let stale = harness.finish(first, by: 1, succeeded: false)
        #expect(stale == [.dropStaleResults(workerID: 1, count: 1)])
    }
}
