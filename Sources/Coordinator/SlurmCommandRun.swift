#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock

/// One Slurm command (`sbatch`, `squeue`, `scancel`) running in the background with its output in a file, so the
/// coordinator's loop never waits for slurmctld. Stopped after `timeoutSeconds`.
///
/// Threads: the coordinator's thread only.
final class SlurmCommandRun {
    /// What the command was for, as the driver tags it.
    enum Purpose { case submit, query }

    let purpose: Purpose
    let arguments: [String]
    private let process: SpawnedProcess
    var pid: Int32 { process.pid }
    private let outputPath: String
    private let deadline: UInt64

    /// Starts `arguments` with its stdout and stderr in `outputPath`.
    init(_ arguments: [String], purpose: Purpose, outputPath: String, timeoutSeconds: Double = 30) throws(SpawnError) {
        self.arguments = arguments
        self.purpose = purpose
        self.outputPath = outputPath
        let command = arguments.map(LaunchTemplate.quote).joined(separator: " ")
        var spawn = SpawnConfiguration(executable: "/bin/sh", arguments: ["-c", "exec >\(LaunchTemplate.quote(outputPath)) 2>&1; exec \(command)"])
        spawn.captureOutput = false
        spawn.newProcessGroup = true
        spawn.parentDeathSignal = SIGTERM
        process = try SpawnedProcess.spawn(spawn)
        deadline = Clocks.monotonicNanoseconds() + UInt64(timeoutSeconds * 1e9)
    }

    /// `nil` while it runs; then whether it exited 0 and what it printed (trimmed). A command past its deadline is
    /// killed and reported as failed.
    func finished() -> (succeeded: Bool, output: String)? {
        if let status = process.tryWait() {
            let output = RemoteHosts.tail(ofFile: outputPath)
            unlink(outputPath)
            return (status.exitCode == 0, output)
        }
        guard Clocks.monotonicNanoseconds() > deadline else { return nil }
        _ = process.signal(SIGKILL, wholeGroup: true)
        _ = process.wait()
        unlink(outputPath)
        return (false, "\(arguments.first ?? "command") did not answer within its timeout")
    }

    /// Runs a command to its end (at most `timeoutSeconds`), for the end of a job when nothing else waits.
    static func runToEnd(_ arguments: [String], outputPath: String, timeoutSeconds: Double) -> (succeeded: Bool, output: String) {
        guard let run = try? SlurmCommandRun(arguments, purpose: .query, outputPath: outputPath, timeoutSeconds: timeoutSeconds) else {
            return (false, "cannot start \(arguments.first ?? "command")")
        }
        while true {
            if let result = run.finished() { return result }
            usleep(10_000)
        }
    }
}
