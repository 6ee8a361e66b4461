import Dispatch

/// A worker's CPU slots: threads outside Swift's cooperative pool for CPU-bound work, at most `slots` busy at once.
///
/// Heartbeats and IO subtasks run on the cooperative pool and the worker's socket thread, so a long computation
/// here never starves them; and since at most `slots` computations run at once, a worker with one slot keeps its
/// core for one computation however many IO-bound tasks it has in flight.
public final class CPUPool: Sendable {
    private let queue: DispatchQueue
    private let limiter: AsyncLimiter
    /// How many computations run at once.
    public let slots: Int

    /// A pool of `slots` CPU slots.
    public init(slots: Int = 1, label: String = "jobrun.cpu") {
        self.slots = max(slots, 1)
        queue = DispatchQueue(label: label, attributes: .concurrent)
        limiter = AsyncLimiter(limit: self.slots)
    }

    /// Runs `body` on the calling thread once a CPU slot is free: for a caller on a thread it may block, a slot
    /// runner on its `SlotThread`, which then saves the hand-off to a CPU thread and back.
    public func runHoldingSlot<Value: Sendable>(_ body: () throws -> Value) async throws -> Value {
        try await limiter.withPermit { try body() }
    }

    /// Runs `body` on a CPU slot once one is free, and resumes the caller with its outcome.
    public func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await limiter.withPermit {
            try await withCheckedThrowingContinuation { continuation in
                queue.async { continuation.resume(with: Result(catching: body)) }
            }
        }
    }
}
