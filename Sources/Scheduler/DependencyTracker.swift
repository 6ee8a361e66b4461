/// Which loaded tasks wait for which (`after`), and how every ended task ended.
///
/// It exists so that the rest of the scheduler sees only ready tasks: a task is released once all its dependencies
/// ended ok and skipped as soon as one ended otherwise, in a cascade, and a task loaded after its dependency ended
/// (later in a stream, or settled by an earlier run under `--resume`) finds that ending here.
struct DependencyTracker: Sendable {
    /// How a task's dependencies stand when it is loaded.
    enum Readiness: Equatable {
        case ready
        case waiting(unmet: Int32)
        /// A dependency ended other than ok: the task is skipped.
        case failed(dependency: UInt64)
    }

    /// Whether any task waits for others; only then are endings remembered.
    let isTracking: Bool
    /// Dependents waiting for a task to end, by the sequence of that task.
    private var dependents: [UInt64: [UInt64]] = [:]
    /// Tasks waiting for dependencies.
    private(set) var waitingCount = 0
    /// How every ended task ended, by sequence (0: not yet, 1: ok, 2: other), while tracking.
    private var endings: [UInt8] = []

    init(isTracking: Bool) { self.isTracking = isTracking }

    /// How a task ended: 0 not yet (or not known), 1 ok, 2 otherwise.
    func ending(of sequence: UInt64) -> UInt8 {
        sequence < UInt64(endings.count) ? endings[Int(sequence)] : 0
    }

    /// Where a task that waits for `after` stands now.
    func readiness(after: [UInt64]) -> Readiness {
        var unmet: Int32 = 0
        for dependency in after {
            switch ending(of: dependency) {
            case 1: continue
            case 0: unmet += 1
            default: return .failed(dependency: dependency)
            }
        }
        return unmet == 0 ? .ready : .waiting(unmet: unmet)
    }

    /// Parks a task until the dependencies in `after` that have not ended yet end.
    mutating func park(_ sequence: UInt64, after: [UInt64]) {
        waitingCount += 1
        for dependency in after where ending(of: dependency) == 0 {
            dependents[dependency, default: []].append(sequence)
        }
    }

    /// Notes how a task ended (recorded, kept from an earlier run, or skipped) and settles the tasks waiting for it,
    /// cascading: a skipped task's own dependents are skipped in turn. Updates the waiting tasks' `waitingOn` in
    /// `tasks` and removes the skipped ones; returns the tasks now ready and the tasks skipped (with the dependency
    /// that ended other than ok), each in the order they were settled. A worklist, not recursion, so a long chain
    /// cannot overflow the stack.
    mutating func settle(
        _ sequence: UInt64, ok: Bool, tasks: inout SequenceTable<TaskRecord>
    ) -> (released: [UInt64], skipped: [(sequence: UInt64, dependency: UInt64)]) {
        var released: [UInt64] = []
        var skipped: [(sequence: UInt64, dependency: UInt64)] = []
        guard isTracking else { return (released, skipped) }
        var work = [(sequence, ok)]
        while let (ended, succeeded) = work.popLast() {
            noteEnding(ended, ok: succeeded)
            guard let waiting = dependents.removeValue(forKey: ended) else { continue }
            for dependent in waiting {
                guard var record = tasks[dependent], record.waitingOn > 0 else { continue }
                if succeeded {
                    record.waitingOn -= 1
                    tasks[dependent] = record
                    if record.waitingOn == 0 {
                        waitingCount -= 1
                        released.append(dependent)
                    }
                } else {
                    tasks[dependent] = nil
                    waitingCount -= 1
                    skipped.append((dependent, ended))
                    work.append((dependent, false))
                }
            }
        }
        return (released, skipped)
    }

    /// Dependencies that tasks wait for and that have not ended, in order.
    var unendedDependencies: [UInt64] {
        dependents.keys.filter { ending(of: $0) == 0 }.sorted()
    }

    private mutating func noteEnding(_ sequence: UInt64, ok: Bool) {
        guard isTracking, sequence < 1 << 40 else { return }
        let index = Int(sequence)
        if index >= endings.count {
            endings.append(contentsOf: repeatElement(0, count: max(index + 1, endings.count * 2) - endings.count))
        }
        endings[index] = ok ? 1 : 2
    }
}
