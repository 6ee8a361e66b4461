import NIOCore

/// Runs Swift tasks on a NIO event loop. A worker runs its IO-bound tasks here, on the loop that carries their network
/// IO, so a GET's request, its response and the task waiting for it stay on one thread: no hand-off to the cooperative
/// pool and back for every request. Work that blocks does not belong here (handlers use `compute` or a blocking call,
/// which run on threads of their own).
public final class EventLoopExecutor: TaskExecutor {
    private let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
