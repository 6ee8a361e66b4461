import Foundation
import Testing

/// The local workers start while the task file is checked; a job that ends during the check leaves nothing behind.
@Suite("jobrun submit: the workers start while the task file is checked", .serialized)
struct CheckPhaseTests {
    /// A task file long enough that its check is still running when the workers have started.
    private static func longTaskFile(in scratch: Scratch, lines: Int = 300_000) throws -> String {
        var text = ""
        text.reserveCapacity(lines * 48)
        for index in 0..<lines { text += #"{"id": \#(index), "run": "echo", "args": {"value": \#(index)}}"# + "\n" }
        return try scratch.write("long.jsonl", text)
    }

    private static func entries(of directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    }

    @Test("a stop signal during the check removes the runtime directory and ends the workers", arguments: [SIGTERM, SIGHUP])
    func stopDuringCheck(signal: Int32) throws {
        let scratch = try Scratch()
        let runtime = scratch.path("runtime")
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        let file = try Self.longTaskFile(in: scratch)
        let results = scratch.path("long.results.jsonl")
        let job = JobrunProcess(["submit", file, "--workers", "2", "--quiet"], environment: ["XDG_RUNTIME_DIR": runtime])
        try job.start()
        #expect(StopTests.waitUntil(timeout: 60) { StopTests.children(of: job.pid).count == 2 })
        let workers = StopTests.children(of: job.pid)
        #expect(Self.entries(of: runtime).count == 1, "the coordinator's runtime directory exists")
        // The results file is opened only after the check: its absence says the check is still running.
        try #require(!FileManager.default.fileExists(atPath: results), "the check ended before the signal; use a longer file")
        kill(job.pid, signal)
        let outcome = try job.finish(timeout: 30)
        #expect(outcome.status == signal, "killed by the signal's default action")
        #expect(Self.entries(of: runtime).isEmpty, "left behind: \(Self.entries(of: runtime))")
        #expect(StopTests.waitUntil(timeout: 10) { workers.allSatisfy(StopTests.isGone) }, "workers \(workers) outlived the check")
        #expect(!FileManager.default.fileExists(atPath: results))
    }

    @Test("a task file found bad after the workers started stops them and exits 2, nothing recorded")
    func badFileStopsWorkers() throws {
        let scratch = try Scratch()
        var text = (0..<20_000).map { #"{"id": \#($0), "run": "echo", "args": {"value": 1}}"# }.joined(separator: "\n")
        text += "\n" + #"{"id": 7, "run": "echo", "args": {"value": 1}}"# + "\n"
        let file = try scratch.write("bad.jsonl", text)
        let job = JobrunProcess(["submit", file, "--workers", "2"])
        try job.start()
        var seen: Set<Int32> = []
        let deadline = Date().addingTimeInterval(60)
        while job.isRunning, Date() < deadline {
            seen.formUnion(StopTests.children(of: job.pid))
            usleep(2_000)
        }
        let outcome = try job.finish(timeout: 30)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("duplicate id 7"))
        #expect(outcome.stderr.contains("nothing was run"))
        #expect(seen.allSatisfy(StopTests.isGone), "workers \(seen) outlived their coordinator")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("bad.results.jsonl")))
    }
}
