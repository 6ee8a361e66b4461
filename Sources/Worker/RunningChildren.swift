#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Synchronization

/// The child processes of a worker's running exec/shell tasks, with their process trees, so they can be signalled
/// on timeout, cancel or exit.
final class RunningChildren: Sendable {
    private struct Running {
        let process: SpawnedProcess
        let tree: ProcessTree?

        /// SIGKILL reaches the whole tree (escapees too); other signals reach its process group and its tree.
        func signal(_ signal: Int32) {
            process.signal(signal)
            guard let tree else { return }
            if signal == SIGKILL { tree.killAll() } else { tree.stop(signal) }
        }
    }

    private struct State {
        var processes: [UInt64: Running] = [:]
        var cancelled = false
    }

    private let state = Mutex(State())

    /// Tracks a child; if the worker is already cancelling, the child is terminated at once.
    func add(_ process: SpawnedProcess, tree: ProcessTree? = nil, sequence: UInt64) {
        let running = Running(process: process, tree: tree)
        let cancelled = state.withLock { state in
            state.processes[sequence] = running
            return state.cancelled
        }
        if cancelled { running.signal(SIGTERM) }
    }

    func remove(sequence: UInt64) {
        _ = state.withLock { $0.processes.removeValue(forKey: sequence) }
    }

    /// Marks the worker as cancelling and sends `signal` to every running child's process group.
    func signalAll(_ signal: Int32) {
        let processes = state.withLock { state in
            state.cancelled = true
            return Array(state.processes.values)
        }
        for process in processes { process.signal(signal) }
    }

    /// Sends `signal` to one task's child process group and tree, if it is running.
    func signal(_ signal: Int32, sequence: UInt64) {
        let process = state.withLock { $0.processes[sequence] }
        process?.signal(signal)
    }

    /// Whether the worker is cancelling its running tasks.
    var isCancelling: Bool { state.withLock { $0.cancelled } }

    var isEmpty: Bool { state.withLock { $0.processes.isEmpty } }
}
