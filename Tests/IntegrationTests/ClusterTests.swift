import Foundation
import JSONValue
import Testing

/// Jobs over several "machines": network namespaces joined by veth pairs, each host with its own address and
/// host name, workers authenticated with CURVE. Skipped (with a message) where namespaces cannot be made.
@Suite("Several machines", .serialized, .enabled(if: NetworkLab.available))
struct ClusterTests {
    /// A coordinator key pair and one key pair per worker host, all in `scratch`.
    struct Keys {
        let coordinatorDirectory: String
        let authorizedKeys: String
        let coordinatorPublic: String

        init(_ scratch: Scratch, workerHosts: [String], authorize: [String]) throws {
            coordinatorDirectory = scratch.path("coordinator")
            _ = try JobrunProcess.run(["keygen", "--out", coordinatorDirectory])
            var lines = "# workers admitted by the test\n"
            for host in workerHosts {
                let outcome = try JobrunProcess.run(["keygen", "--out", scratch.path(host)])
                #expect(outcome.status == 0, "\(outcome.stderr)")
                let key = try String(contentsOfFile: scratch.path(host) + "/jobrun.pub", encoding: .utf8)
                    .split(separator: "\n").last.map(String.init) ?? ""
                if authorize.contains(host) { lines += "\(key) \(host)\n" }
            }
            authorizedKeys = try scratch.write("authorized_keys", lines)
            coordinatorPublic = coordinatorDirectory + "/jobrun.pub"
        }
    }

    /// CPU-bound tasks (a few milliseconds each), so a job lasts long enough to spread over hosts.
    static func hashTasks(_ count: Int, rounds: Int = 20_000) -> String {
        (0..<count).map { #"{"id": \#($0), "run": "sha256-chain", "args": {"seed": "s\#($0)", "rounds": \#(rounds)}}"# }
            .joined(separator: "\n") + "\n"
    }

    static func echoTasks(_ count: Int, sleepMilliseconds: Int = 0) -> String {
        (0..<count).map { index in
            sleepMilliseconds > 0
                ? #"{"id": \#(index), "run": "sleep", "args": {"ms": \#(sleepMilliseconds)}}"#
                : #"{"id": \#(index), "run": "echo", "args": {"value": \#(index)}}"#
        }.joined(separator: "\n") + "\n"
    }

    /// Starts a worker agent on `host` serving the coordinator, with `workers` worker processes.
    @discardableResult
    static func startAgent(
        _ lab: NetworkLab, _ host: NetworkLab.Host, scratch: Scratch, keys: Keys, serverKey: String? = nil,
        workers: Int = 2, extra: [String] = []
    ) throws -> JobrunProcess {
        try lab.start(
            [
                JobrunProcess.binary, "worker", "--connect", "tcp://\(host.coordinatorAddress):7700", "--key",
                scratch.path(host.name) + "/jobrun.key", "--server-key", serverKey ?? keys.coordinatorPublic,
                "--workers", String(workers),
            ] + extra, in: host.namespace, hostName: host.name)
    }

    static func submit(
        _ lab: NetworkLab, scratch: Scratch, keys: Keys, tasks: String, workers: Int = 0, extra: [String] = []
    ) throws -> JobrunProcess {
        let file = try scratch.write("tasks.jsonl", tasks)
        return try lab.start(
            [
                JobrunProcess.binary, "submit", file, "--workers", String(workers), "--listen", "tcp://0.0.0.0:7700",
                "--key", keys.coordinatorDirectory + "/jobrun.key", "--authorized-keys", keys.authorizedKeys,
                "--output", scratch.path("results.jsonl"), "--force",
            ] + extra, in: lab.coordinator, hostName: "coord",
            environment: ["JOBRUN_CONFIG_DIR": scratch.path("config")])
    }

    /// Result count per host name.
    static func hosts(_ results: [String: JSONObject]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for result in results.values { counts[result["host"]?.stringValue ?? "?", default: 0] += 1 }
        return counts
    }

    @Test("a job spreads over two hosts with CURVE, every task recorded once")
    func twoHosts() throws {
        let scratch = try Scratch()
        let lab = try NetworkLab(1, hostNames: ["alpha", "beta"])
        defer { lab.tearDown() }
        let keys = try Keys(scratch, workerHosts: ["alpha", "beta"], authorize: ["alpha", "beta"])
        let job = try Self.submit(lab, scratch: scratch, keys: keys, tasks: Self.hashTasks(400))
        #expect(job.waitForStderr(containing: "worker --connect tcp://coord:7700 --server-key=", timeout: 30))
        for host in lab.hosts { try Self.startAgent(lab, host, scratch: scratch, keys: keys, extra: ["--once"]) }
        let outcome = try job.finish(timeout: 120)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("results.jsonl")
        #expect(results.count == 400)
        let perHost = Self.hosts(results)
        #expect((perHost["alpha"] ?? 0) > 0 && (perHost["beta"] ?? 0) > 0, "\(perHost)")
        #expect(outcome.stderr.contains("jobrun: hosts: alpha 2 workers"), "\(outcome.stderr)")
    }

    @Test("a worker whose key is not authorized is rejected, logged, and never gets a task")
    func unauthorizedKey() throws {
        let scratch = try Scratch()
        let lab = try NetworkLab(2, hostNames: ["alpha", "gamma"])
        defer { lab.tearDown() }
        let keys = try Keys(scratch, workerHosts: ["alpha", "gamma"], authorize: ["alpha"])
        let job = try Self.submit(lab, scratch: scratch, keys: keys, tasks: Self.hashTasks(300))
        #expect(job.waitForStderr(containing: "listening for workers", timeout: 30))
        let intruder = try Self.startAgent(lab, lab.hosts[1], scratch: scratch, keys: keys, extra: ["--idle-exit", "3"])
        #expect(job.waitForStderr(containing: "rejected a worker at \(lab.hosts[1].address): key SHA256:", timeout: 30))
        try Self.startAgent(lab, lab.hosts[0], scratch: scratch, keys: keys, extra: ["--once"])
        let outcome = try job.finish(timeout: 120)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("results.jsonl")
        #expect(results.count == 300)
        #expect(Self.hosts(results) == ["alpha": 300])
        let refused = try intruder.finish(timeout: 60)
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("authorized_keys"))
    }

    @Test("a worker given the wrong server key never connects and says why")
    func wrongServerKey() throws {
        let scratch = try Scratch()
        let lab = try NetworkLab(3, hostNames: ["alpha"])
        defer { lab.tearDown() }
        let keys = try Keys(scratch, workerHosts: ["alpha", "impostor"], authorize: ["alpha"])
        let job = try Self.submit(lab, scratch: scratch, keys: keys, tasks: Self.echoTasks(50), workers: 1)
        #expect(job.waitForStderr(containing: "listening for workers", timeout: 30))
        let worker = try Self.startAgent(
            lab, lab.hosts[0], scratch: scratch, keys: keys, serverKey: scratch.path("impostor") + "/jobrun.pub",
            extra: ["--idle-exit", "2"])
        let refused = try worker.finish(timeout: 60)
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("--server-key may not be its public key"))
        let outcome = try job.finish(timeout: 60)
        #expect(outcome.status == 0)
        #expect(Self.hosts(try scratch.results("results.jsonl")) == ["coord": 50])
    }

    @Test("a host killed mid-job loses nothing: its tasks run on the other host")
    func hostKilled() throws {
        let scratch = try Scratch()
        let lab = try NetworkLab(4, hostNames: ["alpha", "beta"])
        defer { lab.tearDown() }
        let keys = try Keys(scratch, workerHosts: ["alpha", "beta"], authorize: ["alpha", "beta"])
        let job = try Self.submit(
            lab, scratch: scratch, keys: keys, tasks: Self.hashTasks(300, rounds: 50_000),
            extra: ["--config", try scratch.write("fast.conf", "heartbeat_ms = 200\nheartbeat_misses = 3\n")])
        #expect(job.waitForStderr(containing: "listening for workers", timeout: 30))
        for host in lab.hosts { try Self.startAgent(lab, host, scratch: scratch, keys: keys, extra: ["--once"]) }
        // Wait until alpha has recorded something, then kill everything on it.
        let deadline = Date().addingTimeInterval(60)
        var alphaStarted = false
        while !alphaStarted, Date() < deadline {
            let text = (try? String(contentsOfFile: scratch.path("results.jsonl"), encoding: .utf8)) ?? ""
            alphaStarted = text.contains(#""host":"alpha""#)
            if !alphaStarted { usleep(20_000) }
        }
        #expect(alphaStarted)
        try lab.killEverything(in: lab.hosts[0].namespace)
        let killedAt = Date()
        let outcome = try job.finish(timeout: 120)
        print("host killed: the job ended \(Date().timeIntervalSince(killedAt)) s later; its stderr:\n\(outcome.stderr)")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("results.jsonl")
        #expect(results.count == 300)
        #expect(results.values.allSatisfy { $0["status"]?.stringValue == "ok" })
        #expect(outcome.stderr.contains("workers lost"), "\(outcome.stderr)")
    }

    @Test("latency and loss on the links lose nothing")
    func lossyLinks() throws {
        let scratch = try Scratch()
        let lab = try NetworkLab(5, hostNames: ["alpha", "beta"])
        defer { lab.tearDown() }
        for host in lab.hosts { print("lossy link to \(host.name): " + (try lab.degrade(host, delay: "30ms", lossPercent: 5))) }
        let keys = try Keys(scratch, workerHosts: ["alpha", "beta"], authorize: ["alpha", "beta"])
        let job = try Self.submit(lab, scratch: scratch, keys: keys, tasks: Self.echoTasks(2000))
        #expect(job.waitForStderr(containing: "listening for workers", timeout: 30))
        for host in lab.hosts { try Self.startAgent(lab, host, scratch: scratch, keys: keys, extra: ["--once"]) }
        let outcome = try job.finish(timeout: 180)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("results.jsonl")
        #expect(results.count == 2000)
        #expect((0..<2000).allSatisfy { results[String($0)]?["result"]?.text == String($0) })
    }

    @Test("the ssh launcher starts workers through a real sshd; an unreachable host is reported and the job goes on")
    func sshLauncher() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd"),
            "openssh-server is not installed (scripts/test installs it)")
        let scratch = try Scratch()
        let lab = try NetworkLab(6, hostNames: ["alpha"])
        defer { lab.tearDown() }
        let host = lab.hosts[0]
        let keys = try Keys(scratch, workerHosts: [], authorize: [])
        for name in ["host_key", "user_key"] {
            let made = try NetworkLab.command(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", scratch.path(name)])
            try #require(made.status == 0, "\(made.output)")
        }
        try FileManager.default.copyItem(atPath: scratch.path("user_key.pub"), toPath: scratch.path("ssh_authorized_keys"))
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        let config = try scratch.write(
            "sshd_config",
            """
            Port 2222
            ListenAddress \(host.address)
            HostKey \(scratch.path("host_key"))
            AuthorizedKeysFile \(scratch.path("ssh_authorized_keys"))
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            StrictModes no
            UsePAM no
            PidFile \(scratch.path("sshd.pid"))

            """)
        // sshd runs as a daemon (it leaves the test's process tree); tearDown kills it with its namespace.
        let sshd = try lab.start(["/usr/sbin/sshd", "-f", config], in: host.namespace, hostName: host.name)
        let started = try sshd.finish(timeout: 30)
        try #require(started.status == 0, "sshd did not start: \(started.stderr)")
        let template =
            "ssh -p 2222 -i \(scratch.path("user_key")) -o BatchMode=yes -o StrictHostKeyChecking=no "
            + "-o UserKnownHostsFile=/dev/null -o ConnectTimeout=1 -o LogLevel=ERROR {host} "
            + "JOBRUN_CONFIG_DIR=\(keys.coordinatorDirectory) {jobrun} worker --connect {endpoint} --workers {n} "
            + "--slots {slots} {security} --once --idle-exit 30"
        let file = try scratch.write("tasks.jsonl", Self.hashTasks(600))
        let job = try lab.start(
            [
                JobrunProcess.binary, "submit", file, "--workers", "0", "--listen", "tcp://\(host.coordinatorAddress):7700",
                "--key", keys.coordinatorDirectory + "/jobrun.key", "--authorized-keys", keys.authorizedKeys,
                "--hosts", "\(host.address):2,10.106.1.9", "--launch-template", template,
                "--output", scratch.path("results.jsonl"), "--force",
            ], in: lab.coordinator, hostName: "coord")
        let outcome = try job.finish(timeout: 120)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("results.jsonl")
        #expect(results.count == 600)
        #expect(Self.hosts(results) == ["alpha": 600])
        #expect(outcome.stderr.contains("jobrun: host 10.106.1.9: the launcher exited with status 255"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("ssh: connect to host 10.106.1.9"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("jobrun: hosts: alpha 2 workers 600 tasks, 10.106.1.9 never came up"), "\(outcome.stderr)")
    }
}
