/// What a task kind mostly spends its time on, which decides how many of its tasks a worker is sent at once.
public enum TaskResources: Sendable, Equatable {
    /// It computes: a worker runs as many at once as it has CPU slots (plus a little queued work).
    case cpu
    /// It waits on IO (network, timers, child processes): a worker keeps up to its IO concurrency in flight, and
    /// the CPU part of such a task, if any, still takes a CPU slot through `TaskContext.compute` while it runs.
    case io
}

extension TaskHandler {
    /// Kinds are CPU-bound unless they say otherwise.
    public var resources: TaskResources { .cpu }
}
