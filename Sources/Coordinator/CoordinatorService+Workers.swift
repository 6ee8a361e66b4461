#if canImport(Glibc)
import JSONValue
import Settings
import Glibc
#endif
import ChildProcess
import Clock
import Scheduler
import WireProtocol
import ZeroMQ

extension CoordinatorService {
    /// Starts the local worker processes; they register on `registerEndpoint`.
    func startLocalWorkers(registerEndpoint: String) throws(CoordinatorError) {
        for _ in 0..<configuration.workerCount { try localWorkers.startLocalWorker(registerEndpoint: registerEndpoint) }
        perform(scheduler.handle(.localWorkersStarting(count: configuration.workerCount), now: now()), batch: nil)
    }

    /// Starts a replacement for a lost local worker, as the scheduler decided.
    func spawnReplacement() {
        guard ending == nil, let runtime else { return }
        do {
            try localWorkers.startLocalWorker(registerEndpoint: runtime.endpoint("register"))
            tally.statistics.workersReplaced += 1
        } catch {
            tally.progress.message("jobrun: could not replace a lost worker: \(error)")
            perform(scheduler.handle(.localWorkerFailedToStart(cause: "could not be started: \(error)"), now: now()), batch: nil)
        }
    }

    /// Reaps local worker processes that exited and tells the scheduler about registered ones; stops and reaps
    /// orphaned task processes.
    func reapLocalWorkers() {
        defer { stopOrphans() }
        for exit in localWorkers.reap() {
            if let id = exit.workerID, let worker = roster.workers[id], worker.isReady {
                roster.lossDetails[id] = exit.status.text
                perform(scheduler.handle(.workerExited(workerID: id, cause: exit.status.text), now: now()), batch: nil)
            } else if exit.workerID.map({ roster.workers[$0] != nil }) ?? true {
                // It died before it could take tasks: it never joined the scheduler.
                if let id = exit.workerID { roster.remove(id) }
                guard ending == nil else { continue }
                tally.progress.message("jobrun: worker process \(exit.pid) \(exit.status.text) before it was ready")
                perform(scheduler.handle(.localWorkerFailedToStart(cause: exit.status.text), now: now()), batch: nil)
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
}

extension CoordinatorService {
    /// Handles the TCP side's sockets after a poll: authentication requests, registrations and results.
    func handleRemotePolled(_ items: ArraySlice<PollItem>) throws {
        guard let listener = hosts.listener else { return }
        let start = items.startIndex
        try hosts.answerAuthentication(items)
        if items[start].returnedEvents.contains(.readable) { try roster.receiveRegistrations(on: listener.register, remote: true) }
        if items[start + 1].returnedEvents.contains(.readable) { try receiveResults(on: listener.results) }
        hosts.reapLaunchers(identities: roster.identities, jobEnded: ending != nil)
    }

    /// Tells the scheduler whether workers may still arrive from other machines, when that changes (`force`: at the
    /// start, which also tells it that every source of workers is now known).
    func noteRemoteWorkersExpected(force: Bool = false) {
        if let expected = hosts.remoteWorkersExpectedChange(force: force, identities: roster.identities, jobEnded: ending != nil) {
            perform(scheduler.handle(.remoteWorkersExpected(expected), now: now()), batch: nil)
        }
    }

    /// Once per tick: carries on the Slurm launcher's work; the scheduler hears of hosts gone or drained.
    func pollSlurm() {
        let remaining = ending == nil && tally.statistics.recorded + tally.statistics.skipped < tally.statistics.totalTasks
        let typical = UInt64(max(scheduler.meanDurationMicroseconds ?? 0, 0))
        hosts.pollSlurm(workRemaining: remaining, typicalTaskMicroseconds: typical, roster: roster) { event in
            perform(scheduler.handle(event, now: now()), batch: nil)
        }
    }
}

extension CoordinatorService {
    /// A result could not be written: stops dispatching (as a first interrupt does: running tasks may finish and
    /// their results wait in memory for another attempt each turn), and says so once.
    func resultsCannotBeWritten(_ error: any Error) {
        guard recorder.noteWriteFailure(error) else { return }
        perform(scheduler.handle(.interrupt, now: now()), batch: nil)
    }
}

extension CoordinatorService {
    /// Loads up to `count` tasks from the source into the scheduler. When the source has none ready, the request
    /// waits (the scheduler keeps it pending) until the source's descriptor is readable.
    func loadTasks(_ count: Int) {
        guard let loaded = intake.load(count) else { return }
        perform(scheduler.handle(.tasksLoaded(loaded.tasks, inputEnded: loaded.inputEnded), now: now()), batch: nil)
    }
}
