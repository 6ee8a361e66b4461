/// The tasks waiting for a worker, in order: requeued tasks first, then tasks in file order.
struct TaskQueue: Sendable {
    private var requeued: [UInt64] = []
    private var fresh: [UInt64] = []
    private var freshHead = 0

    var count: Int { requeued.count + fresh.count - freshHead }
    var isEmpty: Bool { count == 0 }

    mutating func append(contentsOf sequences: [UInt64]) {
        fresh.append(contentsOf: sequences)
    }

    mutating func append(_ sequence: UInt64) {
        fresh.append(sequence)
    }

    /// Every waiting task, in the order they would be taken.
    var all: [UInt64] { Array(requeued.reversed()) + Array(fresh[freshHead...]) }

    /// Puts tasks back at the front, ahead of tasks never tried.
    mutating func requeue(_ sequences: some Sequence<UInt64>) {
        requeued.append(contentsOf: sequences)
    }

    mutating func popFirst() -> UInt64? {
        if let sequence = requeued.popLast() { return sequence }
        guard freshHead < fresh.count else { return nil }
        let sequence = fresh[freshHead]
        freshHead += 1
        if freshHead >= 4096, freshHead * 2 >= fresh.count {
            fresh.removeFirst(freshHead)
            freshHead = 0
        }
        return sequence
    }

    /// Takes one task out, wherever it waits; returns whether it was there. Linear: only for the rare task
    /// settled while waiting (a late result from a lost worker).
    mutating func remove(_ sequence: UInt64) -> Bool {
        if let index = requeued.lastIndex(of: sequence) {
            requeued.remove(at: index)
            return true
        }
        guard let index = fresh[freshHead...].firstIndex(of: sequence) else { return false }
        fresh.remove(at: index)
        return true
    }

    mutating func removeAll() -> [UInt64] {
        let all = Array(requeued.reversed()) + Array(fresh[freshHead...])
        requeued = []
        fresh = []
        freshHead = 0
        return all
    }
}
