#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import JSONValue
import Scheduler
import TaskFile
import WireProtocol

extension CoordinatorService {
    /// What the scheduler needs of a task read from the file: its dependencies as sequences, its priority, its
    /// demand, and (with `--resume`) what an earlier run recorded for it. `spec` is the task's spec with the job's
    /// defaults (`--memory`) applied.
    func loadedTask(_ task: TaskDefinition, spec: TaskSpec, sequence: UInt64, isIO: Bool, hash: TaskHash) -> LoadedTask {
        let schedule = task.schedule
        var after: [UInt64] = []
        if !schedule.after.isEmpty, let positions = workflow.taskPositions {
            after = schedule.after.compactMap { positions[$0.key].map(UInt64.init) }
        }
        let demand = TaskDemand(
            pool: schedule.pool.flatMap { workflow.poolIndex[$0] }, cpus: schedule.cpus, gpus: schedule.gpus,
            resources: schedule.resources, requires: schedule.requires, memoryBytes: spec.memoryLimitBytes ?? 0)
        return LoadedTask(
            sequence: sequence, retries: spec.retries, isIO: isIO, after: after, priority: schedule.priority,
            demand: demand, earlier: journal?.earlierOutcome(key: task.id.key, hash: hash))
    }

    /// The pools of the job: the file's, with `--pool` options overriding those of the same name.
    static func poolConfigurations(file: [String: PoolLimit], options: [String: PoolLimit]) -> [PoolConfiguration] {
        file.merging(options) { _, option in option }.sorted { $0.key < $1.key }.map {
            PoolConfiguration(name: $0.key, limit: $0.value.limit, perSecond: $0.value.perSecond)
        }
    }

    /// What a worker offers beyond its slots. Local workers have the host's declared labels, GPUs and resources
    /// (`--label`, `--gpus`, `--resources`) and its physical memory; remote ones what their `hello` declared.
    func capacity(of worker: WorkerConnection) -> WorkerCapacity {
        guard localProcesses.contains(where: { $0.workerID == worker.id }) else {
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
        perform(scheduler.handle(.hostMemory(host: host, freeBytes: free), now: now()), batch: nil)
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
        guard configuration.memfreeBytes != nil, let worker = workers[workerID],
            !localProcesses.contains(where: { $0.workerID == workerID }), worker.identity.host != localHostName
        else { return }
        perform(scheduler.handle(.hostMemory(host: worker.identity.host, freeBytes: availableBytes), now: now()), batch: nil)
    }

    /// Why tasks wait, as one phrase for the progress line and observers; worked out at most twice a second.
    func waitingText(now: UInt64) -> String {
        if now &- waitingCache.at < 500_000_000 { return waitingCache.text }
        let counts = scheduler.waitingCounts
        var parts: [String] = []
        if counts.dependencies > 0 { parts.append("\(counts.dependencies) for dependencies") }
        if counts.pools > 0 { parts.append("\(counts.pools) for pool places") }
        if counts.resources > 0 { parts.append("\(counts.resources) for free resources") }
        if counts.unplaceable > 0 { parts.append("\(counts.unplaceable) for a worker able to run them") }
        var text = parts.isEmpty ? "" : "waiting: " + parts.joined(separator: ", ")
        if !counts.lowMemoryHosts.isEmpty, let floor = configuration.memfreeBytes {
            let named = counts.lowMemoryHosts.prefix(3).map { "\($0.host) (\(ByteSize(bytes: $0.freeBytes)) free)" }
            let more = counts.lowMemoryHosts.count > 3 ? " and \(counts.lowMemoryHosts.count - 3) more" : ""
            text += (text.isEmpty ? "" : "; ") + "below --memfree \(ByteSize(bytes: floor)), starting nothing on "
                + named.joined(separator: ", ") + more
        }
        waitingCache = (now, text)
        return text
    }

    /// The task's spec as sent, with the GPUs it was given in `CUDA_VISIBLE_DEVICES` and `JOBRUN_GPUS`.
    func specBytes(_ wire: [UInt8], gpus: [Int]) -> [UInt8] {
        guard !gpus.isEmpty, var spec = try? TaskSpec(json: JSONParser.parse(wire)) else { return wire }
        let list = gpus.map(String.init).joined(separator: ",")
        spec.environment["CUDA_VISIBLE_DEVICES"] = list
        spec.environment["JOBRUN_GPUS"] = list
        return spec.serializedJSON
    }

    /// Records a task that did not run because a task it waits for ended other than ok.
    func recordSkipped(sequence: UInt64, dependency: UInt64) {
        guard let task = pending.removeValue(forKey: sequence) else { return }
        let cause = endedOtherwise[dependency] ?? (id: "at position \(dependency)", status: "never ran")
        let message = "not run: dependency \(cause.id) \(cause.status)"
        endedOtherwise[sequence] = (task.id.description, "was skipped")
        appendUnrun(task, status: "skipped", failure: "dependency", message: message)
        statistics.failed += 1
        statistics.dependencySkipped += 1
    }

    /// Records a task that no connected worker could ever run.
    func recordUnschedulable(sequence: UInt64, reason: String) {
        guard let task = pending.removeValue(forKey: sequence) else { return }
        endedOtherwise[sequence] = (task.id.description, "was unschedulable")
        appendUnrun(task, status: "failed", failure: "unschedulable", message: reason)
        statistics.failed += 1
        statistics.unschedulable += 1
        progress.message("jobrun: task \(task.id) failed: \(reason)")
    }

    /// A task kept the result of an earlier run (`--resume`).
    func keepEarlier(sequence: UInt64, ok: Bool) {
        guard let task = pending.removeValue(forKey: sequence) else { return }
        statistics.skipped += 1
        if ok { statistics.skippedSucceeded += 1 }
        outputBlocks?.skip(sequence)
        supersededLines -= 1
        if !ok { endedOtherwise[sequence] = (task.id.description, "failed in an earlier run") }
    }

    /// Notes how a recorded task ended when it did not succeed, for the tasks that wait for it.
    func noteEnding(sequence: UInt64, id: TaskID, status: String) {
        guard scheduler.configuration.tracksDependencies, status != "ok" else { return }
        endedOtherwise[sequence] = (id.description, "ended \(status)")
    }

    private func appendUnrun(_ task: PendingTask, status: StaticString, failure: StaticString, message: String) {
        results?.append { line in
            ResultLine.appendUnrun(
                id: task.id, status: status, failure: failure, message: message, taskHash: task.hash,
                timestamps: &timestamps, to: &line)
        }
        if !configuration.observers.isEmpty {
            let recorded = RecordedOutcome(
                id: task.id, status: "\(status)", worker: "", attempts: 0, startedAtMicroseconds: Clocks.realTimeMicroseconds(),
                durationMicroseconds: 0, error: message)
            for observer in configuration.observers { observer.taskFinished(recorded) }
        }
    }
}

/// What the task file says about the job's shape, kept for loading tasks.
struct WorkflowFacts {
    /// Task positions by id key, when some task has `after`.
    var taskPositions: [String: Int]?
    /// Pool indices (into the scheduler's configuration) by name.
    var poolIndex: [String: Int] = [:]
}
