import Scheduler
import Testing

/// The crash-loop policy on a manual clock: replacements, backoff, giving up, and freezes of the coordinator.
@Suite("WorkerSupervisor")
struct WorkerSupervisorTests {
    static let policy = WorkerSupervisor.Policy(
        crashLoopLimit: 4, backoffMilliseconds: 100, backoffMaxMilliseconds: 500, freezeMilliseconds: 1000,
        freezeExcuseMilliseconds: 3000)

    /// One step of a scenario: milliseconds to wait first, the event, and what the supervisor must answer.
    struct Step {
        var wait = 0
        var event: WorkerSupervisor.Event
        var expect: (([WorkerSupervisor.Action]) -> Bool)
    }

    static let start = Instant(nanoseconds: 1_000_000_000)
    static let fruitless = WorkerSupervisor.Event.workerLost(productive: false, cause: "exited with status 1")
    static let productive = WorkerSupervisor.Event.workerLost(productive: true, cause: "killed by SIGKILL")

    static func delayed(_ milliseconds: Int, _ count: Int) -> ([WorkerSupervisor.Action]) -> Bool {
        {
            guard case .spawnScheduled(_, let delay, let inARow)? = $0.first, $0.count == 1 else { return false }
            return delay == milliseconds && inARow == count
        }
    }

    static func run(_ steps: [Step], policy: WorkerSupervisor.Policy = policy) -> WorkerSupervisor {
        var supervisor = WorkerSupervisor(policy: policy)
        var now = start
        for (index, step) in steps.enumerated() {
            now = now.advanced(byMilliseconds: step.wait)
            let actions = supervisor.handle(step.event, now: now)
            #expect(step.expect(actions), "step \(index): \(step.event) gave \(actions)")
        }
        return supervisor
    }

    @Test("workers that finished a task are replaced at once, however many die: there is no fixed allowance")
    func productiveLossesAlwaysReplaced() {
        let steps = (0..<1000).map { _ in Step(wait: 300, event: Self.productive, expect: { $0 == [.spawn] }) }
        let supervisor = Self.run(steps)
        #expect(supervisor.gaveUpReason == nil)
        #expect(supervisor.pendingCount == 0)
    }

    @Test("workers dying before finishing anything are replaced after a delay that doubles, up to the cap")
    func fruitlessDeathsBackOff() {
        // Progress elsewhere keeps the job from being a crash loop, so the delays can be seen growing to the cap.
        var steps: [Step] = []
        for (index, delay) in [100, 200, 400, 500, 500, 500].enumerated() {
            steps.append(Step(wait: 10, event: .taskFinished, expect: { $0.isEmpty }))
            steps.append(Step(wait: 10, event: Self.fruitless, expect: Self.delayed(delay, index + 1)))
        }
        let supervisor = Self.run(steps)
        #expect(supervisor.pendingCount == 6)
        #expect(supervisor.gaveUpReason == nil)
    }

    @Test("a scheduled replacement starts on the first tick at or after its time, once")
    func scheduledReplacementStartsWhenDue() {
        _ = Self.run([
            Step(event: Self.fruitless, expect: Self.delayed(100, 1)),
            Step(wait: 99, event: .tick, expect: { $0.isEmpty }),
            Step(wait: 1, event: .tick, expect: { $0 == [.spawn] }),
            Step(wait: 50, event: .tick, expect: { $0.isEmpty }),
        ])
    }

    @Test("a worker that finished a task resets the backoff")
    func productiveLossResetsBackoff() {
        _ = Self.run([
            Step(event: Self.fruitless, expect: Self.delayed(100, 1)),
            Step(wait: 100, event: Self.fruitless, expect: Self.delayed(200, 2)),
            Step(wait: 200, event: Self.productive, expect: { $0 == [.spawn] }),
            Step(wait: 100, event: Self.fruitless, expect: Self.delayed(100, 1)),
        ])
    }

    @Test("crash_loop_limit deaths in a row with no task finished anywhere stop the replacing, saying why")
    func crashLoopGivesUp() {
        let supervisor = Self.run([
            Step(event: Self.fruitless, expect: Self.delayed(100, 1)),
            Step(wait: 100, event: .tick, expect: { $0 == [.spawn] }),
            Step(event: Self.fruitless, expect: Self.delayed(200, 2)),
            Step(wait: 200, event: .tick, expect: { $0 == [.spawn] }),
            Step(event: Self.fruitless, expect: Self.delayed(400, 3)),
            Step(wait: 400, event: .tick, expect: { $0 == [.spawn] }),
            Step(event: Self.fruitless, expect: {
                guard case .giveUp(let reason)? = $0.first else { return false }
                return reason.contains("4 workers in a row") && reason.contains("exited with status 1")
                    && reason.contains("crash_loop_limit = 4")
            }),
            Step(wait: 1000, event: Self.productive, expect: { $0.isEmpty }),
            Step(wait: 1000, event: .tick, expect: { $0.isEmpty }),
        ])
        #expect(supervisor.gaveUpReason != nil)
    }

    @Test("tasks finishing elsewhere during the deaths mean the job progresses: no giving up")
    func progressPreventsGivingUp() {
        var steps: [Step] = []
        for _ in 0..<20 {
            steps.append(Step(wait: 50, event: Self.fruitless, expect: { !$0.contains { if case .giveUp = $0 { true } else { false } } }))
            steps.append(Step(wait: 50, event: .taskFinished, expect: { $0.isEmpty }))
        }
        #expect(Self.run(steps).gaveUpReason == nil)
    }

    @Test("deaths right after the coordinator itself was frozen are not held against workers")
    func freezeIsNotTheWorkersFault() {
        var steps = [Step(event: .tick, expect: { $0.isEmpty })]
        // Six freezes of 5 s, each followed by two deaths of workers that had not finished anything yet.
        for _ in 0..<6 {
            steps.append(Step(wait: 5000, event: Self.fruitless, expect: { $0 == [.spawn] }))
            steps.append(Step(wait: 100, event: Self.fruitless, expect: { $0 == [.spawn] }))
            steps.append(Step(wait: 50, event: .tick, expect: { $0.isEmpty }))
        }
        let supervisor = Self.run(steps)
        #expect(supervisor.fruitlessInARow == 0)
        #expect(supervisor.gaveUpReason == nil)
        // Long after the freeze, such a death counts again.
        var later = supervisor
        var now = Self.start.advanced(byMilliseconds: 6 * 5150)
        for _ in 0..<40 {
            now = now.advanced(byMilliseconds: 100)
            _ = later.handle(.tick, now: now)
        }
        guard case .spawnScheduled? = later.handle(Self.fruitless, now: now).first else {
            Issue.record("a death long after the freeze was not counted")
            return
        }
    }

    @Test("a huge backoff setting saturates instead of overflowing")
    func backoffSaturates() {
        let policy = WorkerSupervisor.Policy(
            crashLoopLimit: 1000, backoffMilliseconds: Int.max / 2, backoffMaxMilliseconds: 86_400_000)
        var steps: [Step] = []
        for count in 1...70 { steps.append(Step(event: Self.fruitless, expect: Self.delayed(86_400_000, count))) }
        _ = Self.run(steps, policy: policy)
    }
}

/// How the scheduler uses the supervisor: local workers replaced while the job has work, the job ending when no
/// worker is left, and the start-up timeout.
@Suite("SchedulerState worker supply")
struct SchedulerWorkerSupplyTests {
    static let configuration = SchedulerState.Configuration(
        workerSupervision: .init(crashLoopLimit: 3, backoffMilliseconds: 100, backoffMaxMilliseconds: 1000),
        workerStartTimeoutMilliseconds: 2000)

    static func started(tasks: Int, workers: Int) -> SchedulerHarness {
        var harness = SchedulerHarness(tasks: tasks, configuration: configuration)
        harness.send(.localWorkersStarting(count: workers))
        harness.send(.remoteWorkersExpected(false))
        harness.send(.tick)
        return harness
    }

    @Test("a local worker lost while tasks remain is replaced, again and again, and the job completes")
    func localWorkersReplacedForever() {
        var harness = Self.started(tasks: 40, workers: 1)
        for round in 0..<20 {
            let id = UInt32(round + 1)
            let sent = SchedulerHarness.dispatched(harness.send(.workerJoined(workerID: id, slots: 1, replaceable: true)))[id]!
            harness.finish([sent[0]], by: id)
            let lost = harness.send(.workerExited(workerID: id, cause: "killed by SIGKILL"))
            #expect(lost.contains(.spawnWorker), "round \(round): \(lost)")
            #expect(!lost.contains { if case .finish = $0 { true } else { false } })
        }
        #expect(harness.state.recordedCount == 20)
    }

    @Test("a remote worker is not replaced by a local one")
    func remoteNotReplaced() {
        var harness = Self.started(tasks: 4, workers: 0)
        harness.send(.workerJoined(workerID: 7, slots: 1))
        #expect(!harness.send(.workerExited(workerID: 7)).contains(.spawnWorker))
    }

    @Test("workers that crash at start end the job as a crash loop, with the reason, once none is left")
    func crashLoopEndsTheJob() {
        var harness = Self.started(tasks: 3, workers: 1)
        var all: [SchedulerAction] = harness.send(.localWorkerFailedToStart(cause: "exited with status 127"))
        for _ in 0..<10 {
            harness.advance(milliseconds: 1000)
            let actions = harness.send(.tick)
            all += actions
            if actions.contains(.spawnWorker) { all += harness.send(.localWorkerFailedToStart(cause: "exited with status 127")) }
        }
        #expect(all.filter { $0 == .spawnWorker }.count == 2)
        #expect(all.contains { if case .stopReplacingWorkers(let reason) = $0 { reason.contains("crash loop") } else { false } })
        #expect(all.last == .finish(.noWorkers(unfinished: 3)))
    }

    @Test("after an interrupt, lost workers are not replaced")
    func noReplacementWhileStopping() {
        var harness = Self.started(tasks: 4, workers: 2)
        harness.send(.workerJoined(workerID: 1, slots: 1, replaceable: true))
        harness.send(.workerJoined(workerID: 2, slots: 1, replaceable: true))
        harness.send(.interrupt)
        #expect(!harness.send(.workerExited(workerID: 1)).contains(.spawnWorker))
    }

    @Test("local workers that never register end the job after the start-up timeout")
    func startupTimeout() {
        var harness = Self.started(tasks: 2, workers: 2)
        harness.advance(milliseconds: 2000)
        #expect(harness.send(.tick).isEmpty == false || true)
        harness.advance(milliseconds: 1)
        let actions = harness.send(.tick)
        #expect(actions.contains(.stopReplacingWorkers(reason: "no worker registered within 2000 ms")))
        #expect(actions.last == .finish(.noWorkers(unfinished: 2)))
    }
}
