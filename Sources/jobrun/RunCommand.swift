import ArgumentParser
import Coordinator
import JobMonitor
import ParallelCommand
import Scheduler
import Settings
import TaskFile
#if canImport(Glibc)
import Glibc
#endif

/// `jobrun run COMMAND ::: INPUTS`: GNU parallel's command line over jobrun's coordinator.
struct RunCommand: StatusCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command once per input, GNU parallel style: jobrun run gzip ::: *.txt",
        discussion: """
            Inputs follow ::: (values), :::: (files, one input a line; - is standard input), or, with neither, \
            come from standard input one a line, read as they arrive. Several sources give every combination \
            (the first varying slowest); :::+ and ::::+ pair a source with the one before it, element by element.

            Replacement strings: {} the input, {.} without extension, {/} basename, {//} directory, {/.} basename \
            without extension, {#} job number, {%} slot, {1} {2}... the Nth source (also {1.} {1/} {1//} {1/.}). \
            A command without one gets the inputs appended. The command runs with /bin/sh -c, each input quoted \
            so it arrives as the exact bytes given.

            Each task's output is printed as one block when it ends. Exit status: 0 every task succeeded, 1 some \
            task failed, 2 usage or input error, 130 interrupted.
            """
    )

    @Option(name: [.customShort("j"), .long], help: "Jobs at once: local worker processes (default: the number of cores).")
    var jobs: Int?

    @Flag(name: [.customShort("k"), .long], help: "Print the output in input order, not in the order tasks end.")
    var keepOrder = false

    @Flag(name: .long, help: "Start each output line with the task's input values.")
    var tag = false

    @Flag(name: .long, help: "Print the commands without running them.")
    var dryRun = false

    @Flag(name: .long, help: "Print output lines as they are written instead of one block per task.")
    var lineBuffer = false

    @Option(name: .long, help: "Also keep the JSONL results file here (with --resume, skip the inputs it records).")
    var results: String?

    @Flag(name: .long, help: "With --results: skip the jobs the results file already records as succeeded.")
    var resume = false

    @Flag(name: .long, help: "Continue an earlier run, running again the jobs recorded as failed (implies --resume).")
    var rerunFailed = false

    @OptionGroup
    var job: JobOptions

    @Argument(
        parsing: .captureForPassthrough,
        help: ArgumentHelp("The command, its arguments, and the input sources.", valueName: "command ::: input"))
    var words: [String] = []

    func validate() throws {
        // With an option group, swift-argument-parser hands a leading --help to the passthrough words instead of
        // showing the help; it would run as a command.
        if let first = words.first, first == "--help" || first == "-h" { throw CleanExit.helpRequest(Self.self) }
        if let jobs, jobs < 1 || jobs > 4096 { throw ValidationError("--jobs must be from 1 to 4096, got \(jobs)") }
        if resume || rerunFailed, results == nil {
            throw ValidationError("--resume and --rerun-failed need --results FILE: the results they continue")
        }
        if words.isEmpty { throw ValidationError("give a command (jobrun run COMMAND ::: INPUT...), or inputs that are commands") }
    }

    func runWithStatus() -> Int32 {
        let arguments: ParallelArguments
        let source: CommandTaskSource
        do {
            arguments = try ParallelArguments(parsing: Self.exactWords(words))
            source = try CommandTaskSource(arguments: arguments)
        } catch let error as ParallelArgumentError {
            printError("jobrun: \(error)")
            return SubmitExitCode.usage
        } catch {
            printError("jobrun: \(error)")
            return SubmitExitCode.usage
        }
        if dryRun { return Self.printCommands(of: source) }
        guard var settings = job.settings() else { return SubmitExitCode.usage }
        // Printed output is held whole, as GNU parallel prints it whole.
        settings.outputCapBytes = max(settings.outputCapBytes, 16 << 20)
        guard job.applyOutputCap(to: &settings) else { return SubmitExitCode.usage }
        let workerCount = jobs ?? SubmitCommand.coreCount()
        let outputPath = results ?? "/dev/null"
        let terminal = isatty(2) != 0
        var configuration = JobConfiguration(
            taskFilePath: arguments.streamsStandardInput ? "-" : "(command line)", outputPath: outputPath,
            workerCount: workerCount, workerCommand: [SubmitCommand.executablePath(), "worker"],
            settings: settings, quiet: !terminal)
        configuration.taskSource = source
        // As GNU parallel's --results, a new run replaces the file; --resume continues it.
        configuration.overwriteOutput = !(resume || rerunFailed)
        configuration.keepsResults = results != nil
        configuration.taskOutput = lineBuffer ? nil : TaskOutputMode(keepOrder: keepOrder, tag: tag)
        configuration.streamOutput = lineBuffer
        configuration.showStreamedOutput = lineBuffer
        configuration.streamedLineTag = tag ? .inputs : .none
        job.apply(to: &configuration)
        configuration.resume = resume || rerunFailed
        configuration.rerunFailed = rerunFailed
        let submission = JobSubmission(
            taskFile: configuration.taskFilePath, outputPath: outputPath, settingsPath: job.config, workers: workerCount,
            slots: 1, streamOutput: lineBuffer)
        let recorder = settings.recordEvents == 0 ? nil : JobWatch.recorder(for: submission, jobID: nil)
        configuration.observers = recorder.map { [$0] } ?? []
        let status = CoordinatorService(configuration: configuration).run()
        recorder?.finish(exitStatus: status)
        return status
    }

    /// `words` with the exact bytes the command line gave: the argument parser decodes arguments as UTF-8,
    /// replacing bytes that are not, so inputs such as `$'\xff'` are taken from the raw argument vector instead
    /// (they are its last `words.count` entries) and kept with `LosslessText`. The command's own words stay as
    /// decoded: they become the text of a shell command, which cannot hold such bytes. Falls back to `words` if the
    /// raw entries do not match them.
    static func exactWords(_ words: [String]) -> [String] {
        let count = Int(CommandLine.argc)
        guard words.count <= count else { return words }
        var exact: [String] = []
        exact.reserveCapacity(words.count)
        var inSources = false
        for (offset, word) in words.enumerated() {
            guard let pointer = CommandLine.unsafeArgv[count - words.count + offset] else { return words }
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
            guard String(decoding: bytes, as: UTF8.self) == word else { return words }
            if [":::", ":::+", "::::", "::::+"].contains(word) { inSources = true }
            exact.append(inSources ? LosslessText.decode(bytes) : word)
        }
        return exact
    }

    /// `--dry-run`: each job's command, one a line, as it would run.
    static func printCommands(of source: CommandTaskSource) -> Int32 {
        while true {
            switch source.next() {
            case .task(let task):
                let line: String
                switch task.spec.command {
                case .shell(let command): line = command
                case .exec(let arguments): line = arguments.map(ShellQuote.quote).joined(separator: " ")
                case .run(let kind, _): line = kind
                }
                // A reader that went away (| head) ends the listing quietly.
                guard writeOut(line + "\n") else { return SubmitExitCode.success }
            case .waiting:
                var item = pollfd(fd: source.readinessDescriptor ?? 0, events: Int16(POLLIN), revents: 0)
                _ = poll(&item, 1, -1)
            case .end:
                return SubmitExitCode.success
            case .problem(let problem):
                printError("jobrun: \(problem)")
                return SubmitExitCode.usage
            }
        }
    }
}

/// Writes `text` to standard output, whole; false when the reader is gone.
private func writeOut(_ text: String) -> Bool {
    var copy = text
    return copy.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }
}
