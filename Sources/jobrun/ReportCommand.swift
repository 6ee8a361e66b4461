import ArgumentParser
import JobMonitor

/// `jobrun report [JOB]`: a self-contained HTML page about a job.
struct ReportCommand: StatusCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report of a job: timeline, duration histogram, workers, failures.",
        discussion: "The page needs no network to view. Without --output it goes to standard output."
    )

    @Argument(help: "The job (default: the newest).")
    var job: String?

    @Option(name: [.short, .long], help: "Write the page to this file instead of standard output.")
    var output: String?

    func runWithStatus() -> Int32 {
        let report: ReportBuilder
        do {
            let record = try JobCatalog().resolve(job)
            let (loaded, warnings) = try ReportBuilder.load(record)
            for warning in warnings { printError(warning) }
            report = loaded
        } catch {
            printError("jobrun: \(error)")
            return 2
        }
        let page = Array(report.html().utf8)
        if let output {
            do {
                try FileText.writeAtomically(page, to: output, mode: 0o644)
            } catch {
                printError("jobrun: \(error)")
                return 1
            }
            printError("jobrun: report of job \(report.jobID) written to \(output)")
            return 0
        }
        return FileText.writeAll(page, to: 1) ? 0 : 1
    }
}
