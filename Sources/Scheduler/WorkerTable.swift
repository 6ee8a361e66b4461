/// The registered workers, and the scheduler's side of the conversation with each: when it was last heard from, the
/// heartbeats, and the drain, cancel and retire messages sent to it.
///
/// It exists so that liveness (which workers are presumed lost for silence) and the stop protocol (each message sent
/// at most once) live in one place; placement reads and charges the same `records` for what workers hold.
struct WorkerTable: Sendable {
    /// Every registered worker, by id.
    var records: [UInt32: WorkerRecord] = [:]
    /// How often heartbeats go out, and how many a worker may miss before it is presumed lost.
    let heartbeatMilliseconds: Int
    let heartbeatMisses: Int
    private var lastHeartbeatSent: Instant?

    init(heartbeatMilliseconds: Int, heartbeatMisses: Int) {
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.heartbeatMisses = heartbeatMisses
    }

    subscript(id: UInt32) -> WorkerRecord? {
        get { records[id] }
        set { records[id] = newValue }
    }

    var isEmpty: Bool { records.isEmpty }
    var count: Int { records.count }
    /// Workers holding at least one task.
    var busyCount: Int { records.values.count { $0.held > 0 } }
    /// Whether no worker holds any task.
    var allIdle: Bool { records.values.allSatisfy { $0.held == 0 } }
    /// The hosts of the registered workers.
    var hosts: Set<String> { Set(records.values.map(\.capacity.host)) }

    /// Registers a worker; returns false when one with this id is registered already.
    mutating func join(
        _ id: UInt32, slots: Int, ioConcurrency: Int, replaceable: Bool, capacity: WorkerCapacity, now: Instant
    ) -> Bool {
        guard records[id] == nil else { return false }
        records[id] = WorkerRecord(
            slots: max(slots, 1), ioConcurrency: max(ioConcurrency, 1), lastHeard: now, replaceable: replaceable,
            capacity: capacity)
        return true
    }

    /// Notes a message from a worker.
    mutating func heard(from id: UInt32, now: Instant) { records[id]?.lastHeard = now }

    mutating func remove(_ id: UInt32) -> WorkerRecord? { records.removeValue(forKey: id) }

    /// On every tick: whether heartbeats are due now (and some worker to send them to), and the workers silent for
    /// longer than `heartbeatMisses` periods, by id.
    mutating func checkHeartbeats(now: Instant) -> (send: Bool, silent: [UInt32]) {
        var send = false
        if lastHeartbeatSent.map({ now >= $0.advanced(byMilliseconds: heartbeatMilliseconds) }) ?? true {
            lastHeartbeatSent = now
            send = !records.isEmpty
        }
        let silenceLimit = heartbeatMilliseconds * heartbeatMisses
        let silent = records.keys.sorted().filter {
            now > records[$0]!.lastHeard.advanced(byMilliseconds: silenceLimit)
        }
        return (send, silent)
    }

    /// Tells every worker to take no more tasks, by id.
    mutating func drainAll() -> [SchedulerAction] {
        records.keys.sorted().map { id in
            records[id]?.drainSent = true
            return .drain(workerID: id, cancelRunning: false)
        }
    }

    /// Tells every worker not told yet to stop its running tasks, by id.
    mutating func cancelAll() -> [SchedulerAction] {
        records.keys.sorted().filter { records[$0]?.cancelSent == false }.map { id in
            records[id]?.cancelSent = true
            return .drain(workerID: id, cancelRunning: true)
        }
    }

    /// Tells a worker to take no more tasks (once), unless it was drained already.
    mutating func retire(_ id: UInt32) -> SchedulerAction? {
        guard let record = records[id], !record.retiring else { return nil }
        records[id]?.retiring = true
        guard !record.drainSent else { return nil }
        records[id]?.drainSent = true
        return .drain(workerID: id, cancelRunning: false)
    }
}
