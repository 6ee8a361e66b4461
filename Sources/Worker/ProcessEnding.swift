#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import TaskFile
import WireProtocol

/// How an exec/shell task ended, decided from what is known once its process tree is gone: its exit status, what
/// its tree saw of memory, and whether jobrun stopped it (timeout, cancel). Pure, so every case is tested directly.
enum ProcessEnding {
    /// The outcome and the sentence for the result's `error` (unused when the outcome is `ok`).
    static func classify(_ status: ExitStatus, memory: MemoryUse?, stoppedBecause: TaskOutcome?) -> (TaskOutcome, String) {
        if stoppedBecause == .timeout {
            return (.timeout, "command ran past its timeout and was stopped, with everything it started")
        }
        if stoppedBecause == .cancelled, status.exitCode != 0 {
            return (.cancelled, "cancelled before it finished")
        }
        if let memory, memory.overLimit, let limit = memory.limitBytes {
            let peak = memory.peakBytes.map { " (peak \(ByteSize(bytes: $0).description))" } ?? ""
            return (.memory, "command went over its memory limit of \(ByteSize(bytes: limit).description)\(peak) and was stopped, with everything it started")
        }
        if let memory, memory.killedByKernel
            || (status.signal == SIGKILL && memory.kernelKilledSomethingMeanwhile && !memory.stoppedByCaller)
        {
            return (.memory, "command was killed by the kernel's out-of-memory killer (the host ran out of memory for it)")
        }
        if let code = status.exitCode {
            return (code == 0 ? .ok : .exit, "command exited with status \(code)")
        }
        return (.signal, "command was killed by signal \(status.signalName ?? "\(status.signal ?? 0)")")
    }

    /// Whether a process may have died because its whole host is being stopped: it was killed by a stop signal
    /// (SIGTERM, SIGINT, SIGHUP, SIGKILL) that jobrun did not send, and not for memory. A batch system ending a job
    /// (Slurm's `scancel`, a time limit, a preemption) signals every process of it at once, in no set order, so
    /// the task's process may die before its worker hears of it; the worker then waits `hostStopGraceMilliseconds`
    /// for its own signal before calling the task failed, and a task that died with its host goes back to the queue.
    static func mayHaveDiedWithHost(_ status: ExitStatus, memory: MemoryUse?, stoppedBecause: TaskOutcome?) -> Bool {
        guard let signal = status.signal, [SIGTERM, SIGINT, SIGHUP, SIGKILL].contains(signal) else { return false }
        return classify(status, memory: memory, stoppedBecause: stoppedBecause).0 == .signal
            && memory?.stoppedByCaller != true
    }

    /// How long a worker waits for its own stop signal after a task's process died as `mayHaveDiedWithHost` says.
    static let hostStopGraceMilliseconds = 1_000
}
