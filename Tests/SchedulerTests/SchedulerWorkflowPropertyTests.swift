#if canImport(Glibc)
import Glibc
#endif
import PropertyBased
import Scheduler
import Testing

/// Random jobs (dependency graphs, failures, pools, CPU and resource demands, workers) driven to their end: every
/// task ends recorded exactly once, no pool runs more than its limit, no worker runs more CPU slots than it has,
/// and no task starts before its dependencies ended ok.
@Suite("Scheduler: random workflows")
struct SchedulerWorkflowPropertyTests {
    static var cases: Int {
        getenv("JOBRUN_FUZZ_CASES").flatMap { Int(String(cString: $0)) }.map { max($0 / 100, 200) } ?? 300
    }

    @Test("random DAGs with failures, pools and resources end with every task recorded once and no limit broken")
    func randomWorkflows() async {
        await propertyCheck(count: Self.cases, input: Gen<UInt64>.value()) { seed in
            Self.run(seed: seed)
        }
    }

    /// A small deterministic generator, so a failing seed replays exactly.
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

    static func run(seed: UInt64) {
        var random = SplitMix(state: seed)
        let count = 1 + random.below(40)
        let pools = (0..<random.below(3)).map {
            PoolConfiguration(name: "p\($0)", limit: 1 + random.below(3), perSecond: random.chance(30) ? 1 + random.below(3) : nil)
        }
        // Dependencies point at any other task of a random order, so forward references happen; the order is a DAG.
        let order = (0..<count).map { UInt64($0) }.shuffled(using: &random)
        var rank: [UInt64: Int] = [:]
        for (index, sequence) in order.enumerated() { rank[sequence] = index }
        var tasks: [LoadedTask] = []
        for sequence in 0..<UInt64(count) {
            let earlier = order.prefix(rank[sequence]!)
            let after = earlier.isEmpty ? [] : (0..<random.below(3)).map { _ in earlier[random.below(earlier.count)] }
            var demand = TaskDemand.plain
            if random.chance(40) {
                demand = TaskDemand(
                    pool: pools.isEmpty || random.chance(50) ? nil : random.below(pools.count), cpus: 1 + random.below(3),
                    resources: random.chance(30) ? ["licence": 1] : [:],
                    requires: random.chance(10) ? ["zone": "mars"] : [:])
            }
            tasks.append(
                LoadedTask(
                    sequence: sequence, retries: random.below(2), isIO: random.chance(10), after: Array(Set(after)),
                    priority: random.below(3), demand: demand))
        }
        var harness = SchedulerHarness(
            tasks,
            configuration: .init(
                readAhead: 1 + random.below(16), retryBackoffMilliseconds: 10, tracksDependencies: true, pools: pools))
        let workerCount = 1 + random.below(3)
        var slots: [UInt32: Int] = [:]
        for id in 1...UInt32(workerCount) {
            slots[id] = 1 + random.below(4)
            harness.send(
                .workerJoined(
                    workerID: id, slots: slots[id]!, ioConcurrency: 2,
                    capacity: WorkerCapacity(host: "h\(id % 2)", resources: ["licence": 1 + random.below(2)])))
        }
        let byID = Dictionary(uniqueKeysWithValues: tasks.map { ($0.sequence, $0) })
        var endedOK: Set<UInt64> = []
        var seenDispatches = 0
        var finished = false
        for _ in 0..<5000 {
            // Check every new dispatch: its dependencies ended ok before it started.
            for action in harness.log[seenDispatches...] {
                guard case .dispatch(_, let sent) = action else { continue }
                for task in sent {
                    let missing = byID[task.sequence]!.after.filter { !endedOK.contains($0) }
                    #expect(missing.isEmpty, "seed \(seed): task \(task.sequence) started before \(missing)")
                }
            }
            seenDispatches = harness.log.count
            // Limits: a worker runs its first `slots` held CPU tasks; their CPUs fit its slots. Pools hold their limits.
            var poolRunning = [Int](repeating: 0, count: pools.count)
            for (worker, held) in harness.held {
                let cpuTasks = held.filter { !byID[$0.sequence]!.isIO }
                let running = cpuTasks.prefix(slots[worker]!)
                let used = running.reduce(0) { $0 + byID[$1.sequence]!.demand.cpus }
                #expect(used <= slots[worker]!, "seed \(seed): worker \(worker) runs \(used) CPU slots of \(slots[worker]!)")
                for task in held { if let pool = byID[task.sequence]!.demand.pool { poolRunning[pool] += 1 } }
            }
            for (index, pool) in pools.enumerated() {
                #expect(poolRunning[index] <= pool.limit, "seed \(seed): pool \(pool.name) over its limit")
            }
            if harness.log.contains(where: { if case .finish = $0 { true } else { false } }) {
                finished = true
                break
            }
            // Finish a random running task, or let time pass.
            let busy = harness.held.filter { !$0.value.isEmpty }.keys.sorted()
            if busy.isEmpty || random.chance(10) {
                harness.advance(milliseconds: 200)
                for id in slots.keys.sorted() { harness.send(.heartbeat(workerID: id)) }
                harness.send(.tick)
                continue
            }
            let worker = busy[random.below(busy.count)]
            let held = harness.held[worker]!
            let candidates = Array(held.filter { !byID[$0.sequence]!.isIO }.prefix(slots[worker]!))
                + held.filter { byID[$0.sequence]!.isIO }
            let task = candidates[random.below(candidates.count)]
            let ok = random.chance(75)
            let actions = harness.finish(task.sequence, ok: ok, retryable: true)
            if ok, actions.contains(where: { if case .record = $0 { true } else { false } }) { endedOK.insert(task.sequence) }
        }
        #expect(finished, "seed \(seed): the job did not end")
        #expect(harness.log.last == .finish(.completed), "seed \(seed)")
        // Exactly once: every task has one final outcome, and no outcome action names a task twice.
        var settled: [UInt64: Int] = [:]
        for sequence in harness.recorded { settled[sequence, default: 0] += 1 }
        for action in harness.log {
            switch action {
            case .skip(let sequence, _), .recordUnschedulable(let sequence, _), .keepEarlier(let sequence, _),
                .recordPoison(let sequence, _, _, _):
                settled[sequence, default: 0] += 1
            default: break
            }
        }
        #expect(settled.count == count && settled.values.allSatisfy { $0 == 1 }, "seed \(seed): \(settled)")
        #expect(harness.state.recordedCount == count, "seed \(seed)")
    }
}

extension SchedulerWorkflowPropertyTests.SplitMix: RandomNumberGenerator {}
