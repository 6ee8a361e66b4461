import Scheduler
import Testing

@Suite("Scheduler: dependencies and priorities")
struct SchedulerDependencyTests {
    @Test("a task starts only after every task in its after list ended ok")
    func waitsForDependencies() {
        var harness = SchedulerHarness([
            LoadedTask(sequence: 0), LoadedTask(sequence: 1, after: [0]), LoadedTask(sequence: 2, after: [0, 1]),
        ])
        let first = SchedulerHarness.sent(harness.send(.workerJoined(workerID: 1, slots: 4)))
        #expect(first == [0])
        #expect(SchedulerHarness.sent(harness.finish(0)) == [1])
        #expect(SchedulerHarness.sent(harness.finish(1)) == [2])
        #expect(harness.finish(2).contains(.finish(.completed)))
    }

    @Test("a failed dependency skips its dependents, and theirs in turn, naming the dependency")
    func failureCascades() {
        var harness = SchedulerHarness([
            LoadedTask(sequence: 0), LoadedTask(sequence: 1, after: [0]), LoadedTask(sequence: 2, after: [1]),
            LoadedTask(sequence: 3),
        ])
        harness.send(.workerJoined(workerID: 1, slots: 4))
        let actions = harness.finish(0, ok: false)
        #expect(actions.contains(.skip(sequence: 1, dependency: 0)))
        #expect(actions.contains(.skip(sequence: 2, dependency: 1)))
        // The skips follow the failure's own record, so the driver knows how the dependency ended.
        let recordIndex = actions.firstIndex { if case .record = $0 { true } else { false } }!
        let skipIndex = actions.firstIndex(of: .skip(sequence: 1, dependency: 0))!
        #expect(recordIndex < skipIndex)
        #expect(harness.finish(3).contains(.finish(.completed)))
    }

    @Test("a retried dependency releases its dependents only when it finally succeeds")
    func retriedDependency() {
        var harness = SchedulerHarness(
            [LoadedTask(sequence: 0), LoadedTask(sequence: 1, after: [0])],
            configuration: .init(retryBackoffMilliseconds: 10, defaultRetries: 1, tracksDependencies: true))
        harness.send(.workerJoined(workerID: 1, slots: 2))
        let afterFailure = harness.finish(0, ok: false, retryable: true)
        #expect(!afterFailure.contains { if case .skip = $0 { true } else { false } })
        harness.advance(milliseconds: 20)
        #expect(SchedulerHarness.sent(harness.send(.tick)) == [0])
        #expect(SchedulerHarness.sent(harness.finish(0)) == [1])
    }

    @Test("a task may name a task that comes later in the file")
    func forwardReference() {
        var harness = SchedulerHarness([
            LoadedTask(sequence: 0, after: [2]), LoadedTask(sequence: 1, after: [0]), LoadedTask(sequence: 2),
        ])
        #expect(SchedulerHarness.sent(harness.send(.workerJoined(workerID: 1, slots: 4))) == [2])
        #expect(SchedulerHarness.sent(harness.finish(2)) == [0])
        #expect(SchedulerHarness.sent(harness.finish(0)) == [1])
    }

    @Test("resume: an earlier ok meets a dependency; an earlier failure keeps its result and skips dependents")
    func resumeRules() {
        let cases: [(rerunFailed: Bool, earlier: EarlierOutcome, expected: [UInt64: String], firstSent: [UInt64])] = [
            (false, .ok, [0: "kept-ok"], [1]),
            (false, .notOK, [0: "kept-failed", 1: "skipped:0"], []),
            (true, .notOK, [:], [0]),
        ]
        for entry in cases {
            var harness = SchedulerHarness(
                [LoadedTask(sequence: 0, earlier: entry.earlier), LoadedTask(sequence: 1, after: [0])],
                configuration: .init(rerunFailed: entry.rerunFailed, tracksDependencies: true))
            let sent = SchedulerHarness.sent(harness.send(.workerJoined(workerID: 1, slots: 4)))
            #expect(sent == entry.firstSent, "\(entry)")
            #expect(harness.outcomes == entry.expected, "\(entry)")
        }
    }

    @Test("input that ends early skips tasks waiting for tasks never loaded")
    func unloadedDependency() {
        var state = SchedulerState(configuration: .init(tracksDependencies: true), totalTasks: 3)
        let now = Instant(nanoseconds: 1)
        _ = state.handle(.workerJoined(workerID: 1, slots: 1), now: now)
        let actions = state.handle(.tasksLoaded([LoadedTask(sequence: 0, after: [2])], inputEnded: true), now: now)
        #expect(actions.contains(.skip(sequence: 0, dependency: 2)))
        #expect(actions.contains(.finish(.completed)))
    }

    @Test("higher priority first, file order within a priority, for whatever is ready")
    func priorities() {
        let cases: [(priorities: [Int], expected: [UInt64])] = [
            ([0, 5, 1, 5], [1, 3, 2, 0]),
            ([0, 0, 0], [0, 1, 2]),
            ([-1, 0, 2, 2, 0], [2, 3, 1, 4, 0]),
        ]
        for entry in cases {
            let tasks = entry.priorities.enumerated().map { LoadedTask(sequence: UInt64($0.offset), priority: $0.element) }
            var harness = SchedulerHarness(tasks, configuration: .init(prefetchTargetMicroseconds: 0, initialPrefetch: 0))
            var order = SchedulerHarness.sent(harness.send(.workerJoined(workerID: 1, slots: 1)))
            while order.count < tasks.count, let last = order.last {
                let next = SchedulerHarness.sent(harness.finish(last))
                if next.isEmpty { break }
                order += next
            }
            #expect(order == entry.expected, "\(entry.priorities)")
        }
    }

    @Test("a dependent released later still goes ahead of lower-priority ready tasks")
    func priorityAppliesToReleasedTasks() {
        var harness = SchedulerHarness(
            [LoadedTask(sequence: 0), LoadedTask(sequence: 1), LoadedTask(sequence: 2), LoadedTask(sequence: 3, after: [0], priority: 9)],
            configuration: .init(prefetchTargetMicroseconds: 0, initialPrefetch: 0, tracksDependencies: true))
        #expect(SchedulerHarness.sent(harness.send(.workerJoined(workerID: 1, slots: 1))) == [0])
        #expect(SchedulerHarness.sent(harness.finish(0)) == [3])
    }
}

@Suite("Scheduler: pools, resources and labels")
struct SchedulerPlacementTests {
    static func pooled(_ count: Int, pool: Int = 0) -> [LoadedTask] {
        (0..<count).map { LoadedTask(sequence: UInt64($0), demand: TaskDemand(pool: pool)) }
    }

    @Test("a pool's limit holds across workers")
    func poolLimit() {
        var harness = SchedulerHarness(
            Self.pooled(6), configuration: .init(pools: [PoolConfiguration(name: "api", limit: 2)]))
        var sent = SchedulerHarness.sent(harness.send(.workerJoined(workerID: 1, slots: 4)))
        sent += SchedulerHarness.sent(harness.send(.workerJoined(workerID: 2, slots: 4)))
        #expect(sent == [0, 1])
        #expect(harness.state.waitingCounts.pools == 4)
        #expect(SchedulerHarness.sent(harness.finish(0)) == [2])
    }

    @Test("a pool's rate: at most R starts in any second, with a wake-up when the next one is allowed")
    func poolRate() {
        var harness = SchedulerHarness(
            Self.pooled(5), configuration: .init(pools: [PoolConfiguration(name: "api", limit: 10, perSecond: 2)]))
        let start = harness.clock
        let first = harness.send(.workerJoined(workerID: 1, slots: 8))
        #expect(SchedulerHarness.sent(first) == [0, 1])
        #expect(first.contains(.wakeUp(at: start.advanced(byMilliseconds: 1000))))
        harness.advance(milliseconds: 999)
        #expect(SchedulerHarness.sent(harness.send(.tick)).isEmpty)
        harness.advance(milliseconds: 1)
        #expect(SchedulerHarness.sent(harness.send(.tick)) == [2, 3])
    }

    @Test("cpus: a task takes that many slots, and no prefetched task shares them")
    func cpus() {
        let tasks = [
            LoadedTask(sequence: 0, demand: TaskDemand(cpus: 3)), LoadedTask(sequence: 1, demand: TaskDemand(cpus: 2)),
            LoadedTask(sequence: 2), LoadedTask(sequence: 3),
        ]
        var harness = SchedulerHarness(tasks)
        // Task 1 cannot fit beside task 0, so the worker is kept for it rather than filled with one-slot tasks.
        #expect(SchedulerHarness.sent(harness.send(.workerJoined(workerID: 1, slots: 4))) == [0])
        #expect(SchedulerHarness.sent(harness.finish(0)) == [1, 2, 3])
        #expect(harness.held[1]?.map(\.sequence) == [1, 2, 3])
    }

    @Test("a wide task is not starved by a stream of one-slot tasks: it reserves a worker, then runs alone there")
    func wideNotStarved() {
        var tasks = (0..<10).map { LoadedTask(sequence: UInt64($0)) }
        tasks.append(LoadedTask(sequence: 10, demand: TaskDemand(cpus: 2)))
        tasks += (11..<60).map { LoadedTask(sequence: UInt64($0)) }
        var harness = SchedulerHarness(tasks)
        harness.send(.workerJoined(workerID: 1, slots: 2))
        var finished = 0
        while let next = harness.held[1]?.first, next.sequence != 10, finished < 60 {
            harness.finish(next.sequence, ok: true)
            finished += 1
        }
        #expect(harness.held[1]?.map(\.sequence) == [10])
        #expect(finished < 10)
    }

    @Test("custom host resources are shared by the host's workers")
    func customResources() {
        let tasks = (0..<3).map { LoadedTask(sequence: UInt64($0), demand: TaskDemand(resources: ["licence": 1])) }
        var harness = SchedulerHarness(tasks)
        let host = WorkerCapacity(host: "a", resources: ["licence": 1])
        var sent = SchedulerHarness.sent(harness.send(.workerJoined(workerID: 1, slots: 2, capacity: host)))
        sent += SchedulerHarness.sent(harness.send(.workerJoined(workerID: 2, slots: 2, capacity: host)))
        #expect(sent == [0])
        #expect(SchedulerHarness.sent(harness.finish(0)) == [1])
    }

    @Test("labels: a task runs only on a worker with the labels it requires")
    func labels() {
        var harness = SchedulerHarness(
            [LoadedTask(sequence: 0, demand: TaskDemand(requires: ["zone": "eu"]))],
            configuration: .init(unschedulableGraceMilliseconds: 60_000))
        let us = harness.send(.workerJoined(workerID: 1, slots: 2, capacity: WorkerCapacity(host: "a", labels: ["zone": "us"])))
        #expect(SchedulerHarness.sent(us).isEmpty)
        #expect(harness.state.waitingCounts.unplaceable == 1)
        let eu = harness.send(.workerJoined(workerID: 2, slots: 2, capacity: WorkerCapacity(host: "b", labels: ["zone": "eu"])))
        #expect(eu.contains(.dispatch(workerID: 2, [DispatchedTask(sequence: 0, attempt: 1)])))
    }

    @Test("unschedulable tasks wait out the grace for more workers, asking to be woken when it ends")
    func unschedulableGrace() {
        var harness = SchedulerHarness(
            [LoadedTask(sequence: 0, demand: TaskDemand(requires: ["zone": "ap"]))],
            configuration: .init(unschedulableGraceMilliseconds: 5000))
        let start = harness.clock
        let joined = harness.send(.workerJoined(workerID: 1, slots: 1))
        #expect(joined.contains(.wakeUp(at: start.advanced(byMilliseconds: 5000))))
        for _ in 0..<4 {
            harness.advance(milliseconds: 1000)
            harness.send(.heartbeat(workerID: 1))
            #expect(!harness.send(.tick).contains { if case .recordUnschedulable = $0 { true } else { false } })
        }
        harness.advance(milliseconds: 999)
        harness.send(.heartbeat(workerID: 1))
        #expect(!harness.send(.tick).contains { if case .recordUnschedulable = $0 { true } else { false } })
        harness.advance(milliseconds: 1)
        #expect(harness.send(.tick).contains { if case .recordUnschedulable = $0 { true } else { false } })
    }

    @Test("a task no worker can run is recorded unschedulable once nothing else is left, and its dependents skipped")
    func unschedulable() {
        var harness = SchedulerHarness([
            LoadedTask(sequence: 0, demand: TaskDemand(requires: ["zone": "ap"])), LoadedTask(sequence: 1, after: [0]),
            LoadedTask(sequence: 2),
        ])
        let joined = harness.send(.workerJoined(workerID: 1, slots: 1, capacity: WorkerCapacity(labels: ["zone": "eu"])))
        #expect(!joined.contains { if case .recordUnschedulable = $0 { true } else { false } })
        let end = harness.finish(2)
        #expect(end.contains(.recordUnschedulable(sequence: 0, reason: "no connected worker can run it: it needs label zone=ap")))
        #expect(end.contains(.skip(sequence: 1, dependency: 0)))
        #expect(end.last == .finish(.completed))
    }

    @Test("gpus: each task gets distinct GPUs of its host, given back when it ends")
    func gpus() {
        let tasks = (0..<3).map { LoadedTask(sequence: UInt64($0), demand: TaskDemand(gpus: 1)) }
        var harness = SchedulerHarness(tasks)
        let actions = harness.send(.workerJoined(workerID: 1, slots: 4, capacity: WorkerCapacity(host: "a", gpus: 2)))
        #expect(actions.contains(.dispatch(workerID: 1, [
            DispatchedTask(sequence: 0, attempt: 1, gpus: [0]), DispatchedTask(sequence: 1, attempt: 1, gpus: [1]),
        ])))
        #expect(harness.finish(0).contains(.dispatch(workerID: 1, [DispatchedTask(sequence: 2, attempt: 1, gpus: [0])])))
    }

    @Test("memory: a host starts a task only while the memory its running tasks asked for fits")
    func memoryAdmission() {
        let gigabyte: UInt64 = 1 << 30
        let tasks = (0..<3).map { LoadedTask(sequence: UInt64($0), demand: TaskDemand(memoryBytes: 600 << 20)) }
        var harness = SchedulerHarness(tasks)
        let sent = harness.send(.workerJoined(workerID: 1, slots: 4, capacity: WorkerCapacity(host: "a", memoryBytes: gigabyte)))
        #expect(SchedulerHarness.sent(sent) == [0])
        #expect(SchedulerHarness.sent(harness.finish(0)) == [1])
    }

    @Test("memfree: no task starts on a host while its free memory is below the floor")
    func memfree() {
        var harness = SchedulerHarness(
            [LoadedTask(sequence: 0), LoadedTask(sequence: 1)], configuration: .init(memfreeBytes: 1 << 30))
        harness.send(.hostMemory(host: "a", freeBytes: 1 << 20))
        #expect(SchedulerHarness.sent(harness.send(.workerJoined(workerID: 1, slots: 1, capacity: WorkerCapacity(host: "a")))).isEmpty)
        harness.send(.hostMemory(host: "a", freeBytes: 1 << 20))
        #expect(harness.state.waitingCounts.lowMemoryHosts == [LowMemoryHost(host: "a", freeBytes: 1 << 20)])
        #expect(SchedulerHarness.sent(harness.send(.hostMemory(host: "a", freeBytes: 2 << 30))) == [0, 1])
    }

    @Test("a lost worker gives back its tasks' pool places and host resources")
    func lossReleases() {
        let tasks = (0..<2).map {
            LoadedTask(sequence: UInt64($0), demand: TaskDemand(pool: 0, resources: ["licence": 1]))
        }
        var harness = SchedulerHarness(tasks, configuration: .init(pools: [PoolConfiguration(name: "p", limit: 1)]))
        let host = WorkerCapacity(host: "a", resources: ["licence": 1])
        #expect(SchedulerHarness.sent(harness.send(.workerJoined(workerID: 1, slots: 2, capacity: host))) == [0])
        harness.send(.workerJoined(workerID: 2, slots: 2, capacity: host))
        harness.held[1] = []
        // The lost task's pool place and licence are free again: one of the two tasks starts on the other worker.
        let sent = harness.send(.workerExited(workerID: 1))
        #expect(SchedulerHarness.sent(sent).count == 1)
        #expect(SchedulerHarness.dispatchedTo(sent) == [2])
    }

    @Test("default retries come from the configuration unless the task sets its own")
    func defaultRetries() {
        var harness = SchedulerHarness(
            [LoadedTask(sequence: 0), LoadedTask(sequence: 1, retries: 0)],
            configuration: .init(defaultRetries: 2))
        harness.send(.workerJoined(workerID: 1, slots: 2))
        #expect(harness.finish(0, ok: false, retryable: true).contains { if case .retry = $0 { true } else { false } })
        #expect(!harness.finish(1, ok: false, retryable: true).contains { if case .retry = $0 { true } else { false } })
    }
}
