import ArgumentParser
import JobMonitor
import SystemIO
#if canImport(Glibc)
import Glibc
#endif

/// The `jobrun` command tree. Parsing only: each subcommand hands its options to the coordinator or the worker.
@main
struct JobRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobrun",
        abstract: "Run a file of tasks on every core: parallel processes, concurrent IO inside each.",
        version: "jobrun \(jobrunVersion)",
        subcommands: [
            SubmitCommand.self, RunCommand.self, JobStatusCommand.self, TailCommand.self, CancelCommand.self, ReportCommand.self,
            WorkerCommand.self, KeygenCommand.self,
        ]
    )

    /// Parses the command line and runs the chosen command, mapping usage errors to exit status 2.
    static func main() {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            let message = fullMessage(for: error)
            printError("jobrun: \(message)")
            if !message.contains("--help") { printError("Run `jobrun --help` for usage.") }
            Glibc.exit(2)
        }
        guard let runnable = command as? any StatusCommand else {
            // ArgumentParser's own commands (such as `help`) report through errors.
            do {
                var builtIn = command
                try builtIn.run()
                Glibc.exit(0)
            } catch {
                print(fullMessage(for: error))
                Glibc.exit(exitCode(for: error) == .success ? 0 : 2)
            }
        }
        Glibc.exit(runnable.runWithStatus())
    }
}

/// This build's version, printed by `jobrun --version`.
let jobrunVersion = "0.3.0"

/// A subcommand that returns its own process exit status.
protocol StatusCommand: ParsableCommand {
    func runWithStatus() -> Int32
}

/// The job `id` names in the state directory (the newest without one); `nil` once standard error says why there
/// is none (an unknown id lists the known ones).
func resolveJob(_ id: String?) -> JobRecord? {
    do {
        return try JobCatalog().resolve(id)
    } catch {
        printError("jobrun: \(error)")
        return nil
    }
}

/// Writes a line to standard error.
func printError(_ line: String) { StandardError.writeLine(line) }
