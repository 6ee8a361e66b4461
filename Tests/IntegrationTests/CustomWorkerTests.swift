import Foundation
import JSONValue
import Testing

/// A custom worker program (`Sources/example-worker`, built on `WorkerMain`) takes the same options as
/// `jobrun worker`: it joins a coordinator on another machine over CURVE and runs its own kinds there, and it refuses
/// bad options with the same messages.
@Suite("Custom worker programs")
struct CustomWorkerTests {
    /// The example worker built next to the jobrun binary under test.
    static var exampleWorker: String {
        URL(fileURLWithPath: JobrunProcess.binary).deletingLastPathComponent().appendingPathComponent("example-worker").path
    }

    @Test("the example worker joins a CURVE coordinator on loopback with --server-key and runs its own word-count kind")
    func joinsCurveCoordinator() throws {
        let scratch = try Scratch()
        #expect(try JobrunProcess.run(["keygen", "--out", scratch.path("coordinator")]).status == 0)
        #expect(try JobrunProcess.run(["keygen", "--out", scratch.path("worker")]).status == 0)
        let workerPublic = try String(contentsOfFile: scratch.path("worker/jobrun.pub"), encoding: .utf8)
        let authorized = try scratch.write("authorized_keys", workerPublic)
        let text = try scratch.write("words.txt", "one two three\nfour five\n")
        let file = try scratch.write(
            "tasks.jsonl",
            #"{"id": "count", "run": "word-count", "args": {"path": "\#(text)"}}"# + "\n"
                + #"{"id": "builtin", "run": "echo", "args": {"value": 7}}"# + "\n")
        let job = JobrunProcess(
            [
                "submit", file, "--workers", "0", "--worker-command", Self.exampleWorker, "--listen", "tcp://127.0.0.1:0",
                "--key", scratch.path("coordinator/jobrun.key"), "--authorized-keys", authorized,
            ],
            environment: ["JOBRUN_CONFIG_DIR": scratch.path("config")])
        try job.start()
        defer { job.stop() }
        let marker = "listening for workers on "
        try #require(job.waitForStderr(containing: marker), "\(job.stderr)")
        let line = try #require(job.stderr.split(separator: "\n").first { $0.contains(marker) })
        let endpoint = String(try #require(line.split(separator: " ").first { $0.hasPrefix("tcp://") }))

        let agent = JobrunProcess(
            executable: Self.exampleWorker,
            arguments: [
                "worker", "--connect", endpoint, "--key", scratch.path("worker/jobrun.key"),
                "--server-key", scratch.path("coordinator/jobrun.pub"), "--workers", "1", "--once", "--idle-exit", "60",
            ],
            environment: ["JOBRUN_CONFIG_DIR": scratch.path("config")])
        try agent.start()
        defer { agent.stop() }
        let outcome = try job.finish(timeout: 120)
        #expect(outcome.status == 0, "\(outcome.stderr)\nworker: \(agent.stderr)")
        let results = try scratch.results("tasks.results.jsonl")
        #expect(results[#""count""#]?["status"] == "ok", "\(results)")
        #expect(results[#""count""#]?["result"]?.objectValue?["words"] == 5)
        #expect(results[#""count""#]?["result"]?.objectValue?["lines"] == 2)
        #expect(results[#""builtin""#]?["result"] == 7)
        #expect(try agent.finish(timeout: 60).status == 0, "\(agent.stderr)")
    }

    @Test("bad options to the example worker get the same error as jobrun worker, and exit status 2")
    func sameErrors() throws {
        let scratch = try Scratch()
        let cases: [[String]] = [
            ["--connect", "tcp://127.0.0.1:9", "--slots", "0"],
            ["--connect", "tcp://127.0.0.1:9", "--insecure", "--server-key", "x"],
            ["--connect", "ipc:///tmp/none", "--label", "zone=eu"],
            ["--connect", "tcp://127.0.0.1:9", "--resources", "licence"],
            ["--connect", "tcp://127.0.0.1:9", "--workers", "0"],
            ["--connect", "tcp://127.0.0.1:9", "--no-such-option"],
            ["--slots", "2"],
        ]
        let environment = ["JOBRUN_CONFIG_DIR": scratch.path("config")]
        for arguments in cases {
            let jobrun = try JobrunProcess.run(["worker"] + arguments, environment: environment, timeout: 30)
            let custom = JobrunProcess(executable: Self.exampleWorker, arguments: ["worker"] + arguments, environment: environment)
            try custom.start()
            let outcome = try custom.finish(timeout: 30)
            let expected = try #require(jobrun.stderr.split(separator: "\n").first { $0.contains("Error: ") }, "\(jobrun.stderr)")
            let message = expected[expected.range(of: "Error: ")!.lowerBound...]
            #expect(jobrun.status == 2 && outcome.status == 2, "\(arguments): \(jobrun.status) \(outcome.status)")
            #expect(outcome.stderr.contains("example-worker: " + message), "\(arguments): \(outcome.stderr)")
        }
        // A tcp:// coordinator without a server key: the same advice from both.
        let needsKey = ["worker", "--connect", "tcp://127.0.0.1:9", "--key", scratch.path("none.key")]
        let custom = JobrunProcess(executable: Self.exampleWorker, arguments: needsKey, environment: environment)
        try custom.start()
        let outcome = try custom.finish(timeout: 30)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("example-worker worker: tcp://127.0.0.1:9 needs --server-key"), "\(outcome.stderr)")
    }

    @Test("the example worker's --help lists the remote options")
    func help() throws {
        let custom = JobrunProcess(executable: Self.exampleWorker, arguments: ["worker", "--help"])
        try custom.start()
        let outcome = try custom.finish(timeout: 30)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for option in ["--connect", "--server-key", "--insecure", "--label", "--resources", "--gpus", "--workers"] {
            #expect(outcome.stdout.contains(option), "\(option) missing from:\n\(outcome.stdout)")
        }
    }
}
