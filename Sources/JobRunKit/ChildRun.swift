#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Synchronization

/// Runs a child process to completion from async code: the wait happens on a thread of its own, and cancelling the
/// awaiting task sends SIGTERM to the child's process group, then SIGKILL after a second.
public enum ChildRun {
    /// Runs `configuration` (output captured) and returns its output; `blocking` runs the blocking wait.
    public static func run(
        _ configuration: SpawnConfiguration,
        blocking: (@escaping @Sendable () throws -> ProcessOutput) async throws -> ProcessOutput
    ) async throws -> ProcessOutput {
        let running = RunningChild()
        return try await withTaskCancellationHandler {
            try await blocking { try ProcessRunner.run(configuration) { running.started($0) } }
        } onCancel: {
            running.terminate()
        }
    }
}

/// The child of one `ChildRun.run`, once started, and whether it was asked to stop.
private final class RunningChild: Sendable {
    private struct State {
        var process: SpawnedProcess?
        var terminated = false
    }

    private let state = Mutex(State())

    func started(_ process: SpawnedProcess) {
        let stopNow = state.withLock { state in
            state.process = process
            return state.terminated
        }
        if stopNow { stop(process) }
    }

    func terminate() {
        let process = state.withLock { state in
            state.terminated = true
            return state.process
        }
        if let process { stop(process) }
    }

    private func stop(_ process: SpawnedProcess) {
        process.signal(SIGTERM)
        Task {
            try? await Task.sleep(nanoseconds: 1_000_000_000)
            process.signal(SIGKILL)
        }
    }
}
