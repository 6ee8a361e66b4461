import ArgumentParser
import JobMonitor

/// `jobrun status [JOB...]`: the jobs on this machine.
struct JobStatusCommand: StatusCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List the jobs on this machine: id, name, state, done/total, age, tasks by status.",
        discussion: """
            Jobs are recorded under $JOBRUN_STATE_DIR, else $XDG_STATE_HOME/jobrun/jobs, else \
            ~/.local/state/jobrun/jobs. A job whose coordinator died without ending it is shown as "died".
            """
    )

    @Argument(help: "Jobs to show (an id, or a unique prefix or suffix of one); all when none is given.")
    var jobs: [String] = []

    @Flag(name: .long, help: "One JSON object per job instead of a table.")
    var json = false

    func runWithStatus() -> Int32 {
        let catalog = JobCatalog()
        var records: [JobRecord] = []
        if jobs.isEmpty {
            records = catalog.records()
        } else {
            for job in jobs {
                do {
                    records.append(try catalog.resolve(job))
                } catch {
                    printError("jobrun: \(error)")
                    return 2
                }
            }
        }
        let table = JobStatusTable(records: records)
        if json {
            for line in table.jsonLines() { print(line) }
        } else if records.isEmpty {
            print("no jobs recorded in \(catalog.stateDirectory.path)")
        } else {
            for line in table.lines() { print(line) }
        }
        return 0
    }
}
