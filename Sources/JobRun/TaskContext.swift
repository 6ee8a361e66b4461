#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// What a running task can use besides its arguments: its identity and the worker's CPU thread.
///
/// A context is handed to `TaskHandler.run` and is valid for that call only.
public struct TaskContext: Sendable {
    /// The task's position in the task file, from 0 (stable across attempts).
    public let sequence: UInt64
    /// Which execution of the task this is, from 1.
    public let attempt: Int
    let cpu: CPUThread

    /// Creates a context; workers do this for every task.
    public init(sequence: UInt64, attempt: Int, cpu: CPUThread) {
        self.sequence = sequence
        self.attempt = attempt
        self.cpu = cpu
    }

    /// Runs a CPU-bound closure on the worker's CPU thread, not on the cooperative pool, and returns its value.
    /// Closures run one at a time per CPU thread, in order of submission.
    public func compute<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await cpu.run(body)
    }

    /// Waits for `milliseconds` without holding a thread; throws `CancellationError` if the task is cancelled.
    public func sleep(milliseconds: Int) async throws {
        try await Task.sleep(nanoseconds: UInt64(max(milliseconds, 0)) * 1_000_000)
    }
}

/// A thread outside Swift's cooperative pool for CPU-bound work (a serial dispatch queue).
///
/// Heartbeats and IO subtasks run on the cooperative pool and the worker's socket thread, so a long computation
/// here never starves them.
public final class CPUThread: Sendable {
    private let queue: DispatchQueue

    /// Creates a CPU thread labelled for debuggers.
    public init(label: String = "jobrun.cpu") {
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on this thread and resumes the caller with its outcome.
    public func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result(catching: body))
            }
        }
    }
}
