/// Tasks ready to run, highest priority first and in arrival order within a priority; tasks put back (after a
/// lost worker or a retry) go ahead of the others of their priority.
struct ReadyQueue: Sendable {
    /// Levels in decreasing priority. Jobs use few distinct priorities, so a sorted array beats a heap.
    private var levels: [(priority: Int, queue: TaskQueue)] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// The highest priority with a waiting task.
    var topPriority: Int? { levels.first { !$0.queue.isEmpty }?.priority }

    mutating func append(_ sequences: [UInt64], priority: Int) {
        guard !sequences.isEmpty else { return }
        levels[level(priority)].queue.append(contentsOf: sequences)
        count += sequences.count
    }

    mutating func append(_ sequence: UInt64, priority: Int) {
        levels[level(priority)].queue.append(sequence)
        count += 1
    }

    /// Every waiting task, in the order they would be taken.
    var all: [UInt64] { levels.flatMap(\.queue.all) }

    /// Puts tasks back at the front of their priority, the first of `sequences` to run first.
    mutating func requeue(_ sequences: [UInt64], priority: Int) {
        guard !sequences.isEmpty else { return }
        levels[level(priority)].queue.requeue(sequences.reversed())
        count += sequences.count
    }

    /// The next task with a priority of at least `minimum`.
    mutating func popFirst(minimum: Int = .min) -> UInt64? {
        guard count > 0 else { return nil }
        for index in levels.indices {
            guard levels[index].priority >= minimum else { return nil }
            if let sequence = levels[index].queue.popFirst() {
                count -= 1
                return sequence
            }
        }
        return nil
    }

    /// Takes one task out wherever it waits; returns whether it was there.
    mutating func remove(_ sequence: UInt64) -> Bool {
        for index in levels.indices where levels[index].queue.remove(sequence) {
            count -= 1
            return true
        }
        return false
    }

    mutating func removeAll() -> [UInt64] {
        var all: [UInt64] = []
        for index in levels.indices { all += levels[index].queue.removeAll() }
        levels = []
        count = 0
        return all
    }

    /// The index of the level for `priority`, made when missing.
    private mutating func level(_ priority: Int) -> Int {
        if let first = levels.first, first.priority == priority { return 0 }
        var low = 0
        var high = levels.count
        while low < high {
            let middle = (low + high) / 2
            if levels[middle].priority > priority { low = middle + 1 } else { high = middle }
        }
        if low < levels.count, levels[low].priority == priority { return low }
        levels.insert((priority, TaskQueue()), at: low)
        return low
    }
}
