import Foundation
import JSONValue
import Testing
import WireProtocol
import ZeroMQ

/// Remote workers on loopback declaring labels, resources and their host's memory (`jobrun worker --connect …
/// --label/--resources`), and reporting free memory for `--memfree`. The remote agent gets its own host name through
/// `SLURMD_NODENAME` (what tells Slurm nodes on one machine apart), so its host is not the coordinator's.
@Suite("Remote workers' declarations")
struct RemoteHostOfferTests {
    static let remoteHost = "remote-eu"

    /// Starts `submit` listening on loopback without CURVE, and returns it with the endpoint it listens on.
    static func coordinator(_ arguments: [String], scratch: Scratch) throws -> (JobrunProcess, String) {
        let job = JobrunProcess(
            ["submit"] + arguments + ["--listen", "tcp://127.0.0.1:0", "--insecure"],
            environment: ["JOBRUN_CONFIG_DIR": scratch.path("config"), "JOBRUN_STATE_DIR": scratch.path("state")])
        try job.start()
        let marker = "listening for workers on "
        guard job.waitForStderr(containing: marker) else {
            job.stop()
            throw Failure("the coordinator did not listen: \(job.stderr)")
        }
        let line = try #require(job.stderr.split(separator: "\n").first { $0.contains(marker) })
        let endpoint = try #require(line.split(separator: " ").first { $0.hasPrefix("tcp://") })
        return (job, String(endpoint))
    }

    /// Starts a host agent with one worker process, named `remoteHost`, for one job.
    static func agent(_ endpoint: String, _ options: [String], scratch: Scratch) throws -> JobrunProcess {
        let agent = JobrunProcess(
            ["worker", "--connect", endpoint, "--insecure", "--workers", "1", "--once", "--idle-exit", "60"] + options,
            environment: ["JOBRUN_CONFIG_DIR": scratch.path("config"), "SLURMD_NODENAME": remoteHost])
        try agent.start()
        return agent
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test("tasks requiring a label or a resource only the remote worker declared run there, never on the local one")
    func labelsAndResources() throws {
        let scratch = try Scratch()
        var lines = [
            #"{"id": "eu", "run": "echo", "args": {"value": 1}, "requires": {"zone": "eu"}}"#,
            #"{"id": "licence-1", "run": "echo", "args": {"value": 2}, "resources": {"licence": 1}}"#,
            #"{"id": "licence-2", "run": "echo", "args": {"value": 3}, "resources": {"licence": 2}}"#,
        ]
        lines += (0..<6).map { #"{"id": "plain-\#($0)", "run": "echo", "args": {"value": \#($0)}}"# }
        let file = try scratch.write("tasks.jsonl", lines.joined(separator: "\n") + "\n")
        let (job, endpoint) = try Self.coordinator([file, "--workers", "1"], scratch: scratch)
        defer { job.stop() }
        let agent = try Self.agent(endpoint, ["--label", "zone=eu,disk=ssd", "--resources", "licence=2"], scratch: scratch)
        defer { agent.stop() }
        let outcome = try job.finish(timeout: 120)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("tasks.results.jsonl")
        #expect(results.count == 9)
        for id in ["eu", "licence-1", "licence-2"] {
            let worker = results[#""\#(id)""#]?["worker"]?.stringValue ?? ""
            #expect(worker.hasPrefix(Self.remoteHost + ":"), "\(id) ran on \(worker)")
            #expect(results[#""\#(id)""#]?["status"] == "ok")
        }
        #expect(try agent.finish(timeout: 60).status == 0)
    }

    @Test("two worker processes of one remote host share its GPUs: a task sees only its own, never one another holds")
    func sharedGPUs() throws {
        let scratch = try Scratch()
        let lines = (0..<3).map { #"{"id": \#($0), "shell": "echo $CUDA_VISIBLE_DEVICES $JOBRUN_GPUS; sleep 1", "gpus": 1}"# }
        let file = try scratch.write("tasks.jsonl", lines.joined(separator: "\n") + "\n")
        let (job, endpoint) = try Self.coordinator([file, "--workers", "0"], scratch: scratch)
        defer { job.stop() }
        let agent = JobrunProcess(
            ["worker", "--connect", endpoint, "--insecure", "--workers", "2", "--once", "--idle-exit", "60", "--gpus", "1"],
            environment: ["JOBRUN_CONFIG_DIR": scratch.path("config"), "SLURMD_NODENAME": Self.remoteHost])
        try agent.start()
        defer { agent.stop() }
        let outcome = try job.finish(timeout: 120)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("tasks.results.jsonl").values
        #expect(results.count == 3)
        // Both worker processes joined while the first task held the GPU (with GPUs per worker, the second would
        // have started the next task at once).
        let joined = try #require(try Self.waitForEvent(containing: "worker_joined", under: scratch.path("state"), count: 2))
        #expect(joined.count == 2)
        #expect(results.allSatisfy { $0["stdout"]?.stringValue == "0 0\n" }, "\(results.map { $0["stdout"] ?? .null })")
        // The host has one GPU: no two tasks ran at once (each runs 1 s; times are recorded to the millisecond).
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let spans = try results.map { result in
            let start = try #require(result["started_at"]?.stringValue.flatMap { format.date(from: $0) })
            let milliseconds = try #require(result["duration_ms"]?.doubleValue)
            return (start, start.addingTimeInterval(milliseconds / 1000))
        }.sorted { $0.0 < $1.0 }
        for (earlier, later) in zip(spans, spans.dropFirst()) {
            #expect(earlier.1 <= later.0.addingTimeInterval(0.005), "GPU 0 held by two tasks at once: \(spans)")
        }
    }

    @Test("--memfree applies to a remote host with the free memory its worker reports, and the waiting reason names it")
    func memfreeOnRemoteHost() throws {
        let scratch = try Scratch()
        let file = try scratch.write("tasks.jsonl", #"{"id": "t", "run": "echo", "args": {"value": 1}}"# + "\n")
        let total = try #require(Self.meminfo("MemTotal:"))
        let available = try #require(Self.meminfo("MemAvailable:"))

        // A floor well below what the host has free: the task runs on the remote worker.
        let low = "\(max(available / 8, 1 << 20) >> 20)M"
        let (fine, fineEndpoint) = try Self.coordinator([file, "--workers", "0", "--memfree", low], scratch: scratch)
        defer { fine.stop() }
        let fineAgent = try Self.agent(fineEndpoint, [], scratch: scratch)
        defer { fineAgent.stop() }
        let done = try fine.finish(timeout: 120)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(try scratch.results("tasks.results.jsonl")[#""t""#]?["worker"]?.stringValue?.hasPrefix(Self.remoteHost) == true)

        // A floor above anything the host has: nothing starts there, and the job says which host holds it back.
        let high = "\((2 * total) >> 20)M"
        let (held, heldEndpoint) = try Self.coordinator(
            [file, "--workers", "0", "--memfree", high, "--output", scratch.path("held.jsonl")], scratch: scratch)
        defer { held.stop() }
        let heldAgent = try Self.agent(heldEndpoint, [], scratch: scratch)
        defer { heldAgent.stop() }
        let waiting = try Self.waitForEvent(containing: "starting nothing on \(Self.remoteHost) (", under: scratch.path("state"))
        #expect(waiting?.contains("below --memfree") == true, "\(waiting ?? "no waiting reason")\n\(held.stderr)")
        #expect(held.isRunning, "the job waits: \(held.stderr)")
        let recorded = (try? String(contentsOfFile: scratch.path("held.jsonl"), encoding: .utf8)) ?? ""
        #expect(recorded.isEmpty, "nothing ran: \(recorded)")
    }

    @Test("--memfree above what the coordinator's host has holds back even the first task of its local workers")
    func memfreeFromTheFirstTask() throws {
        let scratch = try Scratch()
        let file = try scratch.write("tasks.jsonl", #"{"id": "t", "run": "echo", "args": {"value": 1}}"# + "\n")
        let total = try #require(Self.meminfo("MemTotal:"))
        let job = JobrunProcess(
            ["submit", file, "--workers", "1", "--memfree", "\((2 * total) >> 20)M"],
            environment: ["JOBRUN_STATE_DIR": scratch.path("state")])
        try job.start()
        defer { job.stop() }
        let waiting = try Self.waitForEvent(containing: "below --memfree", under: scratch.path("state"))
        #expect(waiting?.contains("starting nothing on ") == true, "\(waiting ?? "no waiting reason")\n\(job.stderr)")
        #expect(job.isRunning, "the job waits: \(job.stderr)")
        let recorded = (try? String(contentsOfFile: scratch.path("tasks.results.jsonl"), encoding: .utf8)) ?? ""
        #expect(recorded.isEmpty, "nothing ran: \(recorded)")
    }

    @Test("a hello declaring too much is refused with the reason, one too big is dropped, and the coordinator goes on")
    func hostileHello() throws {
        let scratch = try Scratch()
        let file = try scratch.write("tasks.jsonl", (0..<4).map { #"{"id": \#($0), "run": "echo", "args": {"value": \#($0)}}"# }.joined(separator: "\n"))
        let (job, endpoint) = try Self.coordinator([file, "--workers", "0"], scratch: scratch)
        defer { job.stop() }
        let context = try ZMQContext()
        defer { context.terminate() }
        let socket = try ZMQSocket(context: context, type: .dealer)
        defer { socket.close() }
        try socket.setLinger(milliseconds: 0)
        try socket.connect(endpoint)
        // A 16 MiB host name: beyond the register socket's message limit, so ZeroMQ drops it (and the connection).
        let huge = Hello(host: String(repeating: "h", count: 16 << 20), pid: 1, slots: 1, token: "")
        try socket.send(WireMessage.hello(huge).encoded())
        // A hello within the size limit but with more labels than a worker may declare.
        let labels = Dictionary(uniqueKeysWithValues: (0..<10_000).map { ("label-\($0)", "v") })
        let many = Hello(host: "hostile", pid: 2, slots: 1, token: "", offer: HostOffer(labels: labels))
        let reply = try Self.exchange(many, endpoint: endpoint, context: context)
        #expect(reply == .refusal(reason: "bad hello (malformed frame: 10000 labels (at most 64))"))
        // The coordinator still serves a real worker.
        let agent = try Self.agent(endpoint, ["--label", "zone=eu"], scratch: scratch)
        defer { agent.stop() }
        let outcome = try job.finish(timeout: 120)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try scratch.results("tasks.results.jsonl").count == 4)
    }

    @Test("bad --label, --resources and --gpus on worker are usage errors naming the option")
    func usageErrors() throws {
        let long = String(repeating: "n", count: 201)
        let tooMany = (0..<65).map { "l\($0)=v" }.joined(separator: ",")
        let cases: [([String], String)] = [
            (["--label", "zone"], "--label zone: expected NAME=VALUE pairs separated by commas, as in zone=eu,disk=ssd"),
            (["--label", "zone=eu=1"], "--label zone=eu=1: expected NAME=VALUE pairs"),
            (["--label", "\(long)=v"], "--label \(long.prefix(40))...: names and values are at most 200 bytes"),
            (["--label", tooMany], "--label: at most 64 names"),
            (["--resources", "licence=-1"], "--resources licence=-1: the amount must be a whole number from 0 to 1000000"),
            (["--resources", "licence=1000001"], "from 0 to 1000000"),
            (["--gpus", "1025"], "--gpus must be from 0 to 1024, got 1025"),
        ]
        for (options, expected) in cases {
            let outcome = try JobrunProcess.run(["worker", "--connect", "tcp://127.0.0.1:9", "--insecure"] + options)
            #expect(outcome.status == 2, "\(options)")
            #expect(outcome.stderr.contains(expected), "\(options): \(outcome.stderr)")
        }
        let local = try JobrunProcess.run(["worker", "--connect", "ipc:///nonexistent/register", "--label", "zone=eu"])
        #expect(local.status == 2)
        #expect(local.stderr.contains("give them to jobrun submit"), "\(local.stderr)")
    }

    /// Sends `hello` on a fresh DEALER and returns the coordinator's answer (bounded wait).
    static func exchange(_ hello: Hello, endpoint: String, context: ZMQContext) throws -> WireMessage? {
        let socket = try ZMQSocket(context: context, type: .dealer)
        defer { socket.close() }
        try socket.setLinger(milliseconds: 0)
        try socket.connect(endpoint)
        try socket.send(WireMessage.hello(hello).encoded())
        var items = [PollItem(socket: socket, events: .readable)]
        _ = try zmqPoll(&items, timeoutMilliseconds: 30_000)
        return try socket.receive(dontWait: true).flatMap { try? WireMessage(decoding: $0) }
    }

    /// The `waiting` text of the first event under `directory`'s job event logs that contains `text`, waiting for one
    /// at most a minute.
    static func waitForEvent(containing text: String, under directory: String) throws -> String? {
        try waitForEvent(containing: text, under: directory, count: 1)?.first?["waiting"]?.stringValue
    }

    /// The first `count` events under `directory`'s job event logs that contain `text`, waiting for them at most a
    /// minute; `nil` if there are fewer by then.
    static func waitForEvent(containing text: String, under directory: String, count: Int) throws -> [JSONObject]? {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String }
                .filter { $0.hasSuffix("events.ndjson") } ?? []
            var found: [JSONObject] = []
            for name in files {
                let log = (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
                for line in log.split(separator: "\n") where line.contains(text) && found.count < count {
                    if let event = try JSONParser.parse(String(line)).objectValue { found.append(event) }
                }
            }
            if found.count == count { return found }
            usleep(100_000)
        }
        return nil
    }

    /// A `/proc/meminfo` figure in bytes, read the way the kernel reports it.
    static func meminfo(_ key: String) -> UInt64? {
        let text = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix(key) }
        return line?.split(separator: " ").dropFirst().first.flatMap { UInt64($0) }.map { $0 * 1024 }
    }
}
