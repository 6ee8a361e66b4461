import Scheduler
import Testing

@Suite("Scheduler: lost workers and interrupts")
struct SchedulerFailureTests {
    @Test("a silent worker is lost after heartbeat_misses periods and its tasks go to another worker")
    func silentWorkerRequeues() {
        var harness = SchedulerHarness(tasks: 4, configuration: .init(heartbeatMilliseconds: 1000, heartbeatMisses: 3))
        harness.send(.tick)
        let held = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        #expect(held.count == 2)
        harness.advance(milliseconds: 2500)
        #expect(!harness.send(.tick).contains { if case .workerLost = $0 { true } else { false } })
        harness.advance(milliseconds: 600)
        let lost = harness.send(.tick)
        #expect(lost.contains(.workerLost(workerID: 1, requeued: 2, reason: .silent)))
        let taken = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 2, slots: 1)))[2]!
        #expect(taken.map(\.sequence) == [0, 1])
        #expect(taken.allSatisfy { $0.attempt == 2 })
    }

    @Test("heartbeats keep a worker alive")
    func heartbeatsKeepAlive() {
        var harness = SchedulerHarness(tasks: 1)
        harness.send(.tick)
        harness.send(.workerJoined(workerID: 1, slots: 1))
        for _ in 0..<10 {
            harness.advance(milliseconds: 900)
            harness.send(.heartbeat(workerID: 1))
            let actions = harness.send(.tick)
            #expect(!actions.contains { if case .workerLost = $0 { true } else { false } })
        }
    }

    @Test("a late result from a worker presumed lost still completes its task, once")
    func lateResultCounts() {
        var harness = SchedulerHarness(tasks: 1)
        harness.send(.tick)
        let held = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        harness.send(.workerExited(workerID: 1))
        let redispatched = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 2, slots: 1)))[2]!
        #expect(redispatched.map(\.sequence) == [0])
        let late = harness.finish(held, by: 1)
        #expect(late.contains(.record(workerID: 1, indices: [0])))
        #expect(late.contains(.finish(.completed)))
        #expect(harness.finish(redispatched, by: 2).isEmpty)
    }

    /// Two workers of one slot each holding two tasks; worker 1 is lost, so its tasks wait in the queue while
    /// worker 2 is full. Returns worker 1's tasks and worker 2's.
    private static func lostWhileOthersAreFull() -> (SchedulerHarness, lost: [DispatchedTask], other: [DispatchedTask]) {
        var harness = SchedulerHarness(tasks: 4)
        harness.send(.tick)
        let lost = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        let other = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 2, slots: 1)))[2]!
        #expect(lost.count == 2 && other.count == 2)
        let gone = harness.send(.workerExited(workerID: 1))
        #expect(gone == [.workerLost(workerID: 1, requeued: 2, reason: .exited)])
        return (harness, lost, other)
    }

    @Test("a late result from a lost worker for a task waiting in the queue is recorded once and never sent again")
    func lateResultForQueuedTask() {
        var (harness, lost, other) = Self.lostWhileOthersAreFull()
        let mark = harness.log.count
        // The link comes back: the lost worker's result for a task that went back to the queue arrives.
        let late = harness.finish([lost[0]], by: 1)
        #expect(late.contains(.record(workerID: 1, indices: [0])))
        harness.finish(other, by: 2)
        let rerun = SchedulerHarness.dispatched(Array(harness.log[mark...]))[2] ?? []
        #expect(rerun.map(\.sequence) == [lost[1].sequence])
        #expect(harness.finish(rerun, by: 2).contains(.finish(.completed)))
        #expect(harness.state.heldCount(workerID: 2) == 0)
    }

    @Test("a failure reported late by a lost worker is dropped: the task runs again")
    func lateFailureFromLostWorkerDropped() {
        var (harness, lost, other) = Self.lostWhileOthersAreFull()
        let mark = harness.log.count
        // A worker that gives up on its coordinator stops its tasks; their failures may still arrive.
        let late = harness.finish([lost[0]], by: 1, succeeded: false, retryable: false)
        #expect(late == [.dropStaleResults(workerID: 1, count: 1)])
        harness.finish(other, by: 2)
        let rerun = SchedulerHarness.dispatched(Array(harness.log[mark...]))[2] ?? []
        #expect(Set(rerun.map(\.sequence)) == Set(lost.map(\.sequence)))
        #expect(rerun.allSatisfy { $0.attempt == 2 })
        let end = harness.finish(rerun, by: 2)
        #expect(end.contains(.record(workerID: 2, indices: [0, 1])))
        #expect(end.contains(.finish(.completed)))
    }

    @Test("first interrupt drains, running tasks finish, unstarted ones stay unrecorded")
    func interruptDrains() {
        var harness = SchedulerHarness(tasks: 10)
        harness.send(.tick)
        let held = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        let actions = harness.send(.interrupt)
        #expect(actions == [.drain(workerID: 1, cancelRunning: false)])
        // The worker returns the prefetched task and finishes the running one.
        #expect(harness.send(.tasksReturned(workerID: 1, [held[1].sequence])).isEmpty)
        let end = harness.finish([held[0]], by: 1)
        #expect(end.contains(.finish(.interrupted(unfinished: 9))))
    }

    @Test("running tasks are cancelled after the interrupt grace, or at once on a second interrupt")
    func interruptEscalates() {
        var graceHarness = SchedulerHarness(tasks: 2, configuration: .init(interruptGraceMilliseconds: 3000))
        graceHarness.send(.tick)
        graceHarness.send(.workerJoined(workerID: 1, slots: 1))
        graceHarness.send(.interrupt)
        graceHarness.advance(milliseconds: 3000)
        #expect(graceHarness.send(.tick).contains(.drain(workerID: 1, cancelRunning: true)))

        var secondHarness = SchedulerHarness(tasks: 2)
        secondHarness.send(.tick)
        secondHarness.send(.workerJoined(workerID: 1, slots: 1))
        secondHarness.send(.interrupt)
        #expect(secondHarness.send(.interrupt) == [.drain(workerID: 1, cancelRunning: true)])
        // If the worker never answers, the job still ends after the kill grace.
        secondHarness.advance(milliseconds: 10_000)
        #expect(secondHarness.send(.tick).contains(.finish(.interrupted(unfinished: 2))))
    }

    @Test("a job whose last worker is lost, with none starting and none to come, ends saying how many tasks have no result")
    func noWorkerLeft() {
        var harness = SchedulerHarness(tasks: 5)
        harness.send(.remoteWorkersExpected(true))
        harness.send(.tick)
        harness.send(.workerJoined(workerID: 1, slots: 1))
        // The hosts' launchers ended: the worker that joined is the last one.
        #expect(!harness.send(.remoteWorkersExpected(false)).contains(.finish(.noWorkers(unfinished: 5))))
        #expect(harness.send(.workerExited(workerID: 1)).contains(.finish(.noWorkers(unfinished: 5))))
        #expect(harness.state.handle(.tick, now: harness.clock).isEmpty)
    }

    @Test("while remote workers may still join, a job without workers waits for them")
    func waitsForRemoteWorkers() {
        var harness = SchedulerHarness(tasks: 2)
        harness.send(.remoteWorkersExpected(true))
        harness.advance(milliseconds: 60_000)
        #expect(!harness.send(.tick).contains(.finish(.noWorkers(unfinished: 2))))
        #expect(harness.send(.remoteWorkersExpected(false)) == [.finish(.noWorkers(unfinished: 2))])
    }
}
