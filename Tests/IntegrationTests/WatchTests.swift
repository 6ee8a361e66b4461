import Foundation
import JSONValue
import Testing

/// Watching jobs from other processes: `submit --detach`, `status`, `tail`, `cancel`, `report`.
///
/// Every process of a test shares a private state directory (`JOBRUN_STATE_DIR`), so tests never see each other's
/// jobs or the user's.
@Suite("watching a job: detach, status, tail, cancel, report", .serialized)
struct WatchTests {
    /// A scratch directory with its own job state directory.
    struct Watch {
        let scratch: Scratch
        var environment: [String: String] { ["JOBRUN_STATE_DIR": scratch.path("state")] }

        init() throws { scratch = try Scratch() }

        func run(_ arguments: [String], timeout: TimeInterval = 120) throws -> JobrunProcess.Outcome {
            try JobrunProcess.run(arguments, environment: environment, timeout: timeout)
        }

        func start(_ arguments: [String]) throws -> JobrunProcess {
            let process = JobrunProcess(arguments, environment: environment)
            try process.start()
            return process
        }

        /// Submits a task file with `--detach` and returns the job id the launcher printed first.
        func detach(_ file: String, _ options: [String] = []) throws -> String {
            let outcome = try run(["submit", file, "--detach", "--workers", "2"] + options)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let id = String(outcome.stdout.split(separator: "\n").first ?? "")
            #expect(id.count == 20, "no job id in: \(outcome.stdout)")
            return id
        }

        /// The job's `job.json`.
        func metadata(_ id: String) throws -> JSONObject {
            let text = try String(contentsOfFile: scratch.path("state/\(id)/job.json"), encoding: .utf8)
            return try #require(try JSONParser.parse(text).objectValue)
        }

        /// Waits (bounded) until the job's recorded state is `state`.
        func waitForState(_ id: String, _ state: String, timeout: TimeInterval = 60) -> Bool {
            StopTests.waitUntil(timeout: timeout) { (try? metadata(id))?["state"]?.stringValue == state }
        }

        /// Counts of the results file: (total lines, ok, not ok).
        func resultCounts(_ name: String) throws -> (Int, Int, Int) {
            let results = try scratch.results(name)
            let ok = results.values.filter { $0["status"] == "ok" }.count
            return (results.count, ok, results.count - ok)
        }
    }

    /// 40 commands of 150 ms (each holds its worker's slot), one failing shell task and one that prints: about 3 s
    /// on two workers.
    static func steadyJob(_ watch: Watch) throws -> String {
        var lines = (0..<40).map { #"{"id": \#($0), "exec": ["sleep", "0.15"]}"# }
        lines.insert(#"{"id": "bad", "shell": "echo broken >&2; exit 3"}"#, at: 20)
        lines.append(#"{"id": "talk", "shell": "echo hello; echo there"}"#)
        return try watch.scratch.write("steady.jsonl", lines.joined(separator: "\n"))
    }

    @Test("a detached job: status, tail --once and a live tail from other processes; the tail's numbers equal the results")
    func detachedJob() throws {
        let watch = try Watch()
        let file = try Self.steadyJob(watch)
        let submit = try watch.run(["submit", file, "--detach", "--workers", "2"])
        #expect(submit.status == 0, "\(submit.stderr)")
        #expect(submit.stdout.count == 21, "only the id goes to standard output: \(submit.stdout)")
        let id = String(submit.stdout.split(separator: "\n").first ?? "")
        #expect(submit.stderr.contains("state directory: \(watch.scratch.path("state"))/\(id)"))
        #expect(submit.stderr.contains("event log:"))
        #expect(submit.stderr.contains("results:         \(watch.scratch.path("steady.results.jsonl"))"))
        #expect(watch.waitForState(id, "running"))

        let status = try watch.run(["status"])
        #expect(status.status == 0)
        #expect(status.stdout.contains(id) && status.stdout.contains("steady.jsonl") && status.stdout.contains("running"), "\(status.stdout)")

        let once = try watch.run(["tail", id, "--once"])
        #expect(once.status == 0, "\(once.stderr)")
        #expect(once.stdout.hasPrefix("job \(id) (steady.jsonl): running"), "\(once.stdout)")
        #expect(once.stdout.contains("/42 done"))
        #expect(once.stdout.contains("worker"))

        // A live tail started while the job runs follows it to its end.
        let live = try watch.run(["tail", String(id.suffix(4))])
        #expect(live.status == 0, "\(live.stderr)")
        #expect(live.stdout.contains("(steady.jsonl): running"), "the tail did not see the job running: \(live.stdout)")
        #expect(live.stdout.contains("bad on "), "the failure is shown as it happens or in the first frame")
        let (count, ok, notOK) = try watch.resultCounts("steady.results.jsonl")
        #expect(count == 42 && notOK == 1)
        let final = try #require(live.stdout.components(separatedBy: "(steady.jsonl): completed").last)
        #expect(final.contains("\(count)/42 done, \(notOK) failed"), "\(live.stdout)")
        #expect(final.contains("results in \(watch.scratch.path("steady.results.jsonl"))"))
        #expect(ok == 41)

        let after = try watch.run(["status", id])
        #expect(after.stdout.contains("completed") && after.stdout.contains("42/42"), "\(after.stdout)")
        #expect(try watch.metadata(id)["exit_status"] == 1)

        // The raw events replay the whole job; the last one carries the final counts.
        let json = try watch.run(["tail", id, "--json"])
        let events = try json.stdout.split(separator: "\n").map { try #require(try JSONParser.parse(String($0)).objectValue) }
        #expect(events.map { $0["seq"]?.intValue ?? 0 } == Array(1...events.count))
        #expect(events.first?["event"] == "job_started")
        let last = try #require(events.last)
        #expect(last["event"] == "job_ended")
        #expect(last["ending"] == "completed")
        #expect(last["succeeded"]?.intValue == ok && last["failed"]?.intValue == notOK)
        #expect(events.filter { $0["event"] == "task_finished" }.count == 42)

        let output = try watch.run(["tail", id, "--output"])
        #expect(output.stdout.contains("[talk] hello\n[talk] there\n"))
        #expect(output.stdout.contains("[bad stderr] broken\n"))
    }

    @Test("report: one self-contained HTML page with a bar per task, the histogram and the failures")
    func report() throws {
        let watch = try Watch()
        let file = try Self.steadyJob(watch)
        let id = try watch.detach(file)
        #expect(watch.waitForState(id, "completed"))
        let report = try watch.run(["report", id])
        #expect(report.status == 0, "\(report.stderr)")
        let html = report.stdout
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>jobrun report: \(id)</title>"))
        let timeline = try #require(html.components(separatedBy: "<svg class=\"timeline\"").dropFirst().first?.components(separatedBy: "</svg>").first)
        #expect(timeline.components(separatedBy: "<rect ").count - 1 == 42)
        #expect(timeline.contains("<title>task bad: failed"))
        #expect(html.contains("<svg class=\"histogram\""))
        #expect(html.contains("<td>bad</td><td>failed</td>"))
        #expect(html.contains("command exited with status 3"))
        for reference in ["http:", "https:", "src=", "href="] { #expect(!html.contains(reference)) }
        let written = try watch.run(["report", id, "--output", watch.scratch.path("report.html")])
        #expect(written.status == 0)
        let page = try String(contentsOfFile: watch.scratch.path("report.html"), encoding: .utf8)
        #expect(page.contains("<title>jobrun report: \(id)</title>") && page.hasSuffix("</html>\n"))
    }

    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test(
        "the report renders in headless Chromium",
        .enabled(if: chromium != nil, "Chromium is not installed (apt-get install chromium); the screenshot check is skipped")
    )
    func reportRenders() throws {
        let watch = try Watch()
        let file = try Self.steadyJob(watch)
        let id = try watch.detach(file)
        #expect(watch.waitForState(id, "completed"))
        let page = watch.scratch.path("report.html")
        #expect(try watch.run(["report", id, "-o", page]).status == 0)
        let shot = watch.scratch.path("report.png")
        let browser = Process()
        browser.executableURL = URL(fileURLWithPath: try #require(Self.chromium))
        browser.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1400",
            "--user-data-dir=\(watch.scratch.path("chromium"))", "--screenshot=\(shot)", "file://\(page)",
        ]
        browser.standardOutput = FileHandle.nullDevice
        browser.standardError = FileHandle.nullDevice
        try browser.run()
        #expect(StopTests.waitUntil(timeout: 90) { !browser.isRunning }, "chromium did not finish within 90 s")
        if browser.isRunning { browser.terminate() }
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
        #expect(png.count > 10_000, "a rendered report is more than a blank page (\(png.count) bytes)")
    }

    @Test("cancel stops a detached job as Ctrl-C would; status then says interrupted")
    func cancel() throws {
        let watch = try Watch()
        let config = try watch.scratch.write("fast.conf", "interrupt_grace_ms = 300\nkill_grace_ms = 300\n")
        let lines = [#"{"id": "quick", "run": "echo", "args": {"value": 1}}"#] + (0..<20).map { #"{"id": "long-\#($0)", "shell": "sleep 30"}"# }
        let file = try watch.scratch.write("long.jsonl", lines.joined(separator: "\n"))
        let id = try watch.detach(file, ["--config", config])
        #expect(watch.waitForState(id, "running"))
        let pid = try #require(try watch.metadata(id)["pid"]?.intValue)
        #expect(StopTests.waitUntil(timeout: 30) { (try? watch.scratch.results("long.results.jsonl"))?[#""quick""#] != nil })

        let cancel = try watch.run(["cancel", id], timeout: 60)
        #expect(cancel.status == 0, "\(cancel.stdout)\(cancel.stderr)")
        #expect(cancel.stdout.contains("cancelling job \(id)"))
        #expect(cancel.stdout.contains("job \(id) interrupted"))
        #expect(StopTests.waitUntil(timeout: 10) { StopTests.isGone(Int32(pid)) })
        let metadata = try watch.metadata(id)
        #expect(metadata["state"] == "interrupted")
        #expect(metadata["exit_status"] == 130)
        #expect(try watch.run(["status"]).stdout.contains("interrupted"))
        let results = try watch.scratch.results("long.results.jsonl")
        #expect(results[#""quick""#]?["status"] == "ok")
        #expect(results.count < 21)

        let again = try watch.run(["cancel", id])
        #expect(again.status == 1)
        #expect(again.stderr.contains("is not running: it is interrupted"))
    }

    @Test("a coordinator killed with SIGKILL: its workers go too, status says died, tail replays the log and says so")
    func coordinatorDied() throws {
        let watch = try Watch()
        let file = try watch.scratch.write("sleepy.jsonl", (0..<60).map { #"{"id": \#($0), "exec": ["sleep", "0.4"]}"# }.joined(separator: "\n"))
        let id = try watch.detach(file)
        #expect(watch.waitForState(id, "running"))
        let pid = Int32(try #require(try watch.metadata(id)["pid"]?.intValue))
        #expect(StopTests.waitUntil(timeout: 30) { StopTests.children(of: pid).count == 2 })
        let workers = StopTests.children(of: pid)
        let log = watch.scratch.path("state/\(id)/events.ndjson")
        #expect(StopTests.waitUntil(timeout: 30) {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").components(separatedBy: "\"task_finished\"").count > 2
        })
        kill(pid, SIGKILL)
        #expect(StopTests.waitUntil(timeout: 10) { StopTests.isGone(pid) })
        #expect(StopTests.waitUntil(timeout: 10) { workers.allSatisfy(StopTests.isGone) }, "workers \(workers) outlived their coordinator")

        let status = try watch.run(["status"])
        #expect(status.stdout.contains(id) && status.stdout.contains("died"), "\(status.stdout)")
        let tail = try watch.run(["tail", id])
        #expect(tail.status == 0, "\(tail.stderr)")
        #expect(tail.stdout.contains("(sleepy.jsonl): died"))
        #expect(tail.stdout.contains("the coordinator (pid \(pid)) died without ending the job"))
        #expect(!tail.stdout.contains("0/60 done"))
        let cancel = try watch.run(["cancel", id])
        #expect(cancel.status == 1)
        #expect(cancel.stderr.contains("it is died") || cancel.stderr.contains("is not running"))
    }

    @Test("unknown job ids are refused with the list of known jobs")
    func unknownJob() throws {
        let watch = try Watch()
        let empty = try watch.run(["tail", "nope"])
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("no job \"nope\": no jobs are recorded in \(watch.scratch.path("state"))"))
        let file = try watch.scratch.write("tiny.jsonl", #"{"run": "echo", "args": {"value": 1}}"#)
        #expect(try watch.run(["submit", file, "--quiet"]).status == 0)
        let listed = try watch.run(["status"])
        let id = try #require(listed.stdout.split(separator: "\n").dropFirst().first.map { String($0.prefix(20)) })
        #expect(listed.stdout.contains("completed"), "a foreground job is recorded too: \(listed.stdout)")
        for command in ["tail", "cancel", "report", "status"] {
            let outcome = try watch.run([command, "nope"])
            #expect(outcome.status == 2, "\(command)")
            #expect(outcome.stderr.contains("no job \"nope\" in \(watch.scratch.path("state")); known jobs (newest last):"), "\(command): \(outcome.stderr)")
            #expect(outcome.stderr.contains("\(id)  tiny.jsonl  completed"), "\(command): \(outcome.stderr)")
        }
    }

    @Test("a corrupt event log line is skipped with a warning naming the line; the rest still shows")
    func corruptLog() throws {
        let watch = try Watch()
        let file = try watch.scratch.write("echo.jsonl", (0..<30).map { #"{"run": "echo", "args": {"value": \#($0)}}"# }.joined(separator: "\n"))
        #expect(try watch.run(["submit", file, "--quiet", "--workers", "2"]).status == 0)
        let statusLine = try #require(try watch.run(["status", "--json"]).stdout.split(separator: "\n").first)
        let id = try #require(try JSONParser.parse(String(statusLine)).objectValue?["id"]?.stringValue)
        let log = watch.scratch.path("state/\(id)/events.ndjson")
        var lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        lines.insert("{\"seq\": 3, \"event\": tru", at: 2)
        try lines.joined(separator: "\n").write(toFile: log, atomically: true, encoding: .utf8)

        let tail = try watch.run(["tail", id])
        #expect(tail.status == 0)
        #expect(tail.stderr.contains("warning: \(log):3: skipped a corrupt event line: not JSON"), "\(tail.stderr)")
        #expect(tail.stdout.contains("30/30 done, 0 failed"), "\(tail.stdout)")
        let report = try watch.run(["report", id])
        #expect(report.status == 0)
        #expect(report.stderr.contains(":3: skipped a corrupt event line"))
        #expect(report.stdout.contains("30 of 30 done"))
    }

    @Test("a detached job with a bad task file reports its problems and exits 2")
    func detachRejected() throws {
        let watch = try Watch()
        let file = try watch.scratch.write("bad.jsonl", #"{"id": 1, "run": "echo"}"# + "\n" + #"{"id": 1, "shell": 5}"#)
        let outcome = try watch.run(["submit", file, "--detach"])
        #expect(outcome.status == 2, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stderr.contains("bad.jsonl:2"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("did not start"))
        #expect(try watch.run(["status"]).stdout.contains("rejected"))
    }
}
