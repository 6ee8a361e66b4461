#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import Scheduler
import Settings
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
    func startLocalWorkers(registerEndpoint: String) throws(CoordinatorError) {
        for _ in 0..<configuration.workerCount { try localWorkers.startLocalWorker(registerEndpoint: registerEndpoint) }
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
    /// (`--label`, `--gpus`, `--resources`) and its physical memory.
    func capacity(of worker: WorkerConnection) -> WorkerCapacity {
        guard localWorkers.isLocal(worker.id) else {
            return WorkerCapacity(host: worker.identity.host)
        }
        localHostName = worker.identity.host
        return WorkerCapacity(
            host: worker.identity.host, labels: configuration.labels, gpus: configuration.gpus ?? Self.countGPUs(),
            resources: configuration.resources, memoryBytes: Self.memoryInfo("MemTotal:"))
    }

    /// Tells the scheduler how much memory this host has free, for `--memfree`.
    func measureFreeMemory() {
        guard configuration.memfreeBytes != nil, let host = localHostName, let free = Self.memoryInfo("MemAvailable:")
        else { return }
        driver.handle(.hostMemory(host: host, freeBytes: free))
    }

    /// GPUs of this host: the NVIDIA device files `/dev/nvidia0`, `/dev/nvidia1`, ...
    static func countGPUs() -> Int {
        guard let directory = opendir("/dev") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix("nvidia") else { continue }
            let suffix = name.dropFirst(6)
            if !suffix.isEmpty, suffix.allSatisfy(\.isNumber) { count += 1 }
        }
        return count
    }

    /// A `/proc/meminfo` figure in bytes (`MemTotal:`, `MemAvailable:`).
    static func memoryInfo(_ key: String) -> UInt64? {
        guard let file = fopen("/proc/meminfo", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 1 << 14)
        let count = fread(&buffer, 1, buffer.count, file)
        let text = String(decoding: buffer.prefix(count), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let fields = line.dropFirst(key.count).split(separator: " ")
            guard let kilobytes = fields.first.flatMap({ UInt64($0) }) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }
}
