import Foundation
import JSONValue
import Testing

/// `after`, `priority`, pools, resources and labels through the built binary.
@Suite("jobrun submit: workflows", .serialized)
struct WorkflowTests {
    /// The most tasks that ran at once, from a log of `S id` and `E id` lines.
    static func peakConcurrency(_ log: String) -> Int {
        var running = 0
        var peak = 0
        for line in log.split(separator: "\n") {
            running += line.hasPrefix("S ") ? 1 : -1
            peak = max(peak, running)
        }
        return peak
    }

    /// A shell line that logs its start and end around a short sleep.
    static func logged(_ log: String, _ id: String, seconds: String = "0.3") -> String {
        "echo S \(id) >> \(log); sleep \(seconds); echo E \(id) >> \(log)"
    }

    @Test("a pipeline runs in dependency order; a failure skips its dependents, naming the dependency")
    func dependencies() throws {
        let scratch = try Scratch()
        let log = scratch.path("order.log")
        let file = try scratch.write("dag.json", """
            {"tasks": [
              {"id": "report", "shell": "echo report >> \(log)", "after": ["process-1", "process-2"]},
              {"id": "fetch-1", "shell": "sleep 0.2; echo fetch-1 >> \(log)"},
              {"id": "fetch-2", "shell": "echo fetch-2 >> \(log)"},
              {"id": "process-1", "shell": "echo process-1 >> \(log)", "after": ["fetch-1"]},
              {"id": "process-2", "shell": "echo process-2 >> \(log)", "after": ["fetch-2"]},
              {"id": "broken", "shell": "exit 3"},
              {"id": "needs-broken", "shell": "echo never >> \(log)", "after": ["broken"]},
              {"id": "needs-needs", "shell": "echo never >> \(log)", "after": ["needs-broken"]}
            ]}
            """)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "2"])
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let order = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(order.count == 5)
        #expect(order.last == "report")
        #expect(order.firstIndex(of: "fetch-1")! < order.firstIndex(of: "process-1")!)
        #expect(order.firstIndex(of: "fetch-2")! < order.firstIndex(of: "process-2")!)
        let results = try scratch.results("dag.results.jsonl")
        #expect(results.count == 8)
        #expect(results[#""report""#]?["status"] == "ok")
        #expect(results[#""needs-broken""#]?["status"] == "skipped")
        #expect(results[#""needs-broken""#]?["failure"] == "dependency")
        #expect(results[#""needs-broken""#]?["error"]?.stringValue?.contains(#""broken" ended failed"#) == true)
        #expect(results[#""needs-needs""#]?["error"]?.stringValue?.contains(#""needs-broken" was skipped"#) == true)
        #expect(outcome.stderr.contains("2 skipped"))
    }

    @Test("an unknown dependency or a cycle is an input error naming the ids, before anything runs")
    func badGraphs() throws {
        let scratch = try Scratch()
        let unknown = try scratch.write("unknown.jsonl", """
            {"id": "a", "exec": ["true"], "after": ["nope"]}
            """)
        let first = try JobrunProcess.run(["submit", unknown])
        #expect(first.status == 2)
        #expect(first.stderr.contains(#"task "a""#) && first.stderr.contains(#"no task has the id "nope""#), "\(first.stderr)")
        let cycle = try scratch.write("cycle.jsonl", """
            {"id": "a", "exec": ["true"], "after": ["c"]}
            {"id": "b", "exec": ["true"], "after": ["a"]}
            {"id": "c", "exec": ["true"], "after": ["b"]}
            {"id": "d", "exec": ["true"]}
            """)
        let second = try JobrunProcess.run(["submit", cycle])
        #expect(second.status == 2)
        #expect(second.stderr.contains(#"dependency cycle: "a" after "c" after "b" after "a""#), "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("cycle.results.jsonl")))
    }

    @Test("resume counts a dependency recorded ok as met")
    func resumeMeetsDependencies() throws {
        let scratch = try Scratch()
        let file = scratch.path("resume.jsonl")
        try scratch.write("resume.jsonl", #"{"id": "a", "exec": ["true"]}"# + "\n")
        #expect(try JobrunProcess.run(["submit", file]).status == 0)
        try scratch.write("resume.jsonl", #"{"id": "a", "exec": ["true"]}"# + "\n" + #"{"id": "b", "exec": ["echo", "b"], "after": ["a"]}"# + "\n")
        let outcome = try JobrunProcess.run(["submit", file, "--resume"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("resume.results.jsonl")
        #expect(results[#""b""#]?["status"] == "ok")
        #expect(outcome.stderr.contains("1 already recorded"))
    }

    @Test("higher priority runs first, file order within a priority")
    func priority() throws {
        let scratch = try Scratch()
        let log = scratch.path("order.log")
        let tasks = [("low", -1), ("a", 0), ("urgent", 5), ("b", 0), ("urgent-too", 5)]
            .map { #"{"id": "\#($0.0)", "shell": "echo \#($0.0) >> \#(log)", "priority": \#($0.1)}"# }
        let file = try scratch.write("priority.jsonl", tasks.joined(separator: "\n") + "\n")
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let order = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(order == ["urgent", "urgent-too", "a", "b", "low"])
    }

    @Test("a pool from the file's pools or --pool limits how many of its tasks run at once, across workers")
    func poolLimit() throws {
        let scratch = try Scratch()
        let log = scratch.path("pool.log")
        let tasks = (0..<6).map { #"{"id": \#($0), "shell": "\#(Self.logged(log, "\($0)"))"}"# }
        let file = try scratch.write("pool.json", """
            {"pools": {"api": {"limit": 2}}, "defaults": {"pool": "api"}, "tasks": [\(tasks.joined(separator: ","))]}
            """)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "4"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(Self.peakConcurrency(try String(contentsOfFile: log, encoding: .utf8)) <= 2)
        // --pool overrides the file's limit; JSONL files get their pools from --pool alone.
        try? FileManager.default.removeItem(atPath: log)
        let lines = (0..<4).map { #"{"id": \#($0), "shell": "\#(Self.logged(log, "\($0)"))", "pool": "db"}"# }
        let jsonl = try scratch.write("pool.jsonl", lines.joined(separator: "\n") + "\n")
        let second = try JobrunProcess.run(["submit", jsonl, "--workers", "4", "--pool", "db=1", "--force"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(Self.peakConcurrency(try String(contentsOfFile: log, encoding: .utf8)) == 1)
        let unknown = try JobrunProcess.run(["submit", jsonl, "--force"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains(#"unknown pool "db""#), "\(unknown.stderr)")
        let badOption = try JobrunProcess.run(["submit", jsonl, "--force", "--pool", "db=zero"])
        #expect(badOption.status == 2)
        #expect(badOption.stderr.contains("--pool db=zero"), "\(badOption.stderr)")
    }

    @Test("a pool's per-second rate spaces its starts")
    func poolRate() throws {
        let scratch = try Scratch()
        let log = scratch.path("starts.log")
        let tasks = (0..<3).map { #"{"id": \#($0), "shell": "date +%s.%N >> \#(log)", "pool": "api"}"# }
        let file = try scratch.write("rate.jsonl", tasks.joined(separator: "\n") + "\n")
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "3", "--pool", "api=3/2"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let starts = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap { Double($0) }.sorted()
        #expect(starts.count == 3)
        // At most two starts in any second: the third is dispatched a second after the first. The times are taken by
        // the commands themselves, so process start-up on a busy machine can shift each by tens of milliseconds;
        // without the rate all three would start within a few milliseconds.
        #expect(starts[2] - starts[0] >= 0.8, "\(starts)")
    }

    @Test("cpus and custom resources: a task takes its share, and a task asking more CPUs than workers have is refused")
    func cpusAndResources() throws {
        let scratch = try Scratch()
        let log = scratch.path("cpus.log")
        let wide = (0..<3).map { #"{"id": "w\#($0)", "shell": "\#(Self.logged(log, "w\($0)"))", "cpus": 2}"# }
        let file = try scratch.write("cpus.jsonl", wide.joined(separator: "\n") + "\n")
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1", "--slots", "3"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(Self.peakConcurrency(try String(contentsOfFile: log, encoding: .utf8)) == 1)
        let tooWide = try scratch.write("wide.jsonl", #"{"id": "x", "exec": ["true"], "cpus": 4}"# + "\n")
        let refused = try JobrunProcess.run(["submit", tooWide, "--slots", "2"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains(#"task "x""#) && refused.stderr.contains("4 CPU slots"), "\(refused.stderr)")

        let licenceLog = scratch.path("licence.log")
        let licensed = (0..<4).map {
            #"{"id": \#($0), "shell": "\#(Self.logged(licenceLog, "\($0)"))", "resources": {"licence": 1}}"#
        }
        let licenceFile = try scratch.write("licence.jsonl", licensed.joined(separator: "\n") + "\n")
        let run = try JobrunProcess.run(["submit", licenceFile, "--workers", "3", "--resources", "licence=1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Self.peakConcurrency(try String(contentsOfFile: licenceLog, encoding: .utf8)) == 1)
    }

    @Test("labels: a task runs only where its requires match; one nobody can run is unschedulable, its dependents skipped")
    func labelsAndUnschedulable() throws {
        let scratch = try Scratch()
        let file = try scratch.write("labels.jsonl", """
            {"id": "eu", "exec": ["true"], "requires": {"zone": "eu"}}
            {"id": "us", "exec": ["true"], "requires": {"zone": "us"}}
            {"id": "after-us", "exec": ["true"], "after": ["us"]}
            {"id": "huge", "exec": ["true"], "memory": "900T"}
            """)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1", "--label", "zone=eu,disk=ssd"])
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let results = try scratch.results("labels.results.jsonl")
        #expect(results[#""eu""#]?["status"] == "ok")
        #expect(results[#""us""#]?["status"] == "failed")
        #expect(results[#""us""#]?["failure"] == "unschedulable")
        #expect(results[#""us""#]?["error"]?.stringValue?.contains("label zone=us") == true)
        #expect(results[#""after-us""#]?["status"] == "skipped")
        #expect(results[#""huge""#]?["failure"] == "unschedulable")
        #expect(results[#""huge""#]?["error"]?.stringValue?.contains("memory") == true)
        #expect(outcome.stderr.contains("unschedulable"))
    }

    @Test("gpus: a task sees exactly the GPUs it was given")
    func gpus() throws {
        let scratch = try Scratch()
        let file = try scratch.write("gpus.jsonl", """
            {"id": "one", "shell": "echo $CUDA_VISIBLE_DEVICES/$JOBRUN_GPUS", "gpus": 1}
            {"id": "two", "shell": "echo $CUDA_VISIBLE_DEVICES/$JOBRUN_GPUS", "gpus": 2}
            """)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "2", "--gpus", "2"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("gpus.results.jsonl")
        #expect(["0/0\n", "1/1\n"].contains(results[#""one""#]?["stdout"]?.stringValue ?? ""))
        #expect(results[#""two""#]?["stdout"]?.stringValue == "0,1/0,1\n")
    }

    @Test("bad workflow fields and options are input errors naming the field")
    func badFields() throws {
        let scratch = try Scratch()
        let cases: [(String, String)] = [
            (#"{"id": "a", "exec": ["true"], "after": "b"}"#, #"field "after""#),
            (#"{"id": "a", "exec": ["true"], "priority": 1.5}"#, #"field "priority""#),
            (#"{"id": "a", "exec": ["true"], "cpus": 0}"#, #"field "cpus""#),
            (#"{"id": "a", "exec": ["true"], "memory": "lots"}"#, #"field "memory""#),
            (#"{"id": "a", "exec": ["true"], "requires": {"zone": 1}}"#, #"field "requires.zone""#),
            (#"{"id": "a", "exec": ["true"], "resources": {"licence": -1}}"#, #"field "resources.licence""#),
        ]
        for (line, expected) in cases {
            let file = try scratch.write("bad.jsonl", line + "\n")
            let outcome = try JobrunProcess.run(["submit", file, "--force"])
            #expect(outcome.status == 2, "\(line)")
            #expect(outcome.stderr.contains(expected), "\(line): \(outcome.stderr)")
        }
        let file = try scratch.write("fine.jsonl", #"{"id": "a", "exec": ["true"]}"# + "\n")
        for options in [["--memfree", "lots"], ["--label", "zone"], ["--resources", "licence=x"]] {
            let outcome = try JobrunProcess.run(["submit", file, "--force"] + options)
            #expect(outcome.status == 2, "\(options)")
            #expect(outcome.stderr.contains(options[0]), "\(options): \(outcome.stderr)")
        }
    }
}
