import CChildProcess  // Its headers own the zero initializers of the C structs used here (sigset_t, stat...).
import Glibc
import Synchronization

/// A started child process: its pid, a way to signal it (or its process group), and its exit status
/// once it ends.
///
/// Thread-safe: any thread may signal or wait. The pid is only reaped under a lock that `signal`
/// also takes, so a signal never reaches a recycled pid. Call `wait()` (or `tryWait()` until it
/// returns a status) before dropping the value, or the child stays a zombie until this process
/// exits. Nothing else in the process may reap it (no `waitpid(-1, ...)`).
public final class SpawnedProcess: Sendable {
    /// The child's process id.
    public let pid: Int32
    /// Whether the child leads its own process group (whose id is `pid`).
    public let leadsProcessGroup: Bool
    /// The status once reaped; `nil` while the pid still belongs to the child.
    private let reapedStatus = Mutex<ExitStatus?>(nil)

    init(pid: Int32, leadsProcessGroup: Bool) {
        self.pid = pid
        self.leadsProcessGroup = leadsProcessGroup
    }

    deinit {
        _ = tryWait()
    }

    /// Starts a child whose stdout and stderr are this process's, and whose stdin is `/dev/null`.
    ///
    /// `configuration.captureOutput` must be `false` and `configuration.stdin` `nil` or empty (use
    /// `ProcessRunner.run` to capture or feed input); otherwise this throws an `EINVAL` `SpawnError`.
    /// Also throws for everything `ProcessRunner.run` rejects (bad directory, unknown command, a
    /// failed exec...). Returns once the child has executed the program.
    public static func spawn(_ configuration: SpawnConfiguration) throws(SpawnError) -> SpawnedProcess {
        guard !configuration.captureOutput else {
            throw .invalid(
                configuration.executable,
                "SpawnedProcess.spawn cannot capture output (set captureOutput to false, or use ProcessRunner.run)")
        }
        guard configuration.stdin?.isEmpty ?? true else {
            throw .invalid(
                configuration.executable,
                "SpawnedProcess.spawn cannot feed stdin (use ProcessRunner.run)")
        }
        if configuration.newSession, configuration.parentDeathSignal != nil {
            throw .invalid(configuration.executable, "a new session cannot be had with a parent-death signal")
        }
        let plan = try LaunchPlan(configuration)
        var output = Launcher.StreamSource.inherit
        if let path = configuration.outputFile {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw .system(configuration.executable, "opening its output file \(path)", errorNumber: errno)
            }
            output = .descriptor(descriptor)
        }
        defer { if case .descriptor(let descriptor) = output { close(descriptor) } }
        let pid = try Launcher.launch(
            plan, stdin: .devNull, stdout: output, stderr: output,
            newProcessGroup: configuration.newProcessGroup,
            parentDeathSignal: configuration.parentDeathSignal, newSession: configuration.newSession)
        return SpawnedProcess(pid: pid, leadsProcessGroup: configuration.newProcessGroup || configuration.newSession)
    }

    /// Sends `signal` to the child's process group when `wholeGroup` is true and the child leads one
    /// (reaching every process in it that did not leave), otherwise to the child alone.
    ///
    /// Returns whether the signal was sent. After the child has been reaped this does nothing and
    /// returns `false`: its pid and group id may already belong to other processes. A target that
    /// is already gone (`ESRCH`) also returns `false`.
    @discardableResult
    public func signal(_ signal: Int32, wholeGroup: Bool = true) -> Bool {
        reapedStatus.withLock { status in
            guard status == nil else { return false }
            let target = wholeGroup && leadsProcessGroup ? -pid : pid
            return kill(target, signal) == 0
        }
    }

    /// The exit status if the child has ended, reaping it (without blocking); `nil` while it runs.
    /// Once a status is known, every later call (and `wait()`) returns the same one.
    public func tryWait() -> ExitStatus? {
        reapedStatus.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            while true {
                let result = waitpid(pid, &raw, WNOHANG)
                if result == pid {
                    status = ExitStatus(waitStatus: raw)
                    return status
                }
                if result == 0 { return nil }
                if errno == EINTR { continue }
                // ECHILD: something else reaped the child; its status is lost.
                status = ExitStatus(exitCode: nil, signal: nil)
                return status
            }
        }
    }

    /// Blocks until the child ends and returns its exit status (the same one on every call).
    ///
    /// Waits with `WNOWAIT` outside the lock, so another thread can still `signal` the child
    /// meanwhile, then reaps it under the lock.
    public func wait() -> ExitStatus {
        if let status = reapedStatus.withLock({ $0 }) { return status }
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        // Ended (or already reaped by another caller): either way this no longer blocks.
        while true {
            if let status = tryWait() { return status }
            // Unreachable unless the kernel woke waitid early; wait again rather than spin.
            _ = waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT)
        }
    }
}
