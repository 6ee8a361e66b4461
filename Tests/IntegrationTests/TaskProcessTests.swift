import Foundation
import JSONValue
import Testing

/// What a task's processes may not do to a job: outlive it, hide from its timeout, outgrow its memory limit, send a
/// result too big to travel, or flood the event log. Run through the built binary.
@Suite("jobrun submit: task processes under control", .serialized)
struct TaskProcessTests {
    static let fastSettings = ReliabilityTests.fastSettings

    /// The pid written in `path`, once it is there.
    static func pid(in path: String) -> Int32? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Whether process `pid` is gone (or a zombie waiting to be reaped).
    static func isGone(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }

    @Test("a task that leaves a process holding its stdout, or a setsid escapee, ends when its command ends; a timeout stops escapees too")
    func leftoversAndEscapees() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", Self.fastSettings)
        let escapee = scratch.path("escapee.pid")
        let hidden = scratch.path("hidden.pid")
        let wait = { (file: String) in "for i in $(seq 1 500); do [ -s \(file) ] && break; sleep 0.01; done" }
        let tasks = [
            ("background", "sleep 1000 & echo started", nil),
            ("escapee", "setsid sh -c 'echo $$ > \(escapee); exec sleep 1000' & \(wait(escapee)); echo started", nil),
            ("hidden", "setsid sh -c 'echo $$ > \(hidden); exec sleep 1000' > /dev/null & \(wait(hidden)); echo ready; sleep 1000", "1"),
        ].map { id, script, timeout in
            #"{"id": "\#(id)", "shell": \#(JSONValue.string(script).text)\#(timeout.map { ", \"timeout\": \($0)" } ?? "")}"#
        }
        let file = try scratch.write("leftovers.jsonl", tasks.joined(separator: "\n"))
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "2", "--config", config], timeout: 60)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let results = try scratch.results("leftovers.results.jsonl")
        #expect(results.count == 3)
        for id in ["background", "escapee"] {
            let result = try #require(results[#""\#(id)""#])
            #expect(result["status"] == "ok", "\(result)")
            #expect(result["stdout"] == "started\n")
            #expect(result["stopped_leftover_processes"] == 1, "\(result)")
        }
        let timedOut = try #require(results[#""hidden""#])
        #expect(timedOut["status"] == "timeout", "\(timedOut)")
        #expect(timedOut["failure"] == "timeout")
        for path in [escapee, hidden] {
            let pid = try #require(Self.pid(in: path))
            #expect(StopTests.waitUntil(timeout: 5) { Self.isGone(pid) }, "escapee \(pid) (\(path)) is still running")
        }
    }

    @Test("a result bigger than max_frame_bytes becomes a failure naming its size and the limit; the job ends")
    func resultTooBig() throws {
        let scratch = try Scratch()
        let config = try scratch.write("small-frames.conf", Self.fastSettings + "\nmax_frame_bytes = 1048576\n")
        let big = String(repeating: "x", count: 2_000_000)
        let file = try scratch.write("big.jsonl", """
            {"id": "big", "run": "echo", "args": {"value": "\(big)"}}
            {"id": "small", "run": "echo", "args": {"value": "fits"}}
            """)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1", "--config", config], timeout: 60)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let results = try scratch.results("big.results.jsonl")
        #expect(results[#""small""#]?["status"] == "ok")
        let failed = try #require(results[#""big""#])
        #expect(failed["status"] == "failed")
        #expect(failed["failure"] == "error")
        let error = failed["error"]?.stringValue ?? ""
        #expect(error.contains("max_frame_bytes = 1048576"), "\(error)")
        #expect(error.contains("2000"), "\(error)")
    }

    @Test("a task over its memory limit is stopped and recorded as a memory failure; the worker goes on")
    func memoryLimit() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", Self.fastSettings)
        let hog = "x=$(head -c 100M /dev/zero | tr '\\\\0' x); sleep 1000"
        let file = try scratch.write("memory.json", """
            {"defaults": {"memory": "32M"}, "tasks": [
              {"id": "hog", "shell": "\(hog)"},
              {"id": "roomy", "shell": "x=$(head -c 1M /dev/zero | tr '\\\\0' x); echo ${#x}", "memory": "256M"},
              {"id": "after", "shell": "echo still here"}
            ]}
            """)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1", "--config", config], timeout: 90)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let results = try scratch.results("memory.results.jsonl")
        let hogResult = try #require(results[#""hog""#])
        #expect(hogResult["status"] == "failed", "\(hogResult)")
        #expect(hogResult["failure"] == "memory", "\(hogResult)")
        #expect(hogResult["error"]?.stringValue?.contains("memory limit of 32 MiB (peak") == true, "\(hogResult)")
        #expect(results[#""roomy""#]?["stdout"] == "1048576\n")
        #expect(results[#""after""#]?["stdout"] == "still here\n")
        #expect(results[#""after""#]?["worker"] == hogResult["worker"], "the same worker ran on")
    }

    @Test("--memory limits tasks without their own; a bad size is refused with the field named")
    func memoryOption() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", Self.fastSettings)
        let file = try scratch.write("hog.jsonl", #"{"id": "hog", "shell": "x=$(head -c 100M /dev/zero | tr '\\0' x); sleep 1000"}"#)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1", "--config", config, "--memory", "32M"], timeout: 90)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(try scratch.results("hog.results.jsonl")[#""hog""#]?["failure"] == "memory")

        let refused = try JobrunProcess.run(["submit", file, "--memory", "lots", "--output", scratch.path("x.jsonl")])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--memory"), "\(refused.stderr)")
        let bad = try scratch.write("bad.jsonl", #"{"id": "a", "shell": "true", "memory": "10K"}"#)
        let badOutcome = try JobrunProcess.run(["submit", bad, "--workers", "1"])
        #expect(badOutcome.status != 0)
        #expect(badOutcome.stderr.contains("bad.jsonl:1"), "\(badOutcome.stderr)")
        #expect(badOutcome.stderr.contains("memory"), "\(badOutcome.stderr)")
    }

    /// This process's cgroup v1 memory directory, when it may make groups there.
    static var memoryGroupDirectory: String? {
        guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3, parts[1].split(separator: ",").contains("memory") {
                let directory = "/sys/fs/cgroup/memory" + (parts[2] == "/" ? "" : String(parts[2]))
                return access(directory, W_OK) == 0 ? directory : nil
            }
        }
        return nil
    }

    @Test(
        "a task the kernel's out-of-memory killer ends, with no limit of its own, is a memory failure, not a signal",
        .enabled(if: TaskProcessTests.memoryGroupDirectory != nil, "needs a writable cgroup v1 memory hierarchy to make a host short of memory"))
    func kernelOOMKill() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", Self.fastSettings)
        // A memory group of 48 MiB stands for a host short of memory; the task moves itself into it.
        let host = try #require(Self.memoryGroupDirectory) + "/jobrun-test-oom-\(getpid())"
        #expect(mkdir(host, 0o755) == 0)
        defer { _ = rmdir(host) }
        try "\(48 << 20)".write(toFile: host + "/memory.limit_in_bytes", atomically: false, encoding: .utf8)
        try? "\(48 << 20)".write(toFile: host + "/memory.memsw.limit_in_bytes", atomically: false, encoding: .utf8)
        let script = "echo $$ > \(host)/cgroup.procs && x=$(head -c 100M /dev/zero | tr '\\\\0' x); sleep 1000"
        let file = try scratch.write("oom.jsonl", #"{"id": "oom", "shell": "\#(script)"}"#)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1", "--config", config], timeout: 90)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let result = try #require(try scratch.results("oom.results.jsonl")[#""oom""#])
        #expect(result["failure"] == "memory", "\(result)")
        #expect(result["error"]?.stringValue?.contains("out-of-memory killer") == true, "\(result)")
    }

    @Test("--stream-output of a flood keeps the event log within output_log_bytes and says how many lines it left out")
    func streamFlood() throws {
        let watch = try WatchTests.Watch()
        let config = try watch.scratch.write("small-log.conf", Self.fastSettings + "\noutput_log_bytes = 200000\n")
        // 20 MiB of one-byte lines, then a last line after them.
        let file = try watch.scratch.write("flood.jsonl", #"{"id": "flood", "shell": "yes | head -c 20971520; echo last"}"#)
        let id = try watch.detach(file, ["--stream-output", "--config", config])
        #expect(watch.waitForState(id, "completed", timeout: 120))
        let result = try #require(try watch.scratch.results("flood.results.jsonl")[#""flood""#])
        #expect(result["status"] == "ok")
        #expect(result["stdout_bytes"] == 20_971_525)
        let log = watch.scratch.path("state/\(id)/events.ndjson")
        let size = (try FileManager.default.attributesOfItem(atPath: log)[.size] as? NSNumber)?.intValue ?? Int.max
        #expect(size < 400_000, "the event log holds \(size) bytes")
        let events = try String(contentsOfFile: log, encoding: .utf8)
        #expect(events.contains("not logged: the event log keeps at most 200000 bytes"), "no note of the lines left out")
    }
}
