#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A thread of its own for one CPU slot's runner, as a task executor.
///
/// A slot runner takes a task, runs it and hands back its result. On the shared pool, a command's run went through
/// two more threads: the runner handed the wait for the child to a CPU thread and was resumed when it ended, which is
/// two wake-ups and usually two migrations per task. A runner that prefers this executor runs here, and may block
/// this thread while its command runs (`CPUPool.runHoldingSlot`): nothing else runs on it.
public final class SlotThread: TaskExecutor {
    private struct Queue {
        var jobs: [UnownedJob] = []
        /// The thread found nothing to run and waits on `wakeUp`.
        var sleeping = false
        var stopped = false
    }

    private let queue = Mutex(Queue())
    /// A pipe the sleeping thread reads; written only when it sleeps, so no wake-up is lost or wasted.
    private let wakeUp: (read: Int32, write: Int32)

    /// Starts the thread; `nil` when the system refuses one (the caller runs on the shared pool instead).
    public init?() {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        wakeUp = (ends[0], ends[1])
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        defer { pthread_attr_destroy(&attributes) }
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, &attributes, { raw in
            Unmanaged<SlotThread>.fromOpaque(raw!).takeRetainedValue().serve()
            return nil
        }, context)
        if created != 0 {
            Unmanaged<SlotThread>.fromOpaque(context).release()
            return nil  // deinit closes the pipe
        }
    }

    deinit {
        close(wakeUp.read)
        close(wakeUp.write)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let (accepted, wake) = queue.withLock { queue -> (Bool, Bool) in
            guard !queue.stopped else { return (false, false) }
            queue.jobs.append(job)
            defer { queue.sleeping = false }
            return (true, queue.sleeping)
        }
        if wake { signalThread() }
        // A job of a task still running after `stop` (one that ignored its cancellation) finishes on the shared pool.
        if !accepted { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    /// Ends the thread once the jobs queued so far have run; later jobs run on the shared pool.
    public func stop() {
        let wake = queue.withLock { queue in
            queue.stopped = true
            defer { queue.sleeping = false }
            return queue.sleeping
        }
        if wake { signalThread() }
    }

    private func signalThread() {
        var byte: UInt8 = 1
        _ = write(wakeUp.write, &byte, 1)
    }

    private func serve() {
        var batch: [UnownedJob] = []
        while true {
            let stopped = queue.withLock { queue in
                swap(&batch, &queue.jobs)
                if batch.isEmpty, !queue.stopped { queue.sleeping = true }
                return queue.stopped
            }
            if batch.isEmpty {
                if stopped { return }
                var byte: UInt8 = 0
                while read(wakeUp.read, &byte, 1) < 0, errno == EINTR {}
                continue
            }
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
