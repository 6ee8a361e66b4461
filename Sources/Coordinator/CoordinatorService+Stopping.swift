#if canImport(Glibc)
import Glibc
#endif
import Scheduler
import Settings

extension CoordinatorService {
    func handleSignals(_ numbers: [Int32]) {
        for number in numbers {
            if number == SIGCHLD {
                reapLocalWorkers()
                continue
            }
            // A hang-up (the terminal closed) stops the job as SIGTERM does, with its summary.
            guard number == SIGINT || number == SIGTERM || number == SIGHUP else { continue }
            requestStop(.interrupt)
        }
    }

    /// Asks the job to stop as `StopRequests` decides: says what the request means, and tells the scheduler.
    func requestStop(_ request: StopRequests.Request) {
        let outcome = stops.handle(request)
        switch outcome.notice {
        case .lettingTasksFinish?:
            tally.progress.message(
                "jobrun: interrupted; letting running tasks finish for up to \(settings.interruptGraceMilliseconds) ms "
                    + "(press Ctrl-C again to stop them now)"
            )
        case .stoppingTasks?:
            tally.progress.message("jobrun: stopping running tasks")
        case .halted(let halt, let urgency)?:
            let how = urgency == .now ? "stopping the running tasks" : "letting the running tasks finish"
            tally.progress.message(
                "jobrun: \(halt.description) is met (\(tally.statistics.succeeded) ok, \(tally.statistics.failed) failed); \(how)")
        case nil:
            break
        }
        for _ in 0..<outcome.interrupts { perform(scheduler.handle(.interrupt, now: now()), batch: nil) }
    }
}
