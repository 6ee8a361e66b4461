import Coordinator
import Scheduler
import Testing

@Suite("Slurm worker jobs: the plan and squeue's output")
struct SlurmWorkerJobPlanTests {
    let start = Instant(nanoseconds: 1_000_000_000)

    func entry(_ id: String, _ state: String, node: String = "", left: Int? = nil) -> SlurmQueueEntry {
        SlurmQueueEntry(jobID: id, state: state, node: node, secondsLeft: left)
    }

    @Test("squeue lines and Slurm times parse; other lines are skipped")
    func parsing() {
        let entries = SlurmQueueEntry.parse("12|RUNNING|node1|1:02:03\n13|PENDING||UNLIMITED\ngarbage\n14|TIMEOUT|node2|0:00\n")
        #expect(entries == [
            entry("12", "RUNNING", node: "node1", left: 3723), entry("13", "PENDING"), entry("14", "TIMEOUT", node: "node2", left: 0),
        ])
        #expect(SlurmQueueEntry.seconds("2-00:00:01") == 172_801)
        #expect(SlurmQueueEntry.seconds("5") == 300)
        #expect(SlurmQueueEntry.seconds("INVALID") == nil)
        #expect(SlurmQueueEntry.seconds("1:-2") == nil)
    }

    @Test("sbatch --args split like a shell's words; an unclosed quote is an error")
    func splitting() throws {
        #expect(try SlurmMode.splitArguments("-p short  -t '2:00:00' --comment=\"a b\"") == ["-p", "short", "-t", "2:00:00", "--comment=a b"])
        #expect(try SlurmMode.splitArguments("") == [])
        #expect(throws: CoordinatorError.self) { try SlurmMode.splitArguments("-p 'short") }
    }

    @Test("submits N, follows them through squeue, and cancels the live ones at the end")
    func lifecycle() {
        var plan = SlurmWorkerJobPlan(count: 2)
        #expect(plan.handle(.start, now: start) == [.submit, .submit])
        #expect(plan.workersMayJoin)
        _ = plan.handle(.submitted(jobID: "7"), now: start)
        _ = plan.handle(.submitted(jobID: "8"), now: start)
        #expect(plan.handle(.tick, now: start) == [.queryQueue(["7", "8"])])
        // No second query while one is under way, nor before the period.
        #expect(plan.handle(.tick, now: start.advanced(byMilliseconds: 100)) == [])
        let actions = plan.handle(.queue([entry("7", "RUNNING", node: "n1"), entry("8", "PENDING")]), now: start)
        #expect(actions == [.report("worker job 7 started on n1")])
        #expect(plan.handle(.tick, now: start.advanced(byMilliseconds: 500)) == [])
        #expect(plan.handle(.tick, now: start.advanced(byMilliseconds: 2000)) == [.queryQueue(["7", "8"])])
        #expect(plan.handle(.ending, now: start) == [.cancel(["7", "8"])])
        #expect(!plan.workersMayJoin)
        // A submission that answers after the end is cancelled at once.
        #expect(plan.handle(.submitted(jobID: "9"), now: start) == [.cancel(["9"])])
    }

    @Test("a running job that ends is a lost host and is replaced while work remains")
    func replacement() {
        var plan = SlurmWorkerJobPlan(count: 1)
        _ = plan.handle(.start, now: start)
        _ = plan.handle(.submitted(jobID: "7"), now: start)
        _ = plan.handle(.tick, now: start)
        _ = plan.handle(.queue([entry("7", "RUNNING", node: "n1")]), now: start)
        _ = plan.handle(.tick, now: start.advanced(byMilliseconds: 2000))
        let actions = plan.handle(.queue([entry("7", "CANCELLED", node: "n1")]), now: start)
        #expect(actions == [
            .hostGone(node: "n1", jobID: "7", reason: "was lost with its Slurm job 7 (CANCELLED)"),
            .report("worker job 7 ended (CANCELLED)"),
            .submit, .report("submitting a replacement worker job"),
        ])
        #expect(plan.outstanding == 1)
        // Once no work remains, a job that goes away is not replaced.
        _ = plan.handle(.submitted(jobID: "8"), now: start)
        _ = plan.handle(.workRemaining(false), now: start)
        _ = plan.handle(.tick, now: start.advanced(byMilliseconds: 4000))
        #expect(plan.handle(.queue([]), now: start) == [.report("worker job 8 ended (ENDED) before its agent started")])
        #expect(!plan.workersMayJoin)
    }

    @Test("replacements stop at the limit, so a job that keeps failing does not flood the queue")
    func replacementLimit() {
        var plan = SlurmWorkerJobPlan(count: 1, maxReplacements: 2)
        _ = plan.handle(.start, now: start)
        var submits = 0
        var time = start
        for round in 0..<6 {
            _ = plan.handle(.submitted(jobID: "\(round)"), now: time)
            time = time.advanced(byMilliseconds: 3000)
            _ = plan.handle(.tick, now: time)
            submits += plan.handle(.queue([entry("\(round)", "FAILED")]), now: time).filter { $0 == .submit }.count
        }
        #expect(submits == 2)
    }

    @Test("sbatch failures are retried after a backoff, then given up")
    func submitFailures() {
        var plan = SlurmWorkerJobPlan(count: 1, maxReplacements: 1)
        _ = plan.handle(.start, now: start)
        #expect(plan.handle(.submitFailed("no partition"), now: start) == [.report("sbatch failed: no partition; trying again")])
        #expect(plan.workersMayJoin)
        #expect(plan.handle(.tick, now: start.advanced(byMilliseconds: 500)) == [])
        #expect(plan.handle(.tick, now: start.advanced(byMilliseconds: 2000)) == [.submit])
        #expect(plan.handle(.submitFailed("no partition"), now: start).first
            == .report("sbatch failed: no partition; no more worker jobs are submitted (2 failures)"))
        #expect(!plan.workersMayJoin)
    }

    @Test("near its time limit a job's host gets no more tasks and a replacement starts early")
    func timeLimit() {
        var plan = SlurmWorkerJobPlan(count: 1)
        _ = plan.handle(.start, now: start)
        _ = plan.handle(.submitted(jobID: "7"), now: start)
        _ = plan.handle(.tick, now: start)
        // No task measured yet: nothing to judge by.
        #expect(plan.handle(.queue([entry("7", "RUNNING", node: "n1", left: 10)]), now: start) == [.report("worker job 7 started on n1")])
        _ = plan.handle(.taskDuration(microseconds: 20_000_000), now: start)
        _ = plan.handle(.tick, now: start.advanced(byMilliseconds: 2000))
        // 40 s left: enough for a 20 s task with its margin (35 s).
        #expect(plan.handle(.queue([entry("7", "RUNNING", node: "n1", left: 40)]), now: start) == [])
        _ = plan.handle(.tick, now: start.advanced(byMilliseconds: 4000))
        let actions = plan.handle(.queue([entry("7", "RUNNING", node: "n1", left: 30)]), now: start)
        #expect(actions.contains(.drainHost(node: "n1", jobID: "7", secondsLeft: 30)))
        #expect(actions.contains(.submit))
        // When it then ends, its host is gone but it is not replaced twice.
        _ = plan.handle(.submitted(jobID: "8"), now: start)
        _ = plan.handle(.tick, now: start.advanced(byMilliseconds: 6000))
        let ended = plan.handle(.queue([entry("7", "TIMEOUT", node: "n1"), entry("8", "PENDING")]), now: start)
        #expect(ended.contains(.hostGone(node: "n1", jobID: "7", reason: "was lost with its Slurm job 7 (TIMEOUT)")))
        #expect(!ended.contains(.submit))
    }
}
