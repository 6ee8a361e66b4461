import Foundation
import Testing
import WireProtocol
import ZeroMQ

/// The command-line side of remote workers, without a network: usage errors, key problems, keygen.
@Suite("Remote worker options")
struct RemoteOptionsTests {
    @Test("network options without --listen, bad endpoints and --workers 0 alone are usage errors")
    func usageErrors() throws {
        let scratch = try Scratch()
        let file = try scratch.write("tasks.jsonl", #"{"id": 1, "run": "echo", "args": {"value": 1}}"# + "\n")
        let cases: [([String], String)] = [
            (["--hosts", "alpha"], "--hosts goes with --listen"),
            (["--insecure"], "--insecure goes with --listen"),
            (["--workers", "0"], "0 with --listen"),
            (["--listen", "udp://0.0.0.0:1"], "expected tcp://ADDRESS:PORT"),
            (["--listen", "tcp://127.0.0.1:7799", "--hosts", "alpha:x"], "bad worker count in \"alpha:x\""),
        ]
        for (arguments, expected) in cases {
            let outcome = try JobrunProcess.run(
                ["submit", file, "--output", scratch.path("out.jsonl")] + arguments,
                environment: ["JOBRUN_CONFIG_DIR": scratch.path("config")])
            #expect(outcome.status == 2, "\(arguments)")
            #expect(outcome.stderr.contains(expected), "\(arguments): \(outcome.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path("out.jsonl")))
        }
    }

    @Test("a secret key others can read is refused before anything listens")
    func looseKey() throws {
        let scratch = try Scratch()
        let file = try scratch.write("tasks.jsonl", #"{"id": 1, "run": "echo", "args": {"value": 1}}"# + "\n")
        #expect(try JobrunProcess.run(["keygen", "--out", scratch.path("keys")]).status == 0)
        chmod(scratch.path("keys/jobrun.key"), 0o644)
        let outcome = try JobrunProcess.run(
            ["submit", file, "--listen", "tcp://127.0.0.1:0", "--key", scratch.path("keys/jobrun.key")])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("chmod 600"), "\(outcome.stderr)")
    }

    @Test("keygen refuses to replace keys without --force; a worker on tcp needs a server key")
    func keygenAndWorker() throws {
        let scratch = try Scratch()
        let first = try JobrunProcess.run(["keygen", "--out", scratch.path("keys")])
        #expect(first.status == 0)
        #expect(first.stdout.contains("public key: "))
        let again = try JobrunProcess.run(["keygen", "--out", scratch.path("keys")])
        #expect(again.status == 2)
        #expect(again.stderr.contains("exists already"))
        #expect(try JobrunProcess.run(["keygen", "--out", scratch.path("keys"), "--force"]).status == 0)
        let worker = try JobrunProcess.run(
            ["worker", "--connect", "tcp://127.0.0.1:9", "--key", scratch.path("keys/jobrun.key")])
        #expect(worker.status == 2)
        #expect(worker.stderr.contains("needs --server-key"), "\(worker.stderr)")
    }

    @Test("--listen without keys makes a key pair and says so; --insecure warns")
    func makesKeys() throws {
        let scratch = try Scratch()
        let file = try scratch.write("tasks.jsonl", #"{"id": 1, "run": "echo", "args": {"value": 1}}"# + "\n")
        let outcome = try JobrunProcess.run(
            ["submit", file, "--workers", "1", "--listen", "tcp://127.0.0.1:0", "--output", scratch.path("a.jsonl")],
            environment: ["JOBRUN_CONFIG_DIR": scratch.path("config")])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("made a key pair for this coordinator"))
        #expect(outcome.stderr.contains("worker --connect tcp://127.0.0.1:"))
        #expect(FileManager.default.fileExists(atPath: scratch.path("config/jobrun.key")))
        let insecure = try JobrunProcess.run(
            ["submit", file, "--workers", "1", "--listen", "tcp://127.0.0.1:0", "--insecure", "--output", scratch.path("b.jsonl")],
            environment: ["JOBRUN_CONFIG_DIR": scratch.path("config")])
        #expect(insecure.status == 0, "\(insecure.stderr)")
        #expect(insecure.stderr.contains("WARNING: --insecure"))
    }

    @Test("a worker whose hello reached a coordinator that died before answering asks again, and joins the next one")
    func helloToADyingCoordinator() throws {
        let scratch = try Scratch()
        // A stand-in coordinator that takes the worker's hello and dies without answering.
        let context = try ZMQContext()
        let silent = try ZMQSocket(context: context, type: .router)
        try silent.setLinger(milliseconds: 0)
        try silent.bind("tcp://127.0.0.1:0")
        let endpoint = try silent.lastEndpoint()
        let agent = JobrunProcess(
            ["worker", "--connect", endpoint, "--insecure", "--workers", "1", "--once"],
            environment: ["JOBRUN_CONFIG_DIR": scratch.path("config")])
        try agent.start()
        defer { agent.stop() }
        var items = [PollItem(socket: silent, events: .readable)]
        _ = try zmqPoll(&items, timeoutMilliseconds: 30_000)
        let hello = try silent.receiveMultipart(dontWait: true)
        #expect(hello != nil, "the worker said hello")
        silent.close()
        context.terminate()

        let file = try scratch.write("tasks.jsonl", (0..<20).map { #"{"id": \#($0), "run": "echo", "args": {"value": \#($0)}}"# }.joined(separator: "\n"))
        let job = try JobrunProcess.run(
            ["submit", file, "--workers", "0", "--listen", endpoint, "--insecure"],
            environment: ["JOBRUN_CONFIG_DIR": scratch.path("config")], timeout: 60)
        #expect(job.status == 0, "\(job.stderr)")
        #expect(try scratch.results("tasks.results.jsonl").count == 20)
    }
}

extension RemoteOptionsTests {
    @Test("a worker started with a low descriptor limit raises it to the hard limit before it says hello")
    func workerRaisesItsDescriptorLimit() throws {
        let scratch = try Scratch()
        let context = try ZMQContext()
        defer { context.terminate() }
        let coordinator = try ZMQSocket(context: context, type: .router)
        defer { coordinator.close() }
        try coordinator.setLinger(milliseconds: 0)
        try coordinator.bind("tcp://127.0.0.1:0")
        let endpoint = try coordinator.lastEndpoint()
        // Each exec task a worker runs at once holds about seven descriptors; 1024 would cap it near 140 tasks.
        let agent = JobrunProcess(
            executable: "/usr/bin/prlimit",
            arguments: ["--nofile=1024:8192", JobrunProcess.binary, "worker", "--connect", endpoint, "--insecure", "--workers", "1", "--once"],
            environment: ["JOBRUN_CONFIG_DIR": scratch.path("config")])
        try agent.start()
        defer { agent.stop() }
        var items = [PollItem(socket: coordinator, events: .readable)]
        _ = try zmqPoll(&items, timeoutMilliseconds: 30_000)
        let frames = try #require(try coordinator.receiveMultipart(dontWait: true), "the worker said hello")
        guard case .hello(let hello)? = try? WireMessage(decoding: try #require(frames.last)) else {
            Issue.record("not a hello: \(frames)")
            return
        }
        let limits = try String(contentsOfFile: "/proc/\(hello.pid)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let numbers = line.split(separator: " ").compactMap { Int($0) }
        #expect(numbers == [8192, 8192], "\(line)")
    }
}
