/// One pool's state: how many of its tasks run, when the latest started, and its ready tasks waiting for room.
struct PoolState: Sendable {
    let configuration: PoolConfiguration
    var running = 0
    /// The latest starts, oldest first, at most `perSecond` of them.
    var starts: [Instant] = []
    /// Ready tasks that found the pool full (or its rate used up).
    var waiting = ReadyQueue()

    init(configuration: PoolConfiguration) { self.configuration = configuration }

    /// Whether one more task of the pool may start now.
    func allows(now: Instant) -> Bool {
        running < configuration.limit && nextRateSlot(now: now) == nil
    }

    /// When the rate allows the next start, if it does not allow one now.
    func nextRateSlot(now: Instant) -> Instant? {
        guard let rate = configuration.perSecond, starts.count >= rate else { return nil }
        let due = starts[starts.count - rate].advanced(byMilliseconds: 1000)
        return due > now ? due : nil
    }

    mutating func noteStart(now: Instant) {
        running += 1
        guard let rate = configuration.perSecond else { return }
        starts.append(now)
        if starts.count > rate { starts.removeFirst(starts.count - rate) }
    }
}

/// What the workers of one host share: its GPUs, custom resources and memory, and whether its free memory is low.
struct HostState: Sendable {
    let capacity: WorkerCapacity
    /// GPU numbers not given to a running task, lowest first.
    var freeGPUs: [Int]
    var resourcesUsed: [String: Int] = [:]
    var memoryUsed: UInt64 = 0

    init(capacity: WorkerCapacity) {
        self.capacity = capacity
        freeGPUs = Array(0..<max(capacity.gpus, 0))
    }

    /// Whether the host has room for `demand` now.
    func fits(_ demand: TaskDemand) -> Bool {
        guard freeGPUs.count >= demand.gpus else { return false }
        for (name, amount) in demand.resources where (capacity.resources[name] ?? 0) - (resourcesUsed[name] ?? 0) < amount {
            return false
        }
        if demand.memoryBytes > 0, let total = capacity.memoryBytes, memoryUsed + demand.memoryBytes > total { return false }
        return true
    }

    /// Why the host could never run `demand`, even idle; `nil` when it could.
    func shortfall(_ demand: TaskDemand) -> String? {
        if demand.gpus > capacity.gpus { return "\(demand.gpus) GPUs (host \(capacity.host) has \(capacity.gpus))" }
        for (name, amount) in demand.resources.sorted(by: { $0.key < $1.key }) where (capacity.resources[name] ?? 0) < amount {
            return "\(amount) of resource \"\(name)\" (host \(capacity.host) has \(capacity.resources[name] ?? 0))"
        }
        if demand.memoryBytes > 0, let total = capacity.memoryBytes, demand.memoryBytes > total {
            return "\(demand.memoryBytes) bytes of memory (host \(capacity.host) has \(total))"
        }
        return nil
    }

    mutating func take(_ demand: TaskDemand) -> [Int] {
        for (name, amount) in demand.resources { resourcesUsed[name, default: 0] += amount }
        memoryUsed += demand.memoryBytes
        let granted = Array(freeGPUs.prefix(demand.gpus))
        freeGPUs.removeFirst(granted.count)
        return granted
    }

    mutating func give(_ demand: TaskDemand, gpus: [Int]) {
        for (name, amount) in demand.resources { resourcesUsed[name, default: 0] -= amount }
        memoryUsed -= min(memoryUsed, demand.memoryBytes)
        freeGPUs = (freeGPUs + gpus).sorted()
    }
}
