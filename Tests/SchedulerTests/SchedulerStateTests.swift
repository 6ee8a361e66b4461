import Scheduler
import Testing

@Suite("Scheduler state machine")
struct SchedulerStateTests {
    @Test("a job with no tasks finishes at once")
    func emptyJob() {
        var harness = SchedulerHarness(tasks: 0)
        let actions = harness.send(.tick)
        #expect(actions.contains(.finish(.completed)))
    }

    @Test("before durations are known a worker holds its slots plus the initial prefetch")
    func initialCredit() {
        var harness = SchedulerHarness(tasks: 100)
        harness.send(.tick)
        let actions = harness.send(.workerJoined(workerID: 1, slots: 1))
        let sent = SchedulerHarness.dispatched(actions)[1] ?? []
        #expect(sent.map(\.sequence) == [0, 1])
        #expect(sent.allSatisfy { $0.attempt == 1 })
        #expect(harness.state.heldCount(workerID: 1) == 2)
    }

    @Test("tiny tasks grow the batch up to max_batch once their duration is measured")
    func batchesGrowForTinyTasks() {
        var harness = SchedulerHarness(tasks: 5000, configuration: .init(maxBatch: 500))
        harness.send(.tick)
        let first = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        let second = SchedulerHarness.dispatched(harness.finish(first, by: 1, micros: 2))[1]!
        #expect(second.count == 500)
        #expect(harness.state.heldCount(workerID: 1) == 500)
    }

    @Test("tasks longer than the prefetch target are sent one at a time")
    func longTasksAreNotHoarded() {
        var harness = SchedulerHarness(tasks: 10, configuration: .init(prefetchTargetMicroseconds: 20_000))
        harness.send(.tick)
        let first = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        #expect(first.count == 2)
        // One long task finishes: the worker still holds one, which is its whole allowance now.
        let after = harness.finish([first[0]], by: 1, micros: 500_000)
        #expect(SchedulerHarness.dispatched(after)[1] == nil)
        let next = SchedulerHarness.dispatched(harness.finish([first[1]], by: 1, micros: 500_000))[1]!
        #expect(next.count == 1)
        #expect(harness.state.holdLimit(slots: 1) == 1)
    }

    @Test("IO tasks: a worker holds its IO concurrency, plus what it finishes in the prefetch target once waits are measured")
    func ioPrefetch() {
        var harness = SchedulerHarness(tasks: 1000, io: true, configuration: .init(prefetchTargetMicroseconds: 20_000))
        harness.send(.tick)
        let first = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1, ioConcurrency: 100)))[1]!
        #expect(first.count == 100)
        // Waits of 100 ms: 100 at once finish 20 in 20 ms, so the worker may hold 120.
        let refill = SchedulerHarness.dispatched(harness.finish(Array(first.prefix(10)), by: 1, micros: 100_000))[1]!
        #expect(refill.count == 30)
        #expect(harness.state.heldCount(workerID: 1) == 120)
        // One wait of 10 s: the prefetch is gone at once, and nothing more is sent until the worker is under 100.
        let afterLong = harness.finish([first[10]], by: 1, micros: 10_000_000)
        #expect(SchedulerHarness.dispatched(afterLong)[1] == nil)
        #expect(harness.state.heldCount(workerID: 1) == 119)
    }

    @Test("IO waits do not size the CPU prefetch, nor computations the IO prefetch")
    func prefetchKindsApart() {
        var harness = SchedulerHarness(tasks: 10, io: true, configuration: .init(prefetchTargetMicroseconds: 20_000))
        harness.send(.tick)
        let sent = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1, ioConcurrency: 4)))[1]!
        harness.finish(sent, by: 1, micros: 2)
        // Tiny waits allow a large IO prefetch, but the CPU allowance is still the initial one.
        #expect(harness.state.holdLimit(slots: 1) == 2)
    }

    @Test("two workers share long tasks evenly")
    func workersShare() {
        var harness = SchedulerHarness(tasks: 4)
        harness.send(.tick)
        let one = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        let two = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 2, slots: 1)))[2]!
        #expect(one.map(\.sequence) == [0, 1])
        #expect(two.map(\.sequence) == [2, 3])
    }

    @Test("every task is recorded exactly once and the job completes")
    func completes() {
        var harness = SchedulerHarness(tasks: 3000, configuration: .init(readAhead: 256))
        harness.send(.tick)
        var outstanding = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1] ?? []
        var recorded: [UInt64] = []
        var rounds = 0
        while !outstanding.isEmpty, rounds < 10_000 {
            rounds += 1
            let actions = harness.finish(outstanding, by: 1, micros: 5)
            for case .record(_, let indices) in actions { recorded += indices.map { outstanding[$0].sequence } }
            outstanding = SchedulerHarness.dispatched(actions)[1] ?? []
        }
        #expect(recorded.sorted() == (0..<3000).map { UInt64($0) })
        #expect(harness.log.last == .finish(.completed))
        #expect(harness.state.recordedCount == 3000)
    }

    @Test("the read-ahead window bounds how many tasks are loaded")
    func windowIsBounded() {
        var harness = SchedulerHarness(tasks: 100_000, configuration: .init(readAhead: 1000))
        harness.send(.tick)
        #expect(harness.unloaded.count == 99_000)
        harness.send(.tick)
        #expect(harness.unloaded.count == 99_000)
    }

    @Test("a duplicate or late result is dropped, not recorded twice")
    func duplicatesDropped() {
        var harness = SchedulerHarness(tasks: 2)
        harness.send(.tick)
        let sent = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        let first = harness.finish([sent[0]], by: 1)
        #expect(first.contains(.record(workerID: 1, indices: [0])))
        let again = harness.finish([sent[0]], by: 1)
        #expect(again == [.dropStaleResults(workerID: 1, count: 1)])
        let unknown = harness.send(.resultsArrived(workerID: 1, [FinishedTask(sequence: 99, attempt: 1, durationMicroseconds: 1)]))
        #expect(unknown == [.dropStaleResults(workerID: 1, count: 1)])
    }

    @Test("an idle worker takes over tasks another worker holds but has not started")
    func rebalancesWhenIdle() {
        var harness = SchedulerHarness(tasks: 6)
        harness.send(.tick)
        let one = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: 1, slots: 1)))[1]!
        // Tiny tasks make worker 1's allowance large: it takes every remaining task.
        let more = SchedulerHarness.dispatched(harness.finish(one, by: 1, micros: 3))[1]!
        #expect(more.count == 4)
        let joined = harness.send(.workerJoined(workerID: 2, slots: 1))
        #expect(joined == [.reclaim(workerID: 1, count: 2)])
        #expect(harness.send(.tick).allSatisfy { if case .reclaim = $0 { false } else { true } })
        let given = SchedulerHarness.dispatched(harness.send(.tasksReturned(workerID: 1, [more[3].sequence, more[2].sequence])))
        #expect(given[2]?.map(\.sequence).sorted() == [more[2].sequence, more[3].sequence])
        #expect(given[2]?.allSatisfy { $0.attempt == 1 } == true, "a task given back unstarted was not attempted")
        #expect(harness.state.heldCount(workerID: 1) == 2)
    }
}
