import Synchronization
import WireProtocol

/// Tasks received by a worker and not yet started, handed to its slot runners in order.
///
/// `next()` returns at once while tasks are queued and suspends only when the inbox is empty, so a batch of tiny
/// tasks costs one lock per task and no context switch. Closing resumes every waiting runner with `nil`.
final class TaskInbox: Sendable {
    private struct State {
        var queued: [PreparedTask] = []
        var head = 0
        var waiters: [CheckedContinuation<PreparedTask?, Never>] = []
        var closed = false

        mutating func pop() -> PreparedTask? {
            guard head < queued.count else { return nil }
            let item = queued[head]
            head += 1
            if head == queued.count {
                queued.removeAll(keepingCapacity: true)
                head = 0
            }
            return item
        }
    }

    private let state = Mutex(State())

    /// Queues tasks, waking runners that wait. Tasks pushed after `close()` are returned to the caller.
    func push(_ assignments: [PreparedTask]) -> [PreparedTask] {
        state.withLock { state in
            guard !state.closed else { return assignments }
            var remaining = assignments[...]
            while !state.waiters.isEmpty, let first = remaining.first {
                state.waiters.removeFirst().resume(returning: first)
                remaining = remaining.dropFirst()
            }
            state.queued.append(contentsOf: remaining)
            return []
        }
    }

    /// The next task, or `nil` once the inbox is closed and empty.
    func next() async -> PreparedTask? {
        if let ready = state.withLock({ $0.pop() }) { return ready }
        return await withCheckedContinuation { continuation in
            state.withLock { state in
                if let item = state.pop() {
                    continuation.resume(returning: item)
                } else if state.closed {
                    continuation.resume(returning: nil)
                } else {
                    state.waiters.append(continuation)
                }
            }
        }
    }

    var hasQueued: Bool { state.withLock { $0.head < $0.queued.count } }

    /// Removes up to `count` queued tasks, the most recently queued first, and returns them.
    func takeLast(_ count: Int) -> [PreparedTask] {
        state.withLock { state in
            let available = state.queued.count - state.head
            let taken = Array(state.queued.suffix(min(count, available)))
            state.queued.removeLast(taken.count)
            return taken
        }
    }

    /// Stops taking tasks: waiting runners get `nil`; returns the tasks that were never started.
    func close() -> [PreparedTask] {
        state.withLock { state in
            state.closed = true
            let unstarted = Array(state.queued[state.head...])
            state.queued = []
            state.head = 0
            for waiter in state.waiters { waiter.resume(returning: nil) }
            state.waiters = []
            return unstarted
        }
    }
}
