/// What tasks with a demand hold where they run, and whether a worker has room for one: CPU slots, labels, the GPUs,
/// custom resources and memory its host shares with the other workers there, the host's `--memfree` state, and the
/// pools' limits and rates.
///
/// It exists so that admission (may this task start there now, could it ever) and the bookkeeping of what a task takes
/// and gives back live in one place, apart from the choice of which task goes where.
struct ResourceLedger: Sendable {
    /// The distinct demands of loaded tasks (tasks share them through defaults); index 0 is the plain demand.
    private var demands: [TaskDemand] = [.plain]
    private var demandIndex: [TaskDemand: Int32] = [.plain: 0]
    /// Per pool: tasks running, recent starts, ready tasks waiting for room.
    var pools: [PoolState]
    /// Per host name: GPUs, resources and memory in use.
    private var hosts: [String: HostState] = [:]
    /// GPUs given to running tasks, by sequence.
    private var gpuGrants: [UInt64: [Int]] = [:]
    /// `--memfree`: no task starts on a host whose free memory is below this.
    let memfreeBytes: UInt64?
    /// Hosts whose free memory is below `memfreeBytes`, with the free memory last measured there.
    private var lowMemoryHosts: [String: UInt64] = [:]

    init(pools: [PoolConfiguration], memfreeBytes: UInt64?) {
        self.pools = pools.map { PoolState(configuration: $0) }
        self.memfreeBytes = memfreeBytes
    }

    /// The demand interned at `index`.
    subscript(demand index: Int32) -> TaskDemand { demands[Int(index)] }

    /// The index of `demand`, added when new.
    mutating func intern(_ demand: TaskDemand) -> Int32 {
        if demand == .plain { return 0 }
        if let index = demandIndex[demand] { return index }
        let index = Int32(demands.count)
        demands.append(demand)
        demandIndex[demand] = index
        return index
    }

    /// Starts sharing the host of a worker that joined, unless another worker there did already.
    mutating func hostJoined(_ capacity: WorkerCapacity) {
        if hosts[capacity.host] == nil { hosts[capacity.host] = HostState(capacity: capacity) }
    }

    /// Notes a host's measured free memory (only with `--memfree`).
    mutating func noteFreeMemory(host: String, freeBytes: UInt64) {
        guard let memfreeBytes else { return }
        lowMemoryHosts[host] = freeBytes < memfreeBytes ? freeBytes : nil
    }

    /// Whether tasks may start on `host`: its free memory is not below `--memfree`.
    func admitsTasks(on host: String) -> Bool { lowMemoryHosts[host] == nil }

    /// Whether `worker` has room now for a task with `demand`.
    func fits(_ demand: TaskDemand, isIO: Bool, on worker: WorkerRecord) -> Bool {
        guard !worker.retiring else { return false }
        if isIO {
            guard worker.heldIO < worker.ioConcurrency else { return false }
        } else {
            guard worker.cpuUnits + demand.cpus <= worker.slots else { return false }
        }
        for (label, value) in demand.requires where worker.capacity.labels[label] != value { return false }
        guard let host = hosts[worker.capacity.host], lowMemoryHosts[worker.capacity.host] == nil else { return false }
        return host.fits(demand)
    }

    /// What `worker` lacks for `demand` even when idle; `nil` when it could run it.
    func shortfall(_ demand: TaskDemand, isIO: Bool, on worker: WorkerRecord) -> String? {
        if !isIO, demand.cpus > worker.slots { return "\(demand.cpus) CPU slots (workers have at most \(worker.slots))" }
        for (label, value) in demand.requires.sorted(by: { $0.key < $1.key }) where worker.capacity.labels[label] != value {
            return "label \(label)=\(value)"
        }
        return hosts[worker.capacity.host]?.shortfall(demand)
    }

    /// Why none of `workers` could ever run a task with `demand`, even idle; `nil` when one could.
    func unplaceableReason(_ demand: TaskDemand, isIO: Bool, among workers: [UInt32: WorkerRecord]) -> String? {
        var reasons: [String] = []
        for workerID in workers.keys.sorted() {
            guard let worker = workers[workerID] else { continue }
            if let reason = shortfall(demand, isIO: isIO, on: worker) { reasons.append(reason) } else { return nil }
        }
        let distinct = reasons.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return "no connected worker can run it: it needs " + distinct.prefix(3).joined(separator: "; or ")
    }

    /// Takes what a task with a demand other than the plain one needs of its host (returning the GPUs granted) and
    /// counts its start in its pool.
    mutating func take(for sequence: UInt64, demandIndex: Int32, host: String, now: Instant) -> [Int] {
        guard demandIndex != 0 else { return [] }
        let demand = demands[Int(demandIndex)]
        let granted = hosts[host]?.take(demand) ?? []
        if !granted.isEmpty { gpuGrants[sequence] = granted }
        if let pool = demand.pool { pools[pool].noteStart(now: now) }
        return granted
    }

    /// Gives back what `take` took, when the task leaves its worker on `host` for any reason.
    mutating func give(for sequence: UInt64, demandIndex: Int32, host: String) {
        guard demandIndex != 0 else { return }
        let demand = demands[Int(demandIndex)]
        hosts[host]?.give(demand, gpus: gpuGrants.removeValue(forKey: sequence) ?? [])
        if let pool = demand.pool { pools[pool].running -= 1 }
    }

    /// Ready tasks waiting for room in their pool.
    var poolWaitingCount: Int { pools.reduce(0) { $0 + $1.waiting.count } }
    var anyPoolWaiting: Bool { pools.contains { !$0.waiting.isEmpty } }

    /// Takes out of each pool's wait as many tasks as it has room for now: per pool, in the order they would run.
    mutating func releasePools(now: Instant) -> [[UInt64]] {
        var releases: [[UInt64]] = []
        for index in pools.indices where !pools[index].waiting.isEmpty && pools[index].allows(now: now) {
            let room = pools[index].configuration.limit - pools[index].running
            var released: [UInt64] = []
            while released.count < room, let sequence = pools[index].waiting.popFirst() { released.append(sequence) }
            releases.append(released)
        }
        return releases
    }

    /// Takes a task out of its pool's wait; returns whether it waited there.
    mutating func withdrawFromPools(_ sequence: UInt64) -> Bool {
        for index in pools.indices where pools[index].waiting.remove(sequence) { return true }
        return false
    }

    /// Empties every pool's wait, returning the tasks that waited.
    mutating func removeAllWaiting() -> [UInt64] {
        var waiting: [UInt64] = []
        for index in pools.indices { waiting += pools[index].waiting.removeAll() }
        return waiting
    }

    /// When a pool's rate next allows a start that its waiting tasks need, if it has room.
    func nextPoolStart(now: Instant) -> Instant? {
        pools.filter { !$0.waiting.isEmpty && $0.running < $0.configuration.limit }
            .compactMap { $0.nextRateSlot(now: now) }.min()
    }

    /// The hosts below `--memfree` among `connected` (a host whose workers have all gone keeps its last figure, but
    /// holds nothing up), by name.
    func lowMemoryHosts(connected: Set<String>) -> [LowMemoryHost] {
        lowMemoryHosts.filter { connected.contains($0.key) }.sorted { $0.key < $1.key }
            .map { LowMemoryHost(host: $0.key, freeBytes: $0.value) }
    }
}
