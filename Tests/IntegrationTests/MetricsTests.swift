import Foundation
import JSONValue
import Testing

/// `jobrun submit --metrics`: the Prometheus endpoint and the live dashboard, scraped while a job runs.
@Suite("metrics and the live dashboard", .serialized)
struct MetricsTests {
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let curl = ["/usr/bin/curl", "/usr/local/bin/curl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A job of 30 quick tasks, 3 failures and one task held open by a gate file, so the test can look at it
    /// mid-job with everything else recorded.
    static func gatedJob(_ scratch: Scratch) throws -> (file: String, gate: String) {
        let gate = scratch.path("gate")
        var lines = (0..<30).map { #"{"id": "ok-\#($0)", "run": "echo", "args": {"value": \#($0)}}"# }
        lines += (0..<3).map { #"{"id": "bad-\#($0)", "shell": "exit 3"}"# }
        lines.append(#"{"id": "gate", "shell": "for i in $(seq 1 2000); do [ -e \#(gate) ] && exit 0; sleep 0.05; done; exit 9"}"#)
        return (try scratch.write("gated.jsonl", lines.joined(separator: "\n")), gate)
    }

    /// The `http://HOST:PORT/` the coordinator printed.
    static func baseURL(_ job: JobrunProcess) throws -> String {
        #expect(job.waitForStderr(containing: "live dashboard at http://", timeout: 60), "no metrics address printed: \(job.stderr)")
        let line = try #require(job.stderr.split(separator: "\n").first { $0.contains("live dashboard at http://") })
        return String(try #require(line.split(separator: " ").last))
    }

    /// GETs a URL with curl (bounded); returns the HTTP status and the body.
    static func get(_ url: String, maxSeconds: Int = 10) throws -> (status: Int, body: String) {
        let marker = "\n--status:"
        let outcome = try JobrunProcess.runProgram(
            try #require(curl), ["-sS", "--max-time", String(maxSeconds), "-w", marker + "%{http_code}", url], timeout: Double(maxSeconds + 10))
        let parts = outcome.stdout.components(separatedBy: marker)
        return (Int(parts.last ?? "") ?? 0, parts.dropLast().joined(separator: marker))
    }

    /// Samples of a Prometheus text exposition: `name{labels}` to value.
    static func samples(_ text: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        return values
    }

    @Test(
        "a mid-job scrape passes promtool, adds up, and matches the results file; the dashboard shows progress",
        .enabled(if: promtool != nil && curl != nil, "promtool (apt-get install prometheus) or curl is missing")
    )
    func midJobScrape() throws {
        let scratch = try Scratch()
        let (file, gate) = try Self.gatedJob(scratch)
        let job = JobrunProcess(["submit", file, "--workers", "2", "--metrics", "127.0.0.1:0"])
        try job.start()
        defer {
            _ = FileManager.default.createFile(atPath: gate, contents: nil)
            job.stop()
        }
        let base = try Self.baseURL(job)
        #expect(base.hasPrefix("http://127.0.0.1:"))
        let resultsPath = "gated.results.jsonl"
        #expect(StopTests.waitUntil(timeout: 60) { ((try? String(contentsOfFile: scratch.path(resultsPath), encoding: .utf8)) ?? "").split(separator: "\n").count == 33 },
            "the 33 quick tasks were not recorded: \(job.stderr)")
        var exposition = ""
        #expect(StopTests.waitUntil(timeout: 20) {
            exposition = (try? Self.get(base + "metrics").body) ?? ""
            let values = Self.samples(exposition)
            // The held task counts as running once its worker has reported its start, which travels a moment later.
            return values[#"jobrun_tasks_finished_total{status="ok"}"#] == 30 && values[#"jobrun_tasks_finished_total{status="failed"}"#] == 3
                && values.filter { $0.key.hasPrefix("jobrun_workers{host=") }.values.reduce(0, +) == 2
                && values["jobrun_tasks_running"] == 1
        }, "the metrics never showed 33 recorded tasks, both workers and the held task running:\n\(exposition)")

        // Prometheus's own checker accepts the exposition.
        try exposition.write(toFile: scratch.path("scrape.txt"), atomically: true, encoding: .utf8)
        let check = try JobrunProcess.runProgram(try #require(Self.promtool), ["check", "metrics"], stdinPath: scratch.path("scrape.txt"))
        #expect(check.status == 0, "promtool check metrics: \(check.stdout)\(check.stderr)\n\(exposition)")

        // The counts add up and agree with the results file.
        let values = Self.samples(exposition)
        let results = try scratch.results(resultsPath)
        let recordedOK = Double(results.values.count { $0["status"] == "ok" })
        let recordedFailed = Double(results.values.count { $0["status"] == "failed" })
        #expect(values[#"jobrun_tasks_finished_total{status="ok"}"#] == recordedOK)
        #expect(values[#"jobrun_tasks_finished_total{status="failed"}"#] == recordedFailed)
        #expect(values["jobrun_job_tasks"] == 34)
        #expect(values["jobrun_tasks_running"] == 1)
        #expect(values["jobrun_tasks_pending"] == 0)
        let finished = values.filter { $0.key.hasPrefix("jobrun_tasks_finished_total{") }.values.reduce(0, +)
        #expect(finished + values["jobrun_tasks_running", default: -1] + values["jobrun_tasks_pending", default: -1]
            + values["jobrun_tasks_skipped", default: -1] == values["jobrun_job_tasks"])
        #expect(values["jobrun_task_duration_seconds_count"] == finished)
        let workers = values.filter { $0.key.hasPrefix("jobrun_workers{host=") }.values.reduce(0, +)
        #expect(workers == 2)
        #expect(values["jobrun_workers_lost_total"] == 0)
        #expect(values["jobrun_job_running"] == 1)

        // The dashboard: the page, its event stream, and a real browser.
        let page = try Self.get(base)
        #expect(page.status == 200)
        #expect(page.body.contains("33 of 34 done: 30 ok, 3 failed"), "\(page.body.prefix(3000))")
        #expect(page.body.contains("<svg class=\"timeline\""))
        for reference in ["http:", "https:", "src=", "href="] { #expect(!page.body.contains(reference), "the page loads \(reference)") }
        let stream = try Self.get(base + "events", maxSeconds: 2)
        #expect(stream.body.hasPrefix("event: update\ndata: {"), "\(stream.body.prefix(300))")
        #expect(stream.body.contains("33 of 34 done"))
        #expect(try Self.get(base + "nothing-here").status == 404)

        if let chromium = WatchTests.chromium {
            let shot = scratch.path("dashboard.png")
            let browser = JobrunProcess(executable: chromium, arguments: [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,900",
                "--user-data-dir=\(scratch.path("chromium"))", "--screenshot=\(shot)", base,
            ])
            try browser.start()
            _ = try browser.finish(timeout: 90)
            let png = try Data(contentsOf: URL(fileURLWithPath: shot))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
            #expect(png.count > 10_000, "a drawn dashboard is more than a blank page (\(png.count) bytes)")
            if let keep = ProcessInfo.processInfo.environment["JOBRUN_KEEP_SCREENSHOT"] { try? png.write(to: URL(fileURLWithPath: keep)) }
        }

        _ = FileManager.default.createFile(atPath: gate, contents: nil)
        let outcome = try job.finish(timeout: 60)
        #expect(outcome.status == 1, "some tasks failed: \(outcome.stderr)")
        #expect(try scratch.results(resultsPath).count == 34)
    }

    @Test("a bad --metrics value or a busy port is refused before anything runs")
    func badAddress() throws {
        let scratch = try Scratch()
        let file = try scratch.write("one.jsonl", #"{"id": 1, "run": "echo", "args": {"value": 1}}"#)
        let bad = try JobrunProcess.run(["submit", file, "--metrics", "localhost:http"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--metrics: expected HOST:PORT or PORT"), "\(bad.stderr)")
        let settings = try scratch.write("bad.conf", "metrics = [::1\n")
        let badSetting = try JobrunProcess.run(["submit", file, "--config", settings])
        #expect(badSetting.status == 2)
        #expect(badSetting.stderr.contains("bad.conf:1") && badSetting.stderr.contains("`metrics`"), "\(badSetting.stderr)")

        // A port already taken: another job's metrics server holds it.
        let (gated, gate) = try Self.gatedJob(scratch)
        let holder = JobrunProcess(["submit", gated, "--workers", "1", "--metrics", "0", "-o", scratch.path("holder.jsonl")])
        try holder.start()
        defer {
            _ = FileManager.default.createFile(atPath: gate, contents: nil)
            holder.stop()
        }
        let base = try Self.baseURL(holder)
        let port = try #require(base.split(separator: ":").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "/")) })
        let busy = try JobrunProcess.run(["submit", file, "--metrics", port, "-o", scratch.path("busy.jsonl")])
        #expect(busy.status == 2)
        #expect(busy.stderr.contains("cannot serve metrics on 127.0.0.1:\(port)"), "\(busy.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("busy.jsonl")), "nothing ran")
    }
}

extension JobrunProcess {
    /// Runs any program to its end (bounded), optionally with a file as its standard input.
    static func runProgram(
        _ program: String, _ arguments: [String], stdinPath: String? = nil, environment: [String: String] = [:], timeout: TimeInterval = 60
    ) throws -> Outcome {
        let job = JobrunProcess(executable: program, arguments: arguments, environment: environment)
        if let stdinPath { job.process.standardInput = FileHandle(forReadingAtPath: stdinPath) }
        try job.start()
        return try job.finish(timeout: timeout)
    }
}
