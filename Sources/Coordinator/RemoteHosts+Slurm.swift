#if canImport(Glibc)
import Glibc
#endif
import Clock
import Scheduler

extension RemoteHosts {
    /// With `--slurm` or `--slurm-jobs`: starts the host agents through Slurm once the TCP side listens.
    func startSlurm(listener: RemoteListener) throws {
        guard let network = configuration.network, let mode = network.slurm, let runtime else { return }
        var agent = [network.workerProgram, "worker", "--connect", agentEndpoint(listener), "--slots", String(configuration.slotsPerWorker)]
        if let key = serverKeyHex { agent += ["--server-key", key] } else { agent.append("--insecure") }
        // One job per agent; an agent whose coordinator is gone (killed) exits within a minute, ending its Slurm job.
        agent += ["--once", "--idle-exit", "60"]
        let launcher = SlurmLauncher(mode: mode, agentCommand: agent, runtimePath: runtime.path, jobName: "jobrun-\(getpid())")
        slurm = launcher
        for message in try launcher.start(now: .monotonicNow()) where !configuration.quiet { tally.progress.message(message) }
    }

    /// Once per tick: carries on the Slurm launcher's work and reports what happened. `inform` tells the scheduler:
    /// the workers of hosts whose Slurm job ended are lost now, not after missed heartbeats (their tasks go back to
    /// the queue), and those of hosts being drained retire.
    func pollSlurm(
        workRemaining remaining: Bool, typicalTaskMicroseconds typical: UInt64, roster: WorkerRoster,
        inform: (SchedulerEvent) -> Void
    ) {
        guard let slurm else { return }
        for action in slurm.poll(now: .monotonicNow(), workRemaining: remaining, typicalTaskMicroseconds: typical) {
            switch action {
            case .report(let text):
                if !configuration.quiet { tally.progress.message("jobrun: " + text) }
            case .hostGone(let node, _, let reason):
                for id in roster.workers.values.filter({ $0.identity.host == node }).map(\.id) {
                    roster.lossDetails[id] = reason
                    inform(.workerExited(workerID: id, cause: reason))
                }
            case .drainHost(let node, _, _):
                for id in roster.workers.values.filter({ $0.identity.host == node }).map(\.id) {
                    inform(.retire(workerID: id))
                }
            case .submit, .queryQueue, .cancel:
                break
            }
        }
    }
}
