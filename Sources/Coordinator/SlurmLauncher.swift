#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import Scheduler

/// Starts and stops host agents through Slurm: one `srun` step inside an allocation (`--slurm`), or `sbatch` worker
/// jobs (`--slurm-jobs N`) that `SlurmWorkerJobPlan` submits, replaces and cancels. The agents are the same
/// `jobrun worker --connect … --once` the ssh launcher starts; they register like any remote worker.
///
/// Every Slurm command runs in the background (`SlurmCommandRun`), so the coordinator's loop never waits for
/// slurmctld; only `stop` waits (bounded) for `scancel`. Threads: the coordinator's thread only.
final class SlurmLauncher {
    let mode: SlurmMode
    /// The agent's command line (program, `worker`, `--connect`, security, `--once`, `--idle-exit`).
    let agentCommand: [String]
    private let runtimePath: String
    private var plan: SlurmWorkerJobPlan?
    private var step: SpawnedProcess?
    private var stepExit: ExitStatusDescription?
    private var stepLogPath: String { runtimePath + "/srun.log" }
    private var commands: [SlurmCommandRun] = []
    private var commandCounter = 0
    /// The name of this coordinator's worker jobs, so `squeue` lists only them.
    let jobName: String

    init(mode: SlurmMode, agentCommand: [String], runtimePath: String, jobName: String) {
        self.mode = mode
        self.agentCommand = agentCommand
        self.runtimePath = runtimePath
        self.jobName = jobName
        if case .workerJobs(let count, _) = mode { plan = SlurmWorkerJobPlan(count: count) }
    }

    /// Replacement worker jobs submitted after Slurm ended earlier ones.
    var replacementJobs: Int { plan?.replacements ?? 0 }

    /// Starts the `srun` step, or submits the first worker jobs; returns what to tell the user.
    ///
    /// - Throws: `CoordinatorError` when `--slurm` runs outside an allocation or `srun` cannot start.
    func start(now: Instant) throws(CoordinatorError) -> [String] {
        switch mode {
        case .allocation:
            guard let jobID = Self.environment("SLURM_JOB_ID") else {
                throw CoordinatorError(
                    "--slurm runs inside a Slurm allocation (salloc, or an sbatch script) and SLURM_JOB_ID is not set; "
                        + "from outside one, use --slurm-jobs N to submit worker jobs")
            }
            let nodes = Self.environment("SLURM_JOB_NUM_NODES") ?? Self.environment("SLURM_NNODES") ?? "1"
            let arguments = Self.stepArguments(nodes: nodes) + agentCommand
            let command = arguments.map(LaunchTemplate.quote).joined(separator: " ")
            var spawn = SpawnConfiguration(
                executable: "/bin/sh", arguments: ["-c", "exec >\(LaunchTemplate.quote(stepLogPath)) 2>&1; exec \(command)"])
            spawn.captureOutput = false
            spawn.newProcessGroup = true
            spawn.parentDeathSignal = SIGTERM
            do {
                step = try SpawnedProcess.spawn(spawn)
            } catch {
                throw CoordinatorError("cannot start srun: \(error)")
            }
            return ["jobrun: starting a host agent on each of the \(nodes) node(s) of Slurm job \(jobID) (one srun step)"]
        case .workerJobs(let count, _):
            perform(plan!.handle(.start, now: now), now: now)
            return ["jobrun: submitting \(count) Slurm worker job(s) (sbatch, job name \(jobName))"]
        }
    }

    /// The `srun` options for one agent per node with all of each node's CPUs.
    static func stepArguments(nodes: String) -> [String] {
        ["srun", "--nodes=\(nodes)", "--ntasks=\(nodes)", "--ntasks-per-node=1", "--whole", "--kill-on-bad-exit=0",
         "--job-name=jobrun-agents"]
    }

    /// The `sbatch` command for one worker job: a whole node, one agent, output discarded unless the user's
    /// `--sbatch-args` say otherwise (they come last, so they win).
    func sbatchArguments(userArguments: [String]) -> [String] {
        ["sbatch", "--parsable", "--job-name=\(jobName)", "--nodes=1", "--ntasks=1", "--exclusive", "--output=/dev/null"]
            + userArguments + ["--wrap", "exec " + agentCommand.map(LaunchTemplate.quote).joined(separator: " ")]
    }

    /// The processes this launcher started and has not reaped (kept when orphaned task processes are stopped).
    var childPIDs: Set<Int32> {
        var pids = Set((commands + detached).map(\.pid))
        if let step, stepExit == nil { pids.insert(step.pid) }
        return pids
    }

    /// Whether agents may still register: the step runs, or worker jobs are queued, running or about to be submitted.
    var workersMayJoin: Bool {
        if let plan { return plan.workersMayJoin }
        reapStep()
        return step != nil && stepExit == nil
    }

    /// Checks the background commands and the step; returns what the coordinator must act on (hosts gone, hosts to
    /// stop feeding) and messages.
    func poll(now: Instant, workRemaining: Bool, typicalTaskMicroseconds: UInt64) -> [SlurmWorkerJobPlan.Action] {
        if step != nil {
            guard stepExit == nil else { return [] }
            reapStep()
            guard let exit = stepExit else { return [] }
            let output = RemoteHosts.tail(ofFile: stepLogPath)
            return [.report("the srun step \(exit.text)" + (output.isEmpty ? "" : "; its output:\n" + Self.indent(output)))]
        }
        guard plan != nil else { return [] }
        var outward: [SlurmWorkerJobPlan.Action] = []
        outward += perform(plan!.handle(.workRemaining(workRemaining), now: now), now: now)
        outward += perform(plan!.handle(.taskDuration(microseconds: typicalTaskMicroseconds), now: now), now: now)
        var index = 0
        while index < commands.count {
            guard let result = commands[index].finished() else {
                index += 1
                continue
            }
            let run = commands.remove(at: index)
            let event: SlurmWorkerJobPlan.Event
            switch run.purpose {
            case .submit:
                if result.succeeded, let id = Self.submittedJobID(result.output) {
                    event = .submitted(jobID: id)
                } else {
                    event = .submitFailed(result.output.isEmpty ? "no job id printed" : result.output)
                }
            case .query:
                event = result.succeeded ? .queue(SlurmQueueEntry.parse(result.output)) : .queryFailed(result.output)
            }
            outward += perform(plan!.handle(event, now: now), now: now)
        }
        outward += perform(plan!.handle(.tick, now: now), now: now)
        return outward
    }

    /// Ends everything: cancels every worker job (waiting for submissions under way, to cancel those too) or stops
    /// the step. Bounded: at most about 15 s even when slurmctld does not answer.
    func stop() {
        if let step, stepExit == nil {
            _ = step.signal(SIGTERM, wholeGroup: true)
            let deadline = Clocks.monotonicNanoseconds() + 5_000_000_000
            while stepExit == nil, Clocks.monotonicNanoseconds() < deadline {
                reapStep()
                usleep(10_000)
            }
            if stepExit == nil {
                _ = step.signal(SIGKILL, wholeGroup: true)
                _ = step.wait()
            }
            return
        }
        guard plan != nil else { return }
        let now = Instant(nanoseconds: Clocks.monotonicNanoseconds())
        var cancel: [String] = []
        for action in plan!.handle(.ending, now: now) { if case .cancel(let ids) = action { cancel += ids } }
        // Submissions still under way: their jobs exist once sbatch answers.
        let deadline = Clocks.monotonicNanoseconds() + 10_000_000_000
        for run in commands where run.purpose == .submit {
            while Clocks.monotonicNanoseconds() < deadline {
                if let result = run.finished() {
                    if result.succeeded, let id = Self.submittedJobID(result.output) { cancel.append(id) }
                    break
                }
                usleep(10_000)
            }
        }
        commands.removeAll()
        guard !cancel.isEmpty else { return }
        let result = SlurmCommandRun.runToEnd(["scancel"] + cancel, outputPath: nextOutputPath(), timeoutSeconds: 10)
        if !result.succeeded {
            ProgressDisplay.write("jobrun: scancel \(cancel.joined(separator: " ")) failed: \(result.output)\n")
        }
    }

    /// The job id `sbatch --parsable` printed (`ID` or `ID;CLUSTER`), from its last line.
    static func submittedJobID(_ output: String) -> String? {
        guard let line = output.split(separator: "\n").last else { return nil }
        let id = line.split(separator: ";").first.map(String.init) ?? ""
        return !id.isEmpty && id.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 || $0 == UInt8(ascii: "_") }) ? id : nil
    }

    // MARK: - Internals

    /// Runs the plan's Slurm actions and hands back the rest.
    @discardableResult
    private func perform(_ actions: [SlurmWorkerJobPlan.Action], now: Instant) -> [SlurmWorkerJobPlan.Action] {
        var outward: [SlurmWorkerJobPlan.Action] = []
        for action in actions {
            switch action {
            case .submit:
                guard case .workerJobs(_, let user) = mode else { continue }
                launch(sbatchArguments(userArguments: user), purpose: .submit, now: now)
            case .queryQueue:
                launch(["squeue", "--noheader", "--states=all", "--name=\(jobName)", "--format=\(SlurmQueueEntry.squeueFormat)"],
                    purpose: .query, now: now)
            case .cancel(let ids):
                launch(["scancel"] + ids, purpose: .query, now: now, quiet: true)
            case .hostGone, .drainHost, .report:
                outward.append(action)
            }
        }
        return outward
    }

    private func launch(_ arguments: [String], purpose: SlurmCommandRun.Purpose, now: Instant, quiet: Bool = false) {
        do {
            let run = try SlurmCommandRun(arguments, purpose: purpose, outputPath: nextOutputPath())
            // A cancel's answer is not waited for; it is reaped when it ends.
            if !quiet { commands.append(run) } else { detached.append(run) }
        } catch {
            if purpose == .submit {
                perform(plan!.handle(.submitFailed("cannot start sbatch: \(error)"), now: now), now: now)
            } else {
                perform(plan!.handle(.queryFailed("cannot start \(arguments[0]): \(error)"), now: now), now: now)
            }
        }
        detached.removeAll { $0.finished() != nil }
    }

    private var detached: [SlurmCommandRun] = []

    private func nextOutputPath() -> String {
        commandCounter += 1
        return runtimePath + "/slurm-command-\(commandCounter).out"
    }

    private func reapStep() {
        guard let step, stepExit == nil, let status = step.tryWait() else { return }
        stepExit = ExitStatusDescription(status)
    }

    /// A variable of this process's environment, when set and not empty.
    static func environment(_ name: String) -> String? {
        guard let value = getenv(name), value.pointee != 0 else { return nil }
        return String(cString: value)
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n")
    }
}
