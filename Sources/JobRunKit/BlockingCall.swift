#if canImport(Glibc)
import Glibc
#endif

/// Runs a blocking call (a file read, waiting for a child process) on a thread of its own, so neither the
/// cooperative pool nor a CPU slot waits for it.
///
/// One short-lived thread per call: IO concurrency is bounded by the caller (the worker's IO budget), and a thread
/// that only waits costs little.
public enum BlockingCall {
    /// Runs `body` on a new thread and resumes the caller with its outcome.
    public static func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let job = Job { continuation.resume(with: Result(catching: body)) }
            let context = Unmanaged.passRetained(job).toOpaque()
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
            pthread_attr_setstacksize(&attributes, 256 * 1024)
            var thread = pthread_t()
            let created = pthread_create(&thread, &attributes, { raw in
                let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                job.work()
                return nil
            }, context)
            pthread_attr_destroy(&attributes)
            if created != 0 {
                Unmanaged<Job>.fromOpaque(context).release()
                continuation.resume(throwing: TaskFailure("cannot start a thread: error \(created)"))
            }
        }
    }

    /// A closure carried to the new thread.
    private final class Job: Sendable {
        let work: @Sendable () -> Void
        init(_ work: @escaping @Sendable () -> Void) { self.work = work }
    }
}
