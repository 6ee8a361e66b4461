import Scheduler
import Testing

@Suite("retiring a worker whose host is about to go")
struct SchedulerRetireTests {
    @Test("a retired worker is drained once, gets no new tasks, and what it gives back goes to the others")
    func retiredWorkerGetsNoTasks() {
        var harness = SchedulerHarness(tasks: 8)
        harness.send(.tick)
        let held = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        #expect(held.count == 2)
        let retired = harness.send(.retire(workerID: 1))
        #expect(retired == [.drain(workerID: 1, cancelRunning: false)])
        #expect(harness.send(.retire(workerID: 1)).isEmpty, "drained once")
        // It finishes its running task and gives back the one it never started; neither brings it new work.
        harness.start([held[0]], on: 1)
        #expect(SchedulerHarness.dispatched(harness.finish([held[0]], by: 1))[1] == nil)
        #expect(SchedulerHarness.dispatched(harness.send(.tasksReturned(workerID: 1, [held[1].sequence])))[1] == nil)
        let other = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 2, slots: 1)))[2]!
        #expect(other.first?.sequence == held[1].sequence, "the returned task goes first to the next worker")
        // The retired worker's later loss requeues nothing: it holds nothing.
        #expect(harness.send(.workerExited(workerID: 1)).contains(.workerLost(workerID: 1, requeued: 0, reason: .exited)))
    }
}
