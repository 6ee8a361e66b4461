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
}
