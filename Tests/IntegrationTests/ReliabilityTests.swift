import Foundation
import JSONValue
import Testing

/// Worker deaths, retries, timeouts, poison tasks and resume, on small jobs run by the built binary.
@Suite("jobrun submit: nothing lost", .serialized)
struct ReliabilityTests {
    /// Settings that make failure detection quick.
    static let fastSettings = """
        heartbeat_ms = 200
        heartbeat_misses = 3
        retry_backoff_ms = 50
        retry_backoff_max_ms = 200
        kill_grace_ms = 300
        """

    /// Commands that each hold a CPU slot for `ms` milliseconds (a built-in `sleep` would hold none and all
    /// finish at once).
    static func sleeps(_ count: Int, ms: Int) -> String {
        let seconds = Double(ms) / 1000
        return (0..<count).map { #"{"id": \#($0), "exec": ["sleep", "\#(seconds)"]}"# }.joined(separator: "\n")
    }

    static func resultsWritten(_ path: String) -> Int {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    @Test("a worker killed with SIGKILL loses no task: its tasks are requeued and it is replaced")
    func workerKilled() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", Self.fastSettings)
        let file = try scratch.write("jobs.jsonl", Self.sleeps(60, ms: 50))
        let job = JobrunProcess(["submit", file, "--workers", "2", "--config", config])
        try job.start()
        #expect(StopTests.waitUntil(timeout: 30) { Self.resultsWritten(scratch.path("jobs.results.jsonl")) >= 5 })
        let victim = try #require(StopTests.children(of: job.pid).first)
        kill(victim, SIGKILL)
        let outcome = try job.finish(timeout: 60)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("jobs.results.jsonl")
        #expect(results.count == 60)
        #expect(results.values.allSatisfy { $0["status"] == "ok" })
        #expect(outcome.stderr.contains("killed by SIGKILL"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("1 replaced"), "\(outcome.stderr)")
    }

    @Test("a task killed by SIGTERM just before its worker is (a batch system stopping the host) runs again elsewhere")
    func killedWithItsHost() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", Self.fastSettings)
        let marker = scratch.path("marker")
        let pids = scratch.path("pids")
        // The first attempt records its own pid and its worker's, then waits to be killed; a second attempt succeeds.
        let file = try scratch.write("jobs.jsonl", """
            {"id": "victim", "shell": "if [ -e \(marker) ]; then echo again; exit 0; fi; touch \(marker); echo $$ $PPID > \(pids).part; mv \(pids).part \(pids); exec sleep 30"}
            """)
        let job = JobrunProcess(["submit", file, "--workers", "1", "--config", config])
        try job.start()
        #expect(StopTests.waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: pids) })
        let fields = try String(contentsOfFile: pids, encoding: .utf8).split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(fields.count == 2)
        // As Slurm's scancel does: the task's process first, its worker a moment later.
        kill(fields[0], SIGTERM)
        usleep(150_000)
        kill(fields[1], SIGTERM)
        let outcome = try job.finish(timeout: 60)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("jobs.results.jsonl")
        #expect(results.count == 1)
        #expect(results[#""victim""#]?["status"] == "ok", "\(results)")
        #expect(outcome.stderr.contains("1 of its tasks went back to the queue") || outcome.stderr.contains("requeued"), "\(outcome.stderr)")
    }

    @Test("a frozen worker (SIGSTOP) is declared lost within about three heartbeats and its tasks run elsewhere")
    func workerFrozen() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", Self.fastSettings)
        let file = try scratch.write("jobs.jsonl", Self.sleeps(40, ms: 50))
        let job = JobrunProcess(["submit", file, "--workers", "2", "--config", config])
        try job.start()
        #expect(StopTests.waitUntil(timeout: 30) { Self.resultsWritten(scratch.path("jobs.results.jsonl")) >= 3 })
        let victim = try #require(StopTests.children(of: job.pid).first)
        kill(victim, SIGSTOP)
        let stoppedAt = Date()
        #expect(job.waitForStderr(containing: "stopped answering", timeout: 10))
        #expect(Date().timeIntervalSince(stoppedAt) < 3, "a frozen worker was noticed only after 3 s")
        let outcome = try job.finish(timeout: 60)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try scratch.results("jobs.results.jsonl").count == 40)
        #expect(StopTests.waitUntil(timeout: 5) { StopTests.isGone(victim) })
    }

    @Test("retries: a flaky task succeeds on its second attempt; a failing one stops after its retries")
    func retries() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", Self.fastSettings)
        let marker = scratch.path("marker")
        let file = try scratch.write("flaky.jsonl", """
            {"id": "flaky", "shell": "if [ -e \(marker) ]; then echo fine; else touch \(marker); exit 1; fi", "retries": 2}
            {"id": "broken", "shell": "exit 4", "retries": 1}
            {"id": "default", "shell": "exit 5"}
            {"id": "missing", "exec": ["jobrun-no-such-program"], "retries": 3}
            """)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1", "--config", config, "--retries", "2"])
        #expect(outcome.status == 1)
        let results = try scratch.results("flaky.results.jsonl")
        #expect(results[#""flaky""#]?["status"] == "ok")
        #expect(results[#""flaky""#]?["attempts"] == 2)
        #expect(results[#""broken""#]?["attempts"] == 2)
        #expect(results[#""broken""#]?["failure"] == "exit")
        #expect(results[#""default""#]?["attempts"] == 3, "--retries 2 applies to tasks without their own")
        #expect(results[#""missing""#]?["attempts"] == 1, "a command that cannot start is not retried")
        #expect(results[#""missing""#]?["failure"] == "error")
        #expect(outcome.stderr.contains("retry 1"))
    }

    @Test("timeouts stop a command's process group and cancel a built-in; status timeout")
    func timeouts() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", Self.fastSettings)
        let file = try scratch.write("slow.jsonl", """
            {"id": "command", "shell": "sleep 30 & sleep 30; wait", "timeout": 0.5}
            {"id": "builtin", "run": "sleep", "args": {"ms": 30000}, "timeout": 0.5}
            {"id": "quick", "run": "sleep", "args": {"ms": 10}, "timeout": 5}
            """)
        let started = Date()
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "2", "--config", config])
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(outcome.status == 1)
        let results = try scratch.results("slow.results.jsonl")
        #expect(results[#""command""#]?["status"] == "timeout")
        #expect(results[#""command""#]?["failure"] == "timeout")
        #expect(results[#""builtin""#]?["status"] == "timeout")
        #expect(results[#""quick""#]?["status"] == "ok")
        #expect(outcome.stderr.contains("2 timed out"), "\(outcome.stderr)")
    }

    @Test("a task that kills its worker is recorded as failed after poison_limit deaths; the job goes on")
    func poisonTask() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", Self.fastSettings + "\npoison_limit = 3\n")
        var lines = [#"{"id": "poison", "shell": "kill -9 $PPID; sleep 5"}"#]
        lines += (0..<10).map { #"{"id": "fine-\#($0)", "run": "echo", "args": {"value": \#($0)}}"# }
        let file = try scratch.write("poison.jsonl", lines.joined(separator: "\n"))
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "2", "--config", config], timeout: 60)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let results = try scratch.results("poison.results.jsonl")
        #expect(results.count == 11)
        #expect(results[#""poison""#]?["failure"] == "worker-lost")
        #expect(results[#""poison""#]?["deaths"] == 3)
        #expect(results.values.filter { $0["status"] == "ok" }.count == 10)
    }

    @Test("resume after the coordinator is killed: a torn line is repaired and every task ends up recorded once")
    func resumeAfterCrash() throws {
        let scratch = try Scratch()
        let file = try scratch.write("long.jsonl", Self.sleeps(120, ms: 25))
        let resultsPath = scratch.path("long.results.jsonl")
        let job = JobrunProcess(["submit", file, "--workers", "2"])
        try job.start()
        #expect(StopTests.waitUntil(timeout: 30) { Self.resultsWritten(resultsPath) >= 20 })
        kill(job.pid, SIGKILL)
        _ = try? job.finish(timeout: 10)
        let before = Self.resultsWritten(resultsPath)
        #expect(before < 120)
        // A crash in the middle of a write leaves half a line.
        let handle = try #require(FileHandle(forWritingAtPath: resultsPath))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"id":119,"status":"ok","att"#.utf8))
        try handle.close()

        let refused = try JobrunProcess.run(["submit", file])
        #expect(refused.status == 2, "an existing results file is not overwritten")
        let resumed = try JobrunProcess.run(["submit", file, "--workers", "2", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("torn last line"), "\(resumed.stderr)")
        #expect(resumed.stderr.contains("already recorded, skipped"), "\(resumed.stderr)")
        let results = try scratch.results("long.results.jsonl")
        #expect(results.count == 120)
        #expect((0..<120).allSatisfy { results[String($0)]?["status"] == "ok" })
        #expect(results.values.allSatisfy { $0["exit_code"] == 0 })

        let again = try JobrunProcess.run(["submit", file, "--resume"])
        #expect(again.status == 0)
        #expect(again.stderr.contains("0 tasks in"), "\(again.stderr)")
        #expect(again.stderr.contains("120 already recorded, skipped"), "\(again.stderr)")
    }

    @Test("resume reruns changed tasks, and failed ones only with --rerun-failed; each id stays once")
    func resumeReruns() throws {
        let scratch = try Scratch()
        let marker = scratch.path("marker")
        let first = """
            {"id": "a", "shell": "echo one"}
            {"id": "b", "shell": "if [ -e \(marker) ]; then echo fixed; else exit 1; fi"}
            {"id": "c", "shell": "echo three"}
            """
        let file = try scratch.write("tasks.jsonl", first)
        #expect(try JobrunProcess.run(["submit", file, "--workers", "1"]).status == 1)
        _ = FileManager.default.createFile(atPath: marker, contents: Data())
        let plain = try JobrunProcess.run(["submit", file, "--resume"])
        // A results file that still records a failure is not a success, and the summary says how to rerun it.
        #expect(plain.status == 1)
        #expect(plain.stderr.contains("--rerun-failed"), "\(plain.stderr)")
        #expect(try scratch.results("tasks.results.jsonl")[#""b""#]?["status"] == "failed", "failed tasks are kept without --rerun-failed")
        // --rerun-failed alone implies --resume.
        let rerun = try JobrunProcess.run(["submit", file, "--rerun-failed"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        var results = try scratch.results("tasks.results.jsonl")
        #expect(results.count == 3)
        #expect(results[#""b""#]?["stdout"] == "fixed\n")
        try scratch.write("tasks.jsonl", first.replacingOccurrences(of: "echo three", with: "echo THREE"))
        #expect(try JobrunProcess.run(["submit", file, "--resume"]).status == 0)
        results = try scratch.results("tasks.results.jsonl")
        #expect(results.count == 3)
        #expect(results[#""c""#]?["stdout"] == "THREE\n")
        #expect(results[#""a""#]?["stdout"] == "one\n")
    }
}

@Suite("jobrun submit: a built-in that ignores its timeout", .serialized)
struct StuckTaskTests {
    @Test("a CPU-bound built-in past its timeout is recorded as timed out and its worker is replaced")
    func stuckComputation() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", ReliabilityTests.fastSettings)
        let file = try scratch.write("stuck.jsonl", """
            {"id": "endless", "run": "sha256-chain", "args": {"seed": "x", "rounds": 2000000000}, "timeout": 0.5}
            {"id": "after", "run": "sha256-chain", "args": {"seed": "y", "rounds": 10}}
            """)
        let started = Date()
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1", "--config", config], timeout: 60)
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let results = try scratch.results("stuck.results.jsonl")
        #expect(results[#""endless""#]?["status"] == "timeout")
        #expect(results[#""after""#]?["status"] == "ok")
        // The next computation waits behind the stuck one, so the worker gives up its CPU thread and is replaced.
        #expect(outcome.stderr.contains("ignored its timeout"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("1 replaced"), "\(outcome.stderr)")
    }
}
