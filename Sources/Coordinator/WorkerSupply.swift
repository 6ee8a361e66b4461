#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import Scheduler
import Settings
import WireProtocol
import ZeroMQ

/// Where workers come from and go: local processes started, reaped and stopped, hosts that may still send workers
/// (`--hosts`, Slurm), and what each worker's host offers. The scheduler hears of each change through the driver.
///
/// Threads: used on the coordinator's thread only.
final class WorkerSupply {
    private let configuration: JobConfiguration
    private let tally: JobTally
    private let driver: SchedulerDriver
    private let localWorkers: LocalWorkerPool
    private let roster: WorkerRoster
    private let hosts: RemoteHosts
    /// The host name local workers report.
    private var localHostName: String?

    init(
        configuration: JobConfiguration, tally: JobTally, driver: SchedulerDriver, localWorkers: LocalWorkerPool,
        roster: WorkerRoster, hosts: RemoteHosts
    ) {
        self.configuration = configuration
        self.tally = tally
        self.driver = driver
        self.localWorkers = localWorkers
        self.roster = roster
        self.hosts = hosts
    }

    /// Starts the local worker processes; they register on `registerEndpoint`.
    func launchLocalWorkers(registerEndpoint: String) throws(CoordinatorError) {
        for _ in 0..<configuration.workerCount { try localWorkers.startLocalWorker(registerEndpoint: registerEndpoint) }
    }

    /// Tells the scheduler that the local workers launched before it existed are on their way.
    func noteLocalWorkersStarting() {
        driver.handle(.localWorkersStarting(count: configuration.workerCount))
    }

    /// Reaps local worker processes that exited and tells the scheduler about registered ones; stops and reaps
    /// orphaned task processes.
    func reapLocalWorkers() {
        defer { stopOrphans() }
        for exit in localWorkers.reap() {
            if let id = exit.workerID, let worker = roster.workers[id], worker.isReady {
                roster.lossDetails[id] = exit.status.text
                driver.handle(.workerExited(workerID: id, cause: exit.status.text))
            } else if exit.workerID.map({ roster.workers[$0] != nil }) ?? true {
                // It died before it could take tasks: it never joined the scheduler.
                if let id = exit.workerID { roster.remove(id) }
                guard driver.ending == nil else { continue }
                tally.progress.message("jobrun: worker process \(exit.pid) \(exit.status.text) before it was ready")
                driver.handle(.localWorkerFailedToStart(cause: exit.status.text))
            }
        }
    }

    /// Stops processes orphaned by workers that died (their tasks' processes), which were re-parented here.
    /// Until one of our children has exited nothing can have been re-parented, so there is nothing to scan for.
    func stopOrphans() {
        guard localWorkers.anyExited || hosts.anyLauncherExited else { return }
        let known = localWorkers.runningPIDs.union(hosts.childPIDs)
        OrphanReaper.stopOrphans(keeping: known)
    }

    /// Waits up to 3 s for the local workers to exit, then kills those left, and stops orphaned task processes.
    func waitForWorkersToExit() {
        localWorkers.waitForExit { roster.flushQueued() }
        stopOrphans()
    }

    /// Tells the scheduler whether workers may still arrive from other machines, when that changes (`force`: at the
    /// start, which also tells it that every source of workers is now known).
    func noteRemoteWorkersExpected(force: Bool = false) {
        let jobEnded = driver.ending != nil
        if let expected = hosts.remoteWorkersExpectedChange(force: force, identities: roster.identities, jobEnded: jobEnded) {
            driver.handle(.remoteWorkersExpected(expected))
        }
    }

    /// Once per tick: carries on the Slurm launcher's work; the scheduler hears of hosts gone or drained.
    func pollSlurm() {
        let remaining = driver.ending == nil && tally.statistics.recorded + tally.statistics.skipped < tally.statistics.totalTasks
        let typical = UInt64(max(driver.scheduler.meanDurationMicroseconds ?? 0, 0))
        hosts.pollSlurm(workRemaining: remaining, typicalTaskMicroseconds: typical, roster: roster) { event in
            driver.handle(event)
        }
    }

    /// What a worker offers beyond its slots. Local workers have the host's declared labels, GPUs and resources
    /// (`--label`, `--gpus`, `--resources`) and its physical memory; remote ones what their `hello` declared.
    func capacity(of worker: WorkerConnection) -> WorkerCapacity {
        guard localWorkers.isLocal(worker.id) else {
            return WorkerCapacity(host: worker.identity.host, offer: worker.offer)
        }
        localHostName = worker.identity.host
        return WorkerCapacity(
            host: worker.identity.host, labels: configuration.labels, gpus: configuration.gpus ?? HostFacts.gpuCount(),
            resources: configuration.resources, memoryBytes: HostFacts.totalMemoryBytes())
    }

    /// Tells the scheduler how much memory this host has free, for `--memfree`.
    func measureFreeMemory() {
        guard configuration.memfreeBytes != nil, let host = localHostName, let free = HostFacts.availableMemoryBytes()
        else { return }
        driver.handle(.hostMemory(host: host, freeBytes: free))
    }

    /// Tells the scheduler how much memory a joining worker's host has free, so that `--memfree` holds from its first
    /// task: measured for a local worker, as its `hello` said for a remote one.
    func noteFreeMemory(beforeJoining worker: WorkerConnection, isLocal: Bool) {
        if isLocal {
            measureFreeMemory()
        } else if let free = worker.offer.availableMemoryBytes {
            noteReportedFreeMemory(of: worker.id, availableBytes: free)
        }
    }

    /// Tells the scheduler how much memory a remote worker's host has free, as the worker reported it (`--memfree`);
    /// the coordinator's own host is measured here instead (`measureFreeMemory`).
    func noteReportedFreeMemory(of workerID: UInt32, availableBytes: UInt64) {
        guard configuration.memfreeBytes != nil, let worker = roster.workers[workerID], !localWorkers.isLocal(workerID),
            worker.identity.host != localHostName
        else { return }
        driver.handle(.hostMemory(host: worker.identity.host, freeBytes: availableBytes))
    }
}
