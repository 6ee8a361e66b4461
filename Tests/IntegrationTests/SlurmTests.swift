import Foundation
import JSONValue
import Testing

/// jobrun on a real Slurm cluster started on this machine (`scripts/lib/slurm-lab.sh`): munged, slurmctld and two
/// slurmd daemons posing as nodes node1 and node2. Needs root and Debian's slurm-wlm and munge (scripts/test
/// installs them); skipped, saying why, without them. Every Slurm command has a timeout.
@Suite("Slurm: srun in an allocation, sbatch worker jobs", .serialized)
struct SlurmTests {
    static let labScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/lib/slurm-lab.sh").path
    /// A fixed place, so a lab left by a crashed run is found and stopped by the next (every parent is searchable).
    static let labDirectory = "/tmp/jobrun-slurm-lab"
    static let available: Bool = getuid() == 0
        && ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: $0)
        }

    /// A running lab; `stop()` cancels every job and stops the daemons.
    struct Lab {
        let conf: String
        let configDirectory: String
        var environment: [String: String] { ["SLURM_CONF": conf, "JOBRUN_CONFIG_DIR": configDirectory] }

        init(scratch: Scratch) throws {
            let started = try JobrunProcess.runProgram("/bin/bash", [SlurmTests.labScript, "start", SlurmTests.labDirectory], timeout: 90)
            try #require(started.status == 0, "the Slurm lab did not start: \(started.stderr)")
            conf = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            configDirectory = scratch.path("config")
            try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
        }

        func stop() {
            _ = try? JobrunProcess.runProgram("/bin/bash", [SlurmTests.labScript, "stop", SlurmTests.labDirectory], timeout: 90)
        }

        /// Runs a Slurm command (bounded) and returns its stdout.
        func slurm(_ program: String, _ arguments: [String]) throws -> String {
            let outcome = try JobrunProcess.runProgram(
                "/usr/bin/timeout", ["20", program] + arguments, environment: environment, timeout: 30)
            return outcome.stdout
        }

        /// Whether the queue empties within 30 s (jobs end through a short completing state).
        func queueEmpties() -> Bool {
            StopTests.waitUntil(timeout: 30) { (try? queuedJobs())?.isEmpty == true }
        }

        /// Starts `jobrun submit FILE` with `arguments` on this cluster.
        func submit(_ file: String, _ arguments: [String]) throws -> JobrunProcess {
            let job = JobrunProcess(["submit", file] + arguments, environment: environment)
            try job.start()
            return job
        }

        /// The ids of jobs in the queue (pending, running or completing).
        func queuedJobs() throws -> [String] {
            try slurm("squeue", ["--noheader", "--format=%i"]).split(separator: "\n").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        }
    }

    /// `count` shell tasks that each take `seconds` and print the node they ran on.
    static func tasks(_ scratch: Scratch, count: Int, seconds: Double) throws -> String {
        let lines = (0..<count).map { #"{"id": "t\#($0)", "shell": "sleep \#(seconds); echo $SLURMD_NODENAME"}"# }
        return try scratch.write("tasks.jsonl", lines.joined(separator: "\n"))
    }

    /// The hosts named in the results.
    static func hosts(_ results: [String: JSONObject]) -> Set<String> {
        Set(results.values.compactMap { $0["host"]?.stringValue })
    }

    @Test("--slurm under salloc -N2 starts one agent per node and runs on both", .enabled(if: available, "needs root and slurm-wlm + munge"))
    func allocation() throws {
        let scratch = try Scratch()
        let lab = try Lab(scratch: scratch)
        defer { lab.stop() }
        let file = try Self.tasks(scratch, count: 24, seconds: 0.3)
        let job = JobrunProcess(
            executable: "/usr/bin/timeout",
            arguments: ["120", "salloc", "-N2", "--job-name=alloc-test", JobrunProcess.binary, "submit", file, "--slurm"],
            environment: lab.environment)
        try job.start()
        let outcome = try job.finish(timeout: 150)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("starting a host agent on each of the 2 node(s)"), "\(outcome.stderr)")
        let results = try scratch.results("tasks.results.jsonl")
        #expect(results.count == 24)
        #expect(results.values.allSatisfy { $0["status"] == "ok" })
        #expect(Self.hosts(results) == ["node1", "node2"], "\(Self.hosts(results))")
        #expect(lab.queueEmpties(), "the allocation and its step are gone")
    }

    @Test("--slurm outside an allocation says what to do instead", .enabled(if: available, "needs root and slurm-wlm + munge"))
    func allocationMissing() throws {
        let scratch = try Scratch()
        let file = try Self.tasks(scratch, count: 1, seconds: 0)
        var environment = ["JOBRUN_CONFIG_DIR": scratch.path("config")]
        environment["SLURM_JOB_ID"] = nil
        let outcome = try JobrunProcess.run(["submit", file, "--slurm"], environment: environment)
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("SLURM_JOB_ID is not set") && outcome.stderr.contains("--slurm-jobs"), "\(outcome.stderr)")
    }

    @Test("--slurm-jobs 2: two worker jobs do the work and are gone from squeue at the end", .enabled(if: available, "needs root and slurm-wlm + munge"))
    func workerJobs() throws {
        let scratch = try Scratch()
        let lab = try Lab(scratch: scratch)
        defer { lab.stop() }
        let file = try Self.tasks(scratch, count: 24, seconds: 0.3)
        let submitted = Date()
        let job = try lab.submit(file, ["--slurm-jobs", "2", "--sbatch-args", "--time=5 --output=\(scratch.path("slurm-%j.log"))"])
        defer { job.stop() }
        let outcome = try job.finish(timeout: 150)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("tasks.results.jsonl")
        #expect(results.count == 24)
        #expect(Self.hosts(results) == ["node1", "node2"], "\(Self.hosts(results))")
        #expect(outcome.stderr.contains("host node1 joined") && outcome.stderr.contains("host node2 joined"), "\(outcome.stderr)")
        #expect(lab.queueEmpties(), "worker jobs left in the queue")
        // For the record: how long from submit to the first task starting.
        let starts = results.values.compactMap { $0["started_at"]?.stringValue }.compactMap { ISO8601DateFormatter.withFraction.date(from: $0) }
        if let first = starts.min() { print("slurm-jobs: first task started \(String(format: "%.2f", first.timeIntervalSince(submitted))) s after submit") }
    }

    @Test("a worker job scancel'ed mid-job: its tasks run elsewhere, a replacement is submitted, nothing is lost", .enabled(if: available, "needs root and slurm-wlm + munge"))
    func workerJobCancelled() throws {
        let scratch = try Scratch()
        let lab = try Lab(scratch: scratch)
        defer { lab.stop() }
        let file = try Self.tasks(scratch, count: 40, seconds: 1)
        let job = try lab.submit(file, ["--slurm-jobs", "2", "--sbatch-args", "--time=5"])
        defer { job.stop() }
        #expect(job.waitForStderr(containing: "started on node1", timeout: 60) && job.waitForStderr(containing: "started on node2", timeout: 60), "\(job.stderr)")
        #expect(StopTests.waitUntil(timeout: 60) {
            ((try? String(contentsOfFile: scratch.path("tasks.results.jsonl"), encoding: .utf8)) ?? "").split(separator: "\n").count >= 6
        })
        let running = try lab.slurm("squeue", ["--noheader", "--states=running", "--format=%i"]).split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let victim = try #require(running.first)
        _ = try lab.slurm("scancel", [victim])
        let outcome = try job.finish(timeout: 180)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("worker job \(victim) ended"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("submitting a replacement worker job"), "\(outcome.stderr)")
        let results = try scratch.results("tasks.results.jsonl")
        #expect(results.count == 40, "every task recorded exactly once")
        #expect(results.values.allSatisfy { $0["status"] == "ok" })
        #expect(lab.queueEmpties(), "worker jobs left in the queue")
    }

    @Test(
        "near its time limit a worker job gets no more tasks and a replacement takes over: no task is cut off",
        .enabled(if: available, "needs root and slurm-wlm + munge"))
    func timeLimit() throws {
        let scratch = try Scratch()
        let lab = try Lab(scratch: scratch)
        defer { lab.stop() }
        // 60 tasks of 5 s on one node's 2 workers take 150 s: well past the worker job's 1-minute limit, so without
        // the retirement its running tasks would be killed by the limit and run again.
        let file = try Self.tasks(scratch, count: 60, seconds: 5)
        let job = try lab.submit(file, ["--slurm-jobs", "1", "--sbatch-args", "--time=1"])
        defer { job.stop() }
        let outcome = try job.finish(timeout: 240)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("reaches its time limit in") && outcome.stderr.contains("it gets no more tasks"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("submitting a replacement worker job"), "\(outcome.stderr)")
        let results = try scratch.results("tasks.results.jsonl")
        #expect(results.count == 60)
        #expect(results.values.allSatisfy { $0["status"] == "ok" })
        // Nothing ran twice: the first job's workers finished what they had started before its limit.
        #expect(results.values.allSatisfy { $0["attempts"] == 1 }, "\(results.values.filter { $0["attempts"] != 1 })")
        #expect(Self.hosts(results) == ["node1", "node2"], "the replacement did the rest: \(Self.hosts(results))")
        #expect(lab.queueEmpties(), "worker jobs left in the queue")
    }

    @Test("an interrupted coordinator cancels its worker jobs, queued ones included", .enabled(if: available, "needs root and slurm-wlm + munge"))
    func interruptCancels() throws {
        let scratch = try Scratch()
        let lab = try Lab(scratch: scratch)
        defer { lab.stop() }
        let file = try Self.tasks(scratch, count: 40, seconds: 5)
        // Three worker jobs for two nodes: one stays queued.
        let job = try lab.submit(file, ["--slurm-jobs", "3", "--sbatch-args", "--time=5"])
        defer { job.stop() }
        #expect(job.waitForStderr(containing: "started on node", timeout: 60), "\(job.stderr)")
        #expect(((try? lab.queuedJobs()) ?? []).count == 3, "two running worker jobs and one queued")
        kill(job.pid, SIGTERM)
        kill(job.pid, SIGTERM)
        _ = try job.finish(timeout: 60)
        #expect(lab.queueEmpties(), "worker jobs left: \((try? lab.queuedJobs()) ?? [])")
    }
}

extension ISO8601DateFormatter {
    static var withFraction: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
