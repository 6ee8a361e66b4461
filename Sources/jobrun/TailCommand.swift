import ArgumentParser
import JobMonitor

/// `jobrun tail [JOB]`: a live view of a running job, or a replay of a finished one.
struct TailCommand: StatusCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Watch a job: totals, rate, ETA, workers, slowest running tasks and failures as they happen.",
        discussion: """
            A running job is followed until it ends (Ctrl-C stops watching, not the job); a finished job, or one \
            whose coordinator died, is replayed from its event log. JOB is an id, or a unique prefix or suffix of \
            one; without it, the newest job.
            """
    )

    @Argument(help: "The job (default: the newest).")
    var job: String?

    @Flag(name: .long, help: "Print one frame and exit.")
    var once = false

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Also print the tasks' stdout and stderr lines, tagged with the task id: as they are written for a job "
                + "submitted with --stream-output, else each task's lines together once its result is recorded."))
    var output = false

    @Flag(name: .long, help: "Print the raw events, one JSON object a line (a live job starts with a snapshot).")
    var json = false

    func runWithStatus() -> Int32 {
        guard let record = resolveJob(job) else { return 2 }
        var options = TailOptions()
        options.once = once
        options.output = output
        options.json = json
        return TailSession(record: record, options: options).run()
    }
}
