import Scheduler

/// Decides, for `jobrun submit --slurm-jobs N`, when to submit worker jobs, when one is lost and replaced, which
/// hosts to stop feeding before their time limit, and what to cancel at the end. Pure: events in, actions out, no
/// IO and no clock (the driver passes `now`), so every decision is tested with a manual clock.
public struct SlurmWorkerJobPlan: Sendable {
    public enum Event: Sendable, Equatable {
        /// The job started: submit the first worker jobs.
        case start
        /// `sbatch` accepted a worker job.
        case submitted(jobID: String)
        /// `sbatch` failed (its message).
        case submitFailed(String)
        /// What `squeue` said about the worker jobs asked for (jobs it no longer lists have ended).
        case queue([SlurmQueueEntry])
        /// `squeue` failed (slurmctld busy or down): nothing is concluded, it is asked again later.
        case queryFailed(String)
        /// Whether the job still has tasks not recorded (false: no replacement is worth submitting).
        case workRemaining(Bool)
        /// How long tasks take, as measured so far (microseconds), to judge time limits.
        case taskDuration(microseconds: UInt64)
        /// The job is over (or interrupted, or failed): cancel everything.
        case ending
        /// Time passed.
        case tick
    }

    public enum Action: Sendable, Equatable {
        /// Submit one worker job.
        case submit
        /// Ask `squeue` about these jobs.
        case queryQueue([String])
        /// `scancel` these jobs.
        case cancel([String])
        /// The worker job on `node` ended: its workers are gone (their tasks go back to the queue).
        case hostGone(node: String, jobID: String, reason: String)
        /// Stop giving the workers on `node` new tasks: its job's time limit is near.
        case drainHost(node: String, jobID: String, secondsLeft: Int)
        /// Tell the user.
        case report(String)
    }

    private struct Job: Sendable {
        var node: String?
        var ran = false
        var drained = false
    }

    /// Worker jobs wanted at once.
    public let count: Int
    /// Replacements submitted at most over the whole job (jobs that end early, fail or are preempted).
    public let maxReplacements: Int
    /// How often `squeue` is asked, in milliseconds.
    public let queryMilliseconds: Int
    private var live: [String: Job] = [:]
    private var order: [String] = []
    private var submitting = 0
    /// Replacement worker jobs submitted so far (the summary's recovery line counts them).
    public private(set) var replacements = 0
    private var failures = 0
    private var workRemaining = true
    private var ending = false
    private var queryInFlight = false
    private var queryFailures = 0
    private var nextQuery: Instant?
    private var retryAt: Instant?
    private var taskMicroseconds: UInt64 = 0

    public init(count: Int, maxReplacements: Int? = nil, queryMilliseconds: Int = 2000) {
        self.count = count
        self.maxReplacements = maxReplacements ?? max(3 * count, 3)
        self.queryMilliseconds = queryMilliseconds
    }

    /// Worker jobs submitted and not known to have ended, plus submissions under way.
    public var outstanding: Int { live.count + submitting }

    /// Whether workers may still come: a job is queued or running, a submission is under way, or one will be retried.
    public var workersMayJoin: Bool { !ending && (outstanding > 0 || retryAt != nil) }

    /// The worker jobs not known to have ended.
    public var liveJobIDs: [String] { order.filter { live[$0] != nil } }

    public mutating func handle(_ event: Event, now: Instant) -> [Action] {
        switch event {
        case .start:
            submitting += count
            return Array(repeating: .submit, count: count)
        case .submitted(let id):
            submitting = max(submitting - 1, 0)
            if ending { return [.cancel([id])] }
            live[id] = Job()
            order.append(id)
            return [.report("worker job \(id) submitted")]
        case .submitFailed(let message):
            submitting = max(submitting - 1, 0)
            failures += 1
            guard !ending else { return [] }
            if failures > maxReplacements {
                return [.report("sbatch failed: \(message); no more worker jobs are submitted (\(failures) failures)")]
            }
            retryAt = now.advanced(byMilliseconds: min(1000 << min(failures, 5), 30_000))
            return [.report("sbatch failed: \(message); trying again")]
        case .queue(let entries):
            queryInFlight = false
            return queueChanged(entries, now: now)
        case .queryFailed(let message):
            queryInFlight = false
            queryFailures += 1
            return queryFailures == 1 ? [.report("squeue failed (asking again): \(message)")] : []
        case .workRemaining(let remaining):
            workRemaining = remaining
            return []
        case .taskDuration(let microseconds):
            taskMicroseconds = microseconds
            return []
        case .ending:
            guard !ending else { return [] }
            ending = true
            retryAt = nil
            let ids = liveJobIDs
            live.removeAll()
            return ids.isEmpty ? [] : [.cancel(ids)]
        case .tick:
            return tick(now: now)
        }
    }

    private mutating func tick(now: Instant) -> [Action] {
        guard !ending else { return [] }
        var actions: [Action] = []
        if let retry = retryAt, now >= retry {
            retryAt = nil
            if workRemaining, outstanding < count {
                submitting += 1
                actions.append(.submit)
            }
        }
        if !queryInFlight, !live.isEmpty, now >= (nextQuery ?? now) {
            queryInFlight = true
            nextQuery = now.advanced(byMilliseconds: queryMilliseconds)
            actions.append(.queryQueue(liveJobIDs))
        }
        return actions
    }

    private mutating func queueChanged(_ entries: [SlurmQueueEntry], now: Instant) -> [Action] {
        guard !ending else { return [] }
        var actions: [Action] = []
        let byID = Dictionary(entries.map { ($0.jobID, $0) }, uniquingKeysWith: { _, last in last })
        for id in liveJobIDs {
            guard var job = live[id] else { continue }
            let entry = byID[id]
            if let entry, entry.isAlive {
                if entry.isRunning, !job.ran {
                    job.ran = true
                    job.node = entry.node
                    actions.append(.report("worker job \(id) started on \(entry.node)"))
                }
                if entry.isRunning, !job.drained, let left = entry.secondsLeft, let node = job.node, tooLittleTime(left) {
                    job.drained = true
                    actions.append(.drainHost(node: node, jobID: id, secondsLeft: left))
                    actions.append(.report(
                        "worker job \(id) on \(node) reaches its time limit in \(left) s; it gets no more tasks"))
                    actions += replace()
                }
                live[id] = job
                continue
            }
            // Gone from the queue, or in a final state: its agent is gone.
            live[id] = nil
            let state = entry?.state ?? "ENDED"
            if let node = job.node {
                actions.append(.hostGone(node: node, jobID: id, reason: "was lost with its Slurm job \(id) (\(state))"))
            }
            actions.append(.report("worker job \(id) ended (\(state))" + (job.ran ? "" : " before its agent started")))
            if !job.ran { failures += 1 }
            if !job.drained { actions += replace() }
        }
        return actions
    }

    /// Submits a replacement when work remains and the limits allow.
    private mutating func replace() -> [Action] {
        guard workRemaining, !ending else { return [] }
        guard replacements < maxReplacements, failures <= maxReplacements else {
            return [.report("no replacement worker job: \(replacements) replacements already (the limit)")]
        }
        replacements += 1
        submitting += 1
        return [.submit, .report("submitting a replacement worker job")]
    }

    /// Whether `secondsLeft` is too little for another task of the measured length (with half again as margin,
    /// plus 5 s for results to travel), once any task has finished.
    private func tooLittleTime(_ secondsLeft: Int) -> Bool {
        guard taskMicroseconds > 0 else { return false }
        return Double(secondsLeft) < Double(taskMicroseconds) / 1e6 * 1.5 + 5
    }
}
