import ArgumentParser
import ChildProcess
import Coordinator
import JobMonitor
import JobRunKit
import Observability
import Scheduler
import Settings
import SystemIO
import TaskFile
import Worker
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
            or "run" (a built-in kind: \(HandlerRegistry.builtIn.names.joined(separator: ", "))) with "args". \
            FILE - (or a pipe, a FIFO, /dev/stdin) is read as JSONL as it arrives.

            Exit status: 0 every task succeeded, 1 some task failed, 2 usage or input error (nothing ran), \
            130 interrupted.
            """
    )

    @Argument(help: "The task file (.json or .jsonl).")
    var file: String

    @Option(name: .long, help: "Local worker processes to start (default: the number of cores).")
    var workers: Int?

    @Flag(name: .long, help: "Start as many --workers as asked even beyond \(Self.workersPerCoreLimit) per core.")
    var forceWorkers = false

    @Option(name: .long, help: "CPU-bound tasks each worker runs at once.")
    var slots: Int = 1

    @Option(name: [.short, .long], help: "Results file (JSONL), or - for standard output (default: <file stem>.results.jsonl beside the task file).")
    var output: String?

    @Flag(name: .long, help: "Replace an existing results file.")
    var force = false

    @OptionGroup
    var job: JobOptions

    @Flag(name: [.short, .long], help: "Show nothing but errors.")
    var quiet = false

    @Flag(name: .long, help: "Run in the background: print the job id and where its files are, and return at once.")
    var detach = false

    @Option(name: .long, help: .hidden)
    var jobID: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Memory limit for exec/shell tasks without their own `memory` (such as 512M or 2G).",
            discussion: "The kernel holds each task and everything it starts to it; a task over it is stopped and "
                + "recorded failed with failure \"memory\"."))
    var memory: String?

    @Flag(name: .long, help: "Continue an earlier run into the same results file: skip tasks it recorded with an unchanged definition.")
    var resume = false

    @Flag(name: .long, help: "Continue an earlier run, running again the tasks recorded as failed or timed out (implies --resume).")
    var rerunFailed = false

    @OptionGroup(title: "Workers on other machines")
    var network: NetworkOptions

    @OptionGroup(title: "Pools and resources")
    var workflow: WorkflowOptions

    @Option(name: .long, help: "IO-bound tasks (sleep, http-get, io exec) each worker keeps in flight (default 256, see config).")
    var ioConcurrency: Int?

    @Option(name: .long, help: "Run workers from this program (a custom worker built with the JobRunKit library) instead of jobrun itself.")
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

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Serve Prometheus metrics at /metrics and a live dashboard at / while the job runs.",
            discussion: "HOST:PORT or PORT; only this machine (127.0.0.1) unless HOST names another address; port 0 "
                + "picks a free one (printed). The `metrics` setting does the same.",
            valueName: "host:port"))
    var metrics: String?

    func validate() throws {
        if let metrics {
            do throws(MetricsAddress.ParseError) {
                _ = try MetricsAddress(parsing: metrics)
            } catch {
                throw ValidationError("--metrics: \(error.message)")
            }
        }
        if let workers, workers < 0 || (workers == 0 && network.listen == nil && !network.usesSlurm) {
            throw ValidationError("--workers must be at least 1 (or 0 with --listen or Slurm: remote workers only), got \(workers)")
        }
        if let workers, workers > Self.maximumWorkers {
            throw ValidationError("--workers must be at most \(Self.maximumWorkers), got \(workers)")
        }
        if !(1...Self.maximumSlots).contains(slots) {
            throw ValidationError("--slots must be from 1 to \(Self.maximumSlots), got \(slots)")
        }
        if let memory {
            do {
                _ = try ByteSize(parsing: memory, minimum: .minimumMemoryLimit)
            } catch {
                throw ValidationError("--memory: \(error)")
            }
        }
        if let ioConcurrency, !(1...Self.maximumIOConcurrency).contains(ioConcurrency) {
            throw ValidationError("--io-concurrency must be from 1 to \(Self.maximumIOConcurrency), got \(ioConcurrency)")
        }
        if let workerCommand, access(workerCommand, X_OK) != 0 {
            throw ValidationError("--worker-command \(workerCommand) is not an executable file")
        }
        if resume || rerunFailed, force { throw ValidationError("--resume keeps the results file and --force replaces it; choose one") }
        if resume || rerunFailed, output == "-" { throw ValidationError("--resume needs a results file, not standard output") }
    }

    func runWithStatus() -> Int32 {
        guard var settings = job.settings(), job.applyOutputCap(to: &settings) else { return SubmitExitCode.usage }
        let outputPath = output ?? JobConfiguration.defaultOutputPath(forTaskFile: file)
        // Through Slurm the nodes do the work: no local workers unless --workers asks for them.
        var workerCount = workers ?? (network.usesSlurm ? 0 : Self.coreCount())
        let sensible = Self.coreCount() * Self.workersPerCoreLimit
        if workerCount > sensible, !forceWorkers {
            printError(
                "jobrun: --workers \(workerCount) is more than \(Self.workersPerCoreLimit) per core on this machine "
                    + "(\(Self.coreCount()) cores); starting \(sensible) (pass --force-workers to start \(workerCount))")
            workerCount = sensible
        }
        let streamsOutput = streamOutput || settings.streamOutput != 0
        let submission = JobSubmission(
            taskFile: file, outputPath: outputPath, settingsPath: job.config, workers: workerCount, slots: slots,
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
        job.apply(to: &configuration)
        configuration.defaultMemoryLimitBytes = memory.flatMap { try? ByteSize(parsing: $0, minimum: .minimumMemoryLimit).bytes }
        // Running the failures again means continuing the earlier run: --rerun-failed implies --resume.
        configuration.resume = resume || rerunFailed
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
        configuration.resumeCommand = ResumeCommand.text(arguments: CommandLine.arguments)
        // A detached coordinator (--job-id) would only copy the lines into its log; the event log has them.
        configuration.showStreamedOutput = streamsOutput && !quiet && jobID == nil
        let recorder = settings.recordEvents == 0 ? nil : JobWatch.recorder(for: submission, jobID: jobID)
        recorder?.limitOutputLog(toBytes: settings.outputLogBytes)
        configuration.observers = recorder.map { [$0] } ?? []
        let served: ObservabilityServer?
        do {
            served = try startMetrics(settings: settings, recorder: recorder, configuration: &configuration)
        } catch {
            printError("jobrun: \(error)")
            recorder?.finish(exitStatus: SubmitExitCode.usage)
            return SubmitExitCode.usage
        }
        let status = CoordinatorService(configuration: configuration).run()
        served?.stop()
        recorder?.finish(exitStatus: status)
        return status
    }

    /// Local workers per core started without `--force-workers`: each is a process, and far more of them than
    /// cores only adds forking and memory.
    static let workersPerCoreLimit = 16
    static let maximumWorkers = WorkerOptions.maximumWorkers
    static let maximumSlots = WorkerOptions.maximumSlots
    static let maximumIOConcurrency = WorkerOptions.maximumIOConcurrency
    /// The longest timeout (`--timeout`, `--idle-exit`), as for a task's own `timeout`.
    static let maximumTimeout = JobOptions.maximumTimeout
    /// With `--metrics` (or the `metrics` setting): starts the HTTP server and adds its observer to the job.
    private func startMetrics(
        settings: Settings, recorder: JobEventRecorder?, configuration: inout JobConfiguration
    ) throws -> ObservabilityServer? {
        guard let address = try metrics.map({ (text) throws(MetricsAddress.ParseError) in try MetricsAddress(parsing: text) })
            ?? settings.metrics
        else { return nil }
        let jobMetrics = JobMetrics()
        let server = try ObservabilityServer(
            address: address, metrics: jobMetrics, eventLogPath: recorder?.directory.eventLogPath,
            jobID: recorder?.directory.id ?? "job")
        configuration.observers.append(MetricsObserver(metrics: jobMetrics))
        if !quiet {
            printError("jobrun: metrics at \(server.url)metrics, live dashboard at \(server.url)")
        }
        return server
    }

    static func coreCount() -> Int { HostFacts.coreCount() }

    /// This program's own path, so workers run the same build.
    static func executablePath() -> String { ProgramPath.current() }
}
