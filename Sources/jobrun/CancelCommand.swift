import ArgumentParser
import JobMonitor

/// `jobrun cancel JOB`: stops a running job as Ctrl-C would.
struct CancelCommand: StatusCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Stop a running job, as Ctrl-C in its terminal would.",
        discussion: """
            No new task starts; running tasks may finish within interrupt_grace_ms, then they are stopped. The \
            results recorded so far are kept. Cancelling again stops running tasks at once.
            """
    )

    @Argument(help: "The job: an id, a unique prefix or suffix of one, or its task file's name (default: the newest running job).")
    var job: String?

    @Option(name: .long, help: "Seconds to wait for the job to end (0: do not wait).")
    var wait: Double = 60

    func validate() throws {
        if wait < 0 { throw ValidationError("--wait must be 0 or more seconds, got \(wait)") }
    }

    func runWithStatus() -> Int32 {
        let found: JobRecord?
        if let job {
            found = resolveJob(job)
        } else {
            do {
                found = try JobCatalog().newestRunning()
            } catch {
                printError("jobrun: \(error)")
                found = nil
            }
        }
        guard let record = found else { return 2 }
        return JobCanceller(record: record).run(waitSeconds: wait)
    }
}
