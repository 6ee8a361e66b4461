#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import SystemIO

/// `jobrun submit --detach`: starts the coordinator as a background process in a new session and returns.
///
/// The background coordinator is this same program with the same arguments (minus `--detach`, plus `--job-id`),
/// with standard input from /dev/null and standard output and error appended to the job's `coordinator.log`. A new
/// session means no terminal signals reach it (closing the terminal or Ctrl-C there does nothing); its workers
/// still die with it, as in the foreground. The launcher waits briefly for the job to pass its checks, so a bad task
/// file is still reported here with exit status 2.
public struct DetachedLauncher {
    /// What is submitted.
    public let submission: JobSubmission
    /// Where jobs are recorded.
    public let stateDirectory: StateDirectory
    /// How long to wait for the coordinator to start the job before returning anyway.
    public var startWaitSeconds: Double = 5

    /// A launcher for `submission`.
    public init(submission: JobSubmission, stateDirectory: StateDirectory = .standard()) {
        self.submission = submission
        self.stateDirectory = stateDirectory
    }

    /// Starts the background coordinator `executable` with `arguments` (the submit command line without the program
    /// name) and reports the job id and its files on standard output.
    ///
    /// - Returns: 0 once the job is under way (or done already), 2 when it was rejected (its problems are copied to
    ///   standard error), 1 when it could not be started.
    public func launch(executable: String, arguments: [String]) -> Int32 {
        let directory: JobDirectory
        do {
            directory = try stateDirectory.createJob()
            try submission.metadata(id: directory.id, detached: true).write(to: directory)
            stateDirectory.prune(keeping: StateDirectory.keptJobs())
        } catch {
            FileText.standardError("jobrun: cannot detach the job: \(error)\n")
            return 2
        }
        let childArguments = arguments.filter { $0 != "--detach" } + ["--job-id", directory.id]
        let process: SpawnedProcess
        do {
            process = try spawn(executable, arguments: childArguments, logPath: directory.coordinatorLogPath)
        } catch {
            FileText.standardError("jobrun: cannot start the background coordinator: \(error)\n")
            return 1
        }
        let deadline = Clocks.monotonicNanoseconds() + UInt64(startWaitSeconds * 1e9)
        var exitStatus: Int32?
        var metadata = try? JobMetadata.read(from: directory)
        while Clocks.monotonicNanoseconds() < deadline {
            if let status = process.tryWait() {
                exitStatus = status.exitCode ?? 128 + (status.signal ?? 0)
                metadata = try? JobMetadata.read(from: directory)
                break
            }
            metadata = try? JobMetadata.read(from: directory)
            // A job that never started (rejected, failed) is about to exit: wait for its status.
            if let state = metadata?.state, state != .starting, metadata?.startedMicroseconds != nil { break }
            usleep(20_000)
        }
        if let exitStatus, metadata?.state == .rejected || metadata?.state == .starting || metadata?.startedMicroseconds == nil {
            let log = WholeFile.text(directory.coordinatorLogPath) ?? ""
            FileText.standardError(log)
            FileText.standardError("jobrun: the background job \(directory.id) did not start (exit status \(exitStatus)); its log is \(directory.coordinatorLogPath)\n")
            return exitStatus == 0 ? 1 : exitStatus
        }
        report(directory, metadata: metadata, pid: process.pid, exited: exitStatus != nil)
        return 0
    }

    private func report(_ directory: JobDirectory, metadata: JobMetadata?, pid: pid_t, exited: Bool) {
        var lines = [directory.id]
        let name = metadata?.name ?? submission.taskFile
        if exited {
            lines.append("jobrun: job \(directory.id) (\(name)) already finished in the background: \(metadata?.state.rawValue ?? "unknown")")
        } else if metadata?.state == .running {
            lines.append("jobrun: job \(directory.id) (\(name)) is running in the background: \(metadata?.total ?? 0) tasks, coordinator pid \(pid)")
        } else {
            lines.append("jobrun: job \(directory.id) (\(name)) is starting in the background (checking the task file), coordinator pid \(pid)")
        }
        lines += [
            "  state directory: \(directory.path)",
            "  event log:       \(directory.eventLogPath)",
            "  coordinator log: \(directory.coordinatorLogPath)",
            "  results:         \(metadata?.resultsPath ?? FileText.absolute(submission.outputPath))",
            "  watch it with `jobrun tail \(directory.id)`; also `jobrun status`, `jobrun cancel \(directory.id)`, `jobrun report \(directory.id)`",
        ]
        // Only the id goes to standard output, so `id=$(jobrun submit … --detach)` captures just that.
        FileText.standardOutput(lines[0] + "\n")
        FileText.standardError(lines.dropFirst().joined(separator: "\n") + "\n")
    }

    /// Marks every descriptor above 2 close-on-exec, so the background coordinator holds none of this process's
    /// pipes open (a caller reading this process's output would otherwise wait for the whole job).
    private func closeInheritedDescriptors() {
        for name in FileText.names(in: "/proc/self/fd") {
            guard let descriptor = Int32(name), descriptor > 2 else { continue }
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    private func spawn(_ executable: String, arguments: [String], logPath: String) throws(SpawnError) -> SpawnedProcess {
        closeInheritedDescriptors()
        var configuration = SpawnConfiguration(executable: executable, arguments: arguments, captureOutput: false)
        configuration.newSession = true
        configuration.outputFile = logPath
        return try SpawnedProcess.spawn(configuration)
    }
}
