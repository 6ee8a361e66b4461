import Foundation
import JSONValue
import Testing

/// Promises kept under attack or clumsy use, through the built binary: workers replaced for as long as the job needs
/// them, results repaired on every resume, bad numbers refused, planted links and second coordinators refused.
@Suite("jobrun submit: hostile and clumsy use", .serialized)
struct HostileUseTests {
    static let fast = ReliabilityTests.fastSettings

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Ids in a results file, with how many lines each has.
    static func idCounts(_ path: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in lines(path) {
            let object = try #require(try JSONParser.parse(line).objectValue)
            counts[try #require(object["id"]).text, default: 0] += 1
        }
        return counts
    }

    @Test("workers are replaced far beyond the old fixed allowance (max_worker_restarts is only warned about)")
    func workersReplacedForever() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", Self.fast + "\nmax_worker_restarts = 2\n")
        let file = try scratch.write("jobs.jsonl", ReliabilityTests.sleeps(300, ms: 20))
        let results = scratch.path("jobs.results.jsonl")
        let job = JobrunProcess(["submit", file, "--workers", "2", "--config", config])
        try job.start()
        defer { job.stop() }
        var kills = 0
        for _ in 0..<8 {
            let before = ReliabilityTests.resultsWritten(results)
            guard StopTests.waitUntil(timeout: 30, { ReliabilityTests.resultsWritten(results) >= before + 3 }) else { break }
            guard let victim = StopTests.children(of: job.pid).first else { break }
            kill(victim, SIGKILL)
            kills += 1
        }
        let outcome = try job.finish(timeout: 120)
        #expect(kills == 8, "the job stopped progressing after \(kills) kills: \(outcome.stderr)")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try Self.idCounts(results).count == 300)
        #expect(outcome.stderr.contains("`max_worker_restarts` no longer has any effect"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("8 replaced"), "\(outcome.stderr)")
    }

    @Test("workers that crash at once end the job as a crash loop, naming the unrun tasks and the resume command")
    func crashLoop() throws {
        let scratch = try Scratch()
        let config = try scratch.write(
            "loop.conf", "crash_loop_limit = 4\nrestart_backoff_ms = 10\nrestart_backoff_max_ms = 40\n")
        let file = try scratch.write("jobs.jsonl", ReliabilityTests.sleeps(3, ms: 1))
        let outcome = try JobrunProcess.run(
            ["submit", file, "--workers", "2", "--config", config, "--worker-command", "/bin/false"], timeout: 60)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("4 workers in a row died before finishing any task"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("crash loop"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("3 tasks were not run"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("--worker-command /bin/false --resume"), "\(outcome.stderr)")
    }

    @Test("a resume repairs duplicate lines left by a killed --resume --rerun-failed, and a left-behind .compacting file")
    func resumeRepairsDuplicates() throws {
        let scratch = try Scratch()
        let marker = scratch.path("marker")
        let tasks = (0..<200).map { #"{"id": \#($0), "shell": "test -e \#(marker) && sleep 0.02"}"# }
        let file = try scratch.write("jobs.jsonl", tasks.joined(separator: "\n"))
        let results = scratch.path("jobs.results.jsonl")
        let first = try JobrunProcess.run(["submit", file, "--workers", "2", "-q"])
        #expect(first.status == 1)
        #expect(Self.lines(results).count == 200)
        #expect(FileManager.default.createFile(atPath: marker, contents: nil))
        let rerun = JobrunProcess(["submit", file, "--workers", "2", "--resume", "--rerun-failed", "-q"])
        try rerun.start()
        #expect(StopTests.waitUntil(timeout: 60) { Self.lines(results).count >= 230 })
        kill(rerun.pid, SIGKILL)
        _ = try? rerun.finish(timeout: 10)
        #expect(try Self.idCounts(results).values.contains { $0 > 1 }, "the killed run left no duplicate to repair")
        try "garbage".write(toFile: results + ".compacting", atomically: false, encoding: .utf8)
        let resumed = try JobrunProcess.run(["submit", file, "--workers", "2", "--resume"])
        #expect(resumed.status == 0 || resumed.status == 1, "\(resumed.stderr)")
        let counts = try Self.idCounts(results)
        #expect(counts.count == 200)
        #expect(counts.values.allSatisfy { $0 == 1 }, "ids recorded more than once after a resume")
        #expect(!FileManager.default.fileExists(atPath: results + ".compacting"))
        #expect(resumed.stderr.contains("removed"), "\(resumed.stderr)")
    }

    @Test("bad numbers on the command line, in a settings file or in a task file are refused, naming them")
    func badNumbers() throws {
        let scratch = try Scratch()
        let good = try scratch.write("good.jsonl", #"{"id": 1, "run": "echo", "args": {"value": 1}}"#)
        var made = 0
        func settings(_ text: String) throws -> [String] {
            made += 1
            return ["--config", try scratch.write("s\(made).conf", text + "\n")]
        }
        func task(_ timeout: String) throws -> String {
            made += 1
            return try scratch.write("t\(made).jsonl", #"{"id": 1, "shell": "true", "timeout": \#(timeout)}"#)
        }
        let cases: [(arguments: [String], file: String, names: String)] = [
            (["--timeout", "inf"], good, "--timeout"),
            (["--timeout", "1e20"], good, "--timeout"),
            (["--timeout", "nan"], good, "--timeout"),
            (["--timeout", "-3"], good, "--timeout"),
            (["--timeout", "0.0000001"], good, "timer's resolution"),
            (["--slots", "99999999999"], good, "--slots"),
            (["--workers", "9999999999"], good, "--workers"),
            (["--io-concurrency", "100000000"], good, "--io-concurrency"),
            (try settings("heartbeat_ms = 4294967296"), good, "conf:1: `heartbeat_ms` must be at most"),
            (try settings("read_ahead = 9223372036854775807"), good, "conf:1: `read_ahead` must be at most"),
            (try settings("read_ahead = 99999999999999999999999"), good, "conf:1: `read_ahead` must be from 1"),
            (try settings("kill_grace_ms = -5"), good, "conf:1: `kill_grace_ms` must be at least 0"),
            (try settings("max_frame_bytes = 1e20"), good, "`max_frame_bytes` must be a whole number"),
            ([], try task("1e300"), "timeout"),
            ([], try task("-1"), "timeout"),
            ([], try task("0.0000000001"), "timer's resolution"),
        ]
        for (arguments, file, names) in cases {
            let outcome = try JobrunProcess.run(["submit", file, "--force"] + arguments, timeout: 60)
            #expect(outcome.status == 2, "\(arguments) \(file): exit \(outcome.status): \(outcome.stderr)")
            #expect(outcome.stderr.contains(names), "\(arguments): \(outcome.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path("good.results.jsonl")), "\(arguments)")
        }
        let worker = ["worker", "--connect", "tcp://127.0.0.1:9", "--insecure"]
        let workerCases: [(arguments: [String], names: String)] = [
            (["--idle-exit", "inf"], "--idle-exit"), (["--idle-exit", "1e300"], "--idle-exit"),
            (["--workers", "99999999999"], "--workers"), (["--slots", "99999999999"], "--slots"),
        ]
        for (arguments, names) in workerCases {
            let outcome = try JobrunProcess.run(worker + arguments, timeout: 60)
            #expect(outcome.status == 2, "\(arguments): exit \(outcome.status): \(outcome.stderr)")
            #expect(outcome.stderr.contains(names), "\(arguments): \(outcome.stderr)")
        }
    }

    @Test("a results path that is a planted symbolic link is refused, with or without --force; results are 0600")
    func plantedSymlink() throws {
        let scratch = try Scratch()
        let file = try scratch.write("jobs.jsonl", #"{"id": 1, "shell": "env"}"#)
        let victim = try scratch.write("victim", "precious\n")
        try FileManager.default.createSymbolicLink(atPath: scratch.path("out.jsonl"), withDestinationPath: victim)
        for extra in [[], ["--force"]] {
            let outcome = try JobrunProcess.run(["submit", file, "-o", scratch.path("out.jsonl"), "-q"] + extra)
            #expect(outcome.status == 2, "\(extra): \(outcome.stderr)")
            #expect(outcome.stderr.contains("symbolic link") || outcome.stderr.contains("already exists"), "\(outcome.stderr)")
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        }
        let outcome = try JobrunProcess.run(["submit", file, "-o", scratch.path("real.jsonl"), "-q"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.path("real.jsonl"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let environment = try #require(try scratch.results("real.jsonl")["1"]?["stdout"]?.stringValue)
        #expect(environment.contains("PATH="), "the task's environment was not captured")
        #expect(!environment.contains("JOBRUN_TOKEN"))
        #expect(!environment.contains("JOBRUN_PARENT_PID"))
        // A device still takes results as a stream (and two jobs may share it): nothing is locked or truncated there.
        let discarded = try JobrunProcess.run(["submit", file, "-o", "/dev/null", "-q", "--force"])
        #expect(discarded.status == 0, "\(discarded.stderr)")
    }

    @Test("a second coordinator on a results file in use is refused, naming the pid; the task file is never the output")
    func resultsFileLocked() throws {
        let scratch = try Scratch()
        let file = try scratch.write("jobs.jsonl", ReliabilityTests.sleeps(40, ms: 200))
        let results = scratch.path("jobs.results.jsonl")
        let first = JobrunProcess(["submit", file, "--workers", "1", "-q"])
        try first.start()
        defer { first.stop() }
        #expect(StopTests.waitUntil(timeout: 30) { ReliabilityTests.resultsWritten(results) >= 1 })
        let second = try JobrunProcess.run(["submit", file, "--workers", "1", "--resume"])
        #expect(second.status == 2, "\(second.stderr)")
        #expect(second.stderr.contains("in use by another jobrun (pid \(first.pid))"), "\(second.stderr)")
        first.stop()
        // The task file under another name (a hard link) is still the task file.
        let link = scratch.path("link.jsonl")
        try FileManager.default.linkItem(atPath: file, toPath: link)
        let before = try String(contentsOfFile: file, encoding: .utf8)
        let same = try JobrunProcess.run(["submit", file, "-o", link, "--force"])
        #expect(same.status == 2, "\(same.stderr)")
        #expect(same.stderr.contains("is the task file itself"), "\(same.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == before)
    }

    @Test("SIGHUP stops the job as SIGTERM does: a summary, exit 130")
    func hangUp() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", "interrupt_grace_ms = 300\nkill_grace_ms = 300\n")
        let file = try scratch.write("jobs.jsonl", (0..<6).map { #"{"id": \#($0), "shell": "sleep 30"}"# }.joined(separator: "\n"))
        let job = JobrunProcess(["submit", file, "--workers", "2", "--config", config])
        try job.start()
        defer { job.stop() }
        #expect(StopTests.waitUntil(timeout: 30) { StopTests.children(of: job.pid).count == 2 })
        // The workers start while the task file is checked: wait until both run a task, so the job has begun.
        #expect(StopTests.waitUntil(timeout: 30) {
            StopTests.children(of: job.pid).allSatisfy { !StopTests.children(of: $0).isEmpty }
        })
        kill(job.pid, SIGHUP)
        let outcome = try job.finish(timeout: 60)
        #expect(outcome.status == 130, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("interrupted after"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("--resume"), "\(outcome.stderr)")
    }

    @Test("under nohup a hang-up stops neither the job nor its workers")
    func hangUpUnderNohup() throws {
        let scratch = try Scratch()
        let file = try scratch.write("jobs.jsonl", (0..<6).map { #"{"id": \#($0), "shell": "sleep 1"}"# }.joined(separator: "\n"))
        let job = JobrunProcess(executable: "/usr/bin/nohup", arguments: [JobrunProcess.binary, "submit", file, "--workers", "2"])
        try job.start()
        defer { job.stop() }
        #expect(StopTests.waitUntil(timeout: 30) {
            let workers = StopTests.children(of: job.pid)
            return workers.count == 2 && workers.allSatisfy { !StopTests.children(of: $0).isEmpty }
        })
        // A closed terminal reaches the whole job's process group: the coordinator and its workers.
        let workers = StopTests.children(of: job.pid)
        for pid in [job.pid] + workers { kill(pid, SIGHUP) }
        usleep(300_000)
        #expect(workers.allSatisfy { !StopTests.isGone($0) }, "a worker stopped on the hang-up")
        let outcome = try job.finish(timeout: 60)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("interrupted"), "\(outcome.stderr)")
        let lines = try String(contentsOfFile: scratch.path("jobs.results.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines.allSatisfy { $0.contains(#""status":"ok""#) }, "\(lines)")
    }

    @Test("--workers far beyond the cores is capped, saying how to force it")
    func workersCapped() throws {
        let scratch = try Scratch()
        let file = try scratch.write("jobs.jsonl", #"{"id": 1, "run": "echo", "args": {"value": 1}}"#)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "100000"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("pass --force-workers to start 100000"), "\(outcome.stderr)")
    }

    @Test("jobrun status after a resume counts the tasks every session recorded")
    func statusCountsEverySession() throws {
        let scratch = try Scratch()
        let environment = ["JOBRUN_STATE_DIR": scratch.path("state")]
        let marker = scratch.path("marker")
        let tasks = (0..<20).map { index in
            let command = index % 2 == 0 ? "true" : "test -e \(marker)"
            return #"{"id": \#(index), "shell": "\#(command)"}"#
        }
        let file = try scratch.write("jobs.jsonl", tasks.joined(separator: "\n"))
        #expect(try JobrunProcess.run(["submit", file, "--workers", "2", "-q"], environment: environment).status == 1)
        #expect(FileManager.default.createFile(atPath: marker, contents: nil))
        let resumed = try JobrunProcess.run(
            ["submit", file, "--workers", "2", "-q", "--resume", "--rerun-failed"], environment: environment)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let status = try JobrunProcess.run(["status", "--json"], environment: environment)
        let rows = try status.stdout.split(separator: "\n").map { try #require(try JSONParser.parse(String($0)).objectValue) }
        #expect(rows.count == 2)
        // The first session recorded 10 ok and 10 failed; the resumed one ran the failed 10 again, successfully.
        #expect(rows.contains { $0["total"] == 20 && $0["succeeded"] == 10 && $0["failed"] == 10 }, "\(status.stdout)")
        #expect(rows.contains { $0["total"] == 20 && $0["succeeded"] == 20 && $0["failed"] == 0 }, "\(status.stdout)")
    }

    @Test("runtime directories of coordinators that died are removed by the next one; live or unknown ones stay")
    func abandonedRuntimeDirectoriesRemoved() throws {
        let scratch = try Scratch()
        let base = scratch.path("run")
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        // A pid that is surely dead: a child that exited and was reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = child.processIdentifier
        let directories = ["jobrun-DEAD00": "\(dead)\n", "jobrun-LIVE00": "\(getpid())\n", "jobrun-NOPID0": nil]
        for (name, pid) in directories {
            try FileManager.default.createDirectory(atPath: base + "/" + name, withIntermediateDirectories: true)
            try "stale socket".write(toFile: base + "/" + name + "/register", atomically: false, encoding: .utf8)
            if let pid { try pid.write(toFile: base + "/" + name + "/pid", atomically: false, encoding: .utf8) }
        }
        let file = try scratch.write("jobs.jsonl", #"{"id": 1, "run": "echo", "args": {"value": 1}}"#)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1", "-q"], environment: ["XDG_RUNTIME_DIR": base])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: base))
        #expect(left == ["jobrun-LIVE00", "jobrun-NOPID0"], "\(left)")
    }

    @Test("without $XDG_RUNTIME_DIR the runtime directory is in the user's own /tmp/jobrun-runtime-UID, removed at the end")
    func runtimeDirectoryUnderOwnParent() throws {
        let scratch = try Scratch()
        let file = try scratch.write("jobs.jsonl", #"{"id": 1, "exec": ["sleep", "1"]}"#)
        let job = JobrunProcess(["submit", file, "--workers", "1", "-q"], environment: ["XDG_RUNTIME_DIR": ""])
        try job.start()
        defer { job.stop() }
        let parent = "/tmp/jobrun-runtime-\(getuid())"
        let ownPID = "\(job.pid)\n"
        // Other tests' jobs share the parent: find this job's directory by the pid it names.
        let mine = { () -> String? in
            ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).first {
                (try? String(contentsOfFile: parent + "/" + $0 + "/pid", encoding: .utf8)) == ownPID
            }
        }
        #expect(StopTests.waitUntil(timeout: 30) { mine() != nil })
        let name = mine()
        var status = stat()
        #expect(lstat(parent, &status) == 0 && status.st_mode & 0o777 == 0o700 && status.st_uid == getuid())
        let outcome = try job.finish(timeout: 60)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        if let name { #expect(!FileManager.default.fileExists(atPath: parent + "/" + name)) }
    }

    @Test("workers lost because the coordinator itself was frozen are replaced, even with crash_loop_limit = 1")
    func coordinatorFreezeNotHeldAgainstWorkers() throws {
        let scratch = try Scratch()
        let config = try scratch.write("freeze.conf", Self.fast + "\ncrash_loop_limit = 1\nmax_worker_restarts = 0\n")
        let file = try scratch.write("jobs.jsonl", (0..<4).map { #"{"id": \#($0), "exec": ["sleep", "2"]}"# }.joined(separator: "\n"))
        let job = JobrunProcess(["submit", file, "--workers", "2", "--config", config])
        try job.start()
        defer {
            kill(job.pid, SIGCONT)
            job.stop()
        }
        // Both workers are running a task (and so have finished none) when the coordinator freezes.
        #expect(StopTests.waitUntil(timeout: 30) {
            let workers = StopTests.children(of: job.pid)
            return workers.count == 2 && workers.allSatisfy { !StopTests.children(of: $0).isEmpty }
        })
        let workers = StopTests.children(of: job.pid)
        kill(job.pid, SIGSTOP)
        // The workers give up on a silent coordinator and exit.
        let gone = StopTests.waitUntil(timeout: 30) { workers.allSatisfy { StopTests.isGone($0) } }
        kill(job.pid, SIGCONT)
        #expect(gone, "the workers did not give up on the frozen coordinator")
        let outcome = try job.finish(timeout: 120)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try Self.idCounts(scratch.path("jobs.results.jsonl")).count == 4)
        #expect(!outcome.stderr.contains("not starting more workers"), "\(outcome.stderr)")
    }
}
