#if canImport(Glibc)
import Glibc
#endif
import Clock
import Scheduler

extension CoordinatorService {
    /// With `--slurm` or `--slurm-jobs`: starts the host agents through Slurm once the TCP side listens.
    func startSlurm(listener: RemoteListener) throws {
        guard let network = configuration.network, let mode = network.slurm, let runtime else { return }
        var agent = [network.workerProgram, "worker", "--connect", agentEndpoint(listener), "--slots", String(configuration.slotsPerWorker)]
        if let key = serverKeyHex { agent += ["--server-key", key] } else { agent.append("--insecure") }
        // One job per agent; an agent whose coordinator is gone (killed) exits within a minute, ending its Slurm job.
        agent += ["--once", "--idle-exit", "60"]
        let launcher = SlurmLauncher(mode: mode, agentCommand: agent, runtimePath: runtime.path, jobName: "jobrun-\(getpid())")
        slurm = launcher
        for message in try launcher.start(now: now()) where !configuration.quiet { progress.message(message) }
    }

    /// Once per tick: carries on the Slurm launcher's work, drops the workers of hosts whose Slurm job ended, and
    /// reports what happened.
    func pollSlurm() {
        guard let slurm else { return }
        let remaining = ending == nil && statistics.recorded + statistics.skipped < statistics.totalTasks
        let typical = UInt64(max(scheduler.meanDurationMicroseconds ?? 0, 0))
        for action in slurm.poll(now: now(), workRemaining: remaining, typicalTaskMicroseconds: typical) {
            switch action {
            case .report(let text):
                if !configuration.quiet { progress.message("jobrun: " + text) }
            case .hostGone(let node, _, let reason):
                dropWorkers(onHost: node, reason: reason)
            case .drainHost(let node, _, _):
                for id in workers.values.filter({ $0.identity.host == node }).map(\.id) {
                    perform(scheduler.handle(.retire(workerID: id), now: now()), batch: nil)
                }
            case .submit, .queryQueue, .cancel:
                break
            }
        }
    }

    /// Every worker of `host` is gone (its Slurm job ended): they are lost now, not after missed heartbeats, and
    /// their tasks go back to the queue.
    func dropWorkers(onHost host: String, reason: String) {
        let gone = workers.values.filter { $0.identity.host == host }.map(\.id)
        for id in gone {
            lossDetails[id] = reason
            perform(scheduler.handle(.workerExited(workerID: id, cause: reason), now: now()), batch: nil)
        }
    }
}
