import NIOCore
import Synchronization

/// Runs Swift tasks on a NIO event loop. A worker runs its IO-bound tasks here, on the loop that carries their network
/// IO, so a GET's request, its response and the task waiting for it stay on one thread: no hand-off to the cooperative
/// pool and back for every request. Work that blocks does not belong here (handlers use `compute` or a blocking call,
/// which run on threads of their own).
public final class EventLoopExecutor: TaskExecutor {
    private let loop: any EventLoop
    private let stopped = Atomic<Bool>(false)

    init(loop: any EventLoop) {
        self.loop = loop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        // A task still running when the worker stops (one that ignored its cancellation) finishes on the shared pool.
        guard !stopped.load(ordering: .acquiring) else {
            globalConcurrentExecutor.enqueue(job)
            return
        }
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Sends every later job to the global concurrent executor; call before the loop shuts down.
    func stop() {
        stopped.store(true, ordering: .releasing)
    }
}
