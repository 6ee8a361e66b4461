import ArgumentParser
import Coordinator
import JobMonitor
import JobRun
import Settings
#if canImport(Glibc)
import Glibc
#endif

/// `jobrun submit FILE`: runs a task file to completion on local worker processes.
struct SubmitCommand: StatusCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Run every task in a task file and record one result line per task.",
        discussion: """
            FILE is JSON ({"tasks": [...], "defaults": {...}}) or JSONL (one task object per line, \
            file name ending in .jsonl). Each task has exactly one of "exec" (argv array), "shell" (string) \
            or "run" (a built-in kind: echo, sha256-chain, sleep) with "args".

            Exit status: 0 every task succeeded, 1 some task failed, 2 usage or input error (nothing ran), \
            130 interrupted.
            """
    )

    @Argument(help: "The task file (.json or .jsonl).")
    var file: String

    @Option(name: .long, help: "Local worker processes to start (default: the number of cores).")
    var workers: Int?

    @Option(name: .long, help: "CPU-bound tasks each worker runs at once.")
    var slots: Int = 1

    @Option(name: [.short, .long], help: "Results file (JSONL), or - for standard output (default: <file stem>.results.jsonl beside the task file).")
    var output: String?

    @Flag(name: .long, help: "Replace an existing results file.")
    var force = false

    @Option(name: .long, help: "Settings file replacing the built-in defaults (see config/jobrun.conf).")
    var config: String?

    @Flag(name: [.short, .long], help: "Show nothing but errors.")
    var quiet = false

    @Flag(name: .long, help: "Run in the background: print the job id and where its files are, and return at once.")
    var detach = false

    @Option(name: .long, help: .hidden)
    var jobID: String?

    @Option(name: .long, help: "Retries for a failed task that does not set its own `retries` (default 0).")
    var retries: Int?

    @Option(name: .long, help: "Seconds a task may run before it is stopped, for tasks without their own `timeout`.")
    var timeout: Double?

    @Flag(name: .long, help: "Continue an earlier run into the same results file: skip tasks it recorded with an unchanged definition.")
    var resume = false

    @Flag(name: .long, help: "With --resume, also run again the tasks recorded as failed or timed out.")
    var rerunFailed = false

    @OptionGroup(title: "Workers on other machines")
    var network: NetworkOptions

    @OptionGroup(title: "Pools and resources")
    var workflow: WorkflowOptions

    @Option(name: .long, help: "IO-bound tasks (sleep, http-get, io exec) each worker keeps in flight (default 256, see config).")
    var ioConcurrency: Int?

    @Option(name: .long, help: "Run workers from this program (a custom worker built with the JobRun library) instead of jobrun itself.")
    var workerCommand: String?

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Send exec/shell tasks' output lines as they are written.",
            discussion: "Each whole line goes to the event log (jobrun tail --output, --json) and, in the foreground "
                + "without --quiet, to this terminal tagged with its task id: [id] line on standard output, "
                + "[id stderr] line on standard error (both on standard error with --output -). The results keep "
                + "the captured output as before (stream_output = 1 in the settings does the same)."))
    var streamOutput = false

    func validate() throws {
        if let workers, workers < 0 || (workers == 0 && network.listen == nil) {
            throw ValidationError("--workers must be at least 1 (or 0 with --listen: remote workers only), got \(workers)")
        }
        if slots < 1 { throw ValidationError("--slots must be at least 1, got \(slots)") }
        if let retries, retries < 0 || retries > 1000 { throw ValidationError("--retries must be from 0 to 1000, got \(retries)") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a number of seconds above 0, got \(timeout)") }
        if rerunFailed, !resume { throw ValidationError("--rerun-failed goes with --resume") }
        if let ioConcurrency, ioConcurrency < 1 { throw ValidationError("--io-concurrency must be at least 1, got \(ioConcurrency)") }
        if let workerCommand, access(workerCommand, X_OK) != 0 {
            throw ValidationError("--worker-command \(workerCommand) is not an executable file")
        }
        if resume, force { throw ValidationError("--resume keeps the results file and --force replaces it; choose one") }
        if resume, output == "-" { throw ValidationError("--resume needs a results file, not standard output") }
    }

    func runWithStatus() -> Int32 {
        var settings = Settings()
        if let config {
            do {
                settings = try Settings(contentsOf: config)
            } catch {
                printError("jobrun: \(error)")
                return SubmitExitCode.usage
            }
        }
        let outputPath = output ?? JobConfiguration.defaultOutputPath(forTaskFile: file)
        let workerCount = workers ?? Self.coreCount()
        let streamsOutput = streamOutput || settings.streamOutput != 0
        let submission = JobSubmission(
            taskFile: file, outputPath: outputPath, settingsPath: config, workers: workerCount, slots: slots,
            streamOutput: streamsOutput
        )
        if detach {
            return DetachedLauncher(submission: submission).launch(
                executable: Self.executablePath(), arguments: Array(CommandLine.arguments.dropFirst())
            )
        }
        var configuration = JobConfiguration(
            taskFilePath: file,
            outputPath: outputPath,
            overwriteOutput: force,
            workerCount: workerCount,
            slotsPerWorker: slots,
            workerCommand: workerCommand.map { [$0, "worker"] } ?? [Self.executablePath(), "worker"],
            settings: settings,
            quiet: quiet
        )
        configuration.defaultRetries = retries ?? 0
        configuration.defaultTimeout = timeout
        configuration.resume = resume
        configuration.rerunFailed = rerunFailed
        var notes: [String] = []
        do {
            configuration.network = try network.configuration(program: Self.executablePath(), notes: &notes)
        } catch {
            printError("jobrun: \(error)")
            return SubmitExitCode.usage
        }
        for note in notes { printError(note) }
        do {
            try workflow.apply(to: &configuration)
        } catch {
            printError("jobrun: \(error)")
            return SubmitExitCode.usage
        }
        configuration.ioConcurrency = ioConcurrency
        configuration.customWorker = workerCommand != nil
        configuration.streamOutput = streamsOutput
        // A detached coordinator (--job-id) would only copy the lines into its log; the event log has them.
        configuration.showStreamedOutput = streamsOutput && !quiet && jobID == nil
        let recorder = settings.recordEvents == 0 ? nil : JobWatch.recorder(for: submission, jobID: jobID)
        configuration.observers = recorder.map { [$0] } ?? []
        let status = CoordinatorService(configuration: configuration).run()
        recorder?.finish(exitStatus: status)
        return status
    }

    static func coreCount() -> Int {
        max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
    }

    /// This program's own path, so workers run the same build.
    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
