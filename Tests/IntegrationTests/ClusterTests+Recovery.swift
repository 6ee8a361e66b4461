import Foundation
import JSONValue
import Testing

/// Recovery over several machines: a coordinator killed and resumed under a host agent that keeps running, and a
/// host's link cut mid-job (and restored). Part of `ClusterTests`, so skipped the same way without namespaces.
extension ClusterTests {
    /// Heartbeats every 200 ms, a peer given up after three missed: a lost host is noticed within 0.6 s.
    static let fastHeartbeats = "heartbeat_ms = 200\nheartbeat_misses = 3\n"

    /// Tasks that hold a CPU slot without using the CPU (the machine is shared): `sleep SECONDS` each.
    static func sleepTasks(_ count: Int, seconds: String) -> String {
        (0..<count).map { #"{"id": \#($0), "exec": ["sleep", "\#(seconds)"]}"# }.joined(separator: "\n") + "\n"
    }

    /// The complete lines of a results file so far (a line torn by a kill is left out).
    static func completeLines(_ path: String) -> [String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var lines = text.split(separator: "\n").map(String.init)
        if !text.hasSuffix("\n"), !lines.isEmpty { lines.removeLast() }
        return lines
    }

    /// Results recorded so far from workers on `host`.
    static func recorded(by host: String, in path: String) -> Int {
        completeLines(path).count { $0.contains(#""host":"\#(host)""#) }
    }

    /// Every result is `ok` and the file holds each of `count` ids once (`Scratch.results` flags an id recorded
    /// twice).
    static func expectEveryTaskOnce(_ scratch: Scratch, count: Int) throws {
        let results = try scratch.results("results.jsonl")
        #expect(results.count == count)
        #expect((0..<count).allSatisfy { results[String($0)] != nil })
        #expect(results.values.allSatisfy { $0["status"]?.stringValue == "ok" }, "\(results.values.filter { $0["status"]?.stringValue != "ok" })")
    }

    /// A job on a two-host cluster (alpha, beta) with fast heartbeats, listening for workers. The caller tears
    /// `lab` down.
    struct TwoHostJob {
        let scratch: Scratch
        let lab: NetworkLab
        let keys: Keys
        let job: JobrunProcess
        var alpha: NetworkLab.Host { lab.hosts[0] }
        var beta: NetworkLab.Host { lab.hosts[1] }
        var results: String { scratch.path("results.jsonl") }

        init(_ tag: Int, tasks: String) throws {
            scratch = try Scratch()
            lab = try NetworkLab(tag, hostNames: ["alpha", "beta"])
            do {
                keys = try Keys(scratch, workerHosts: ["alpha", "beta"], authorize: ["alpha", "beta"])
                job = try ClusterTests.submit(
                    lab, scratch: scratch, keys: keys, tasks: tasks,
                    extra: ["--config", try scratch.write("fast.conf", ClusterTests.fastHeartbeats)])
                try #require(job.waitForStderr(containing: "listening for workers", timeout: 30), "\(job.stderr)")
            } catch {
                lab.tearDown()
                throw error
            }
        }

        /// Starts the agent of one of the hosts.
        @discardableResult
        func agent(_ host: NetworkLab.Host, workers: Int = 2, _ extra: String...) throws -> JobrunProcess {
            try ClusterTests.startAgent(lab, host, scratch: scratch, keys: keys, workers: workers, extra: extra)
        }
    }

    @Test("a coordinator killed mid-job and resumed gets the same host agent back: every task once, earlier results kept")
    func coordinatorRestart() throws {
        let scratch = try Scratch()
        let lab = try NetworkLab(7, hostNames: ["alpha"])
        defer { lab.tearDown() }
        let host = lab.hosts[0]
        let keys = try Keys(scratch, workerHosts: ["alpha"], authorize: ["alpha"])
        let file = try scratch.write("tasks.jsonl", Self.sleepTasks(300, seconds: "0.05"))
        let config = try scratch.write("fast.conf", Self.fastHeartbeats)
        let results = scratch.path("results.jsonl")
        // No --key: the first coordinator makes its key pair in JOBRUN_CONFIG_DIR, the second finds the same one.
        func coordinator(_ mode: String) throws -> JobrunProcess {
            try lab.start(
                [
                    JobrunProcess.binary, "submit", file, mode, "--workers", "0", "--listen", "tcp://0.0.0.0:7700",
                    "--authorized-keys", keys.authorizedKeys, "--config", config, "--output", results,
                ], in: lab.coordinator, hostName: "coord", environment: ["JOBRUN_CONFIG_DIR": scratch.path("config")])
        }
        let first = try coordinator("--force")
        try #require(first.waitForStderr(containing: "listening for workers", timeout: 30), "\(first.stderr)")
        let agent = try lab.start(
            [
                JobrunProcess.binary, "worker", "--connect", "tcp://\(host.coordinatorAddress):7700", "--key",
                scratch.path("alpha") + "/jobrun.key", "--server-key", scratch.path("config") + "/jobrun.pub",
                "--workers", "2", "--idle-exit", "8",
            ], in: host.namespace, hostName: host.name)
        #expect(StopTests.waitUntil(timeout: 60) { Self.completeLines(results).count >= 30 })
        kill(first.pid, SIGKILL)
        let killed = try first.finish(timeout: 30)
        #expect(killed.status == SIGKILL, "the coordinator was killed, not ended: \(killed.stderr)")
        let before = Self.completeLines(results)
        try #require(before.count >= 30 && before.count < 300, "\(before.count) results before the kill")

        let second = try coordinator("--resume")
        let outcome = try second.finish(timeout: 120)
        print("coordinator restart: \(before.count) results before the kill; the resumed job's stderr:\n\(outcome.stderr)")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("\(before.count) already recorded, skipped"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("host alpha joined"), "\(outcome.stderr)")
        #expect(agent.isRunning, "the agent that served the first coordinator served the second: \(agent.stderr)")
        try Self.expectEveryTaskOnce(scratch, count: 300)
        let after = Set(Self.completeLines(results))
        #expect(before.allSatisfy { after.contains($0) }, "the results recorded before the kill are kept as they were")

        // No coordinator comes back after the job: the agent leaves after --idle-exit, saying why.
        let left = try agent.finish(timeout: 60)
        #expect(left.status == 0, "\(left.stderr)")
        #expect(left.stderr.contains("coordinator stopped answering"), "\(left.stderr)")
        #expect(
            left.stderr.contains(
                "no new job from a coordinator at tcp://\(host.coordinatorAddress):7700 within 8 s (--idle-exit); exiting"),
            "\(left.stderr)")
    }

    @Test("a host cut off mid-job is lost within the heartbeat window; the other host finishes; its agent leaves with status 1")
    func linkCut() throws {
        let cluster = try TwoHostJob(8, tasks: Self.sleepTasks(400, seconds: "0.05"))
        defer { cluster.lab.tearDown() }
        let (alpha, job) = (cluster.alpha, cluster.job)
        let cutAgent = try cluster.agent(alpha, "--idle-exit", "3")
        try cluster.agent(cluster.beta, "--once")
        #expect(StopTests.waitUntil(timeout: 60) { Self.recorded(by: "alpha", in: cluster.results) >= 10 })
        try cluster.lab.cut(alpha, .linkDown)
        let outcome = try job.finish(timeout: 120)
        print("link cut: the job's stderr:\n\(outcome.stderr)")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        try Self.expectEveryTaskOnce(cluster.scratch, count: 400)
        let lost = outcome.stderr.split(separator: "\n").filter { $0.hasPrefix("jobrun: worker alpha:") }
        #expect(lost.count == 2 && lost.allSatisfy { $0.contains("stopped answering for 600 ms") }, "\(outcome.stderr)")
        // Its workers gave up on the coordinator too; none came back, so the agent left after --idle-exit.
        let left = try cutAgent.finish(timeout: 60)
        #expect(left.status == 1, "\(left.stderr)")
        #expect(
            left.stderr.contains(
                "lost the coordinator at tcp://\(alpha.coordinatorAddress):7700 and none came back within 3 s (--idle-exit)"),
            "\(left.stderr)")
    }

    @Test("what a cut-off host sent before its link came back is neither recorded twice nor recorded as a failure")
    func linkRestoredLateResults() throws {
        // Four tasks of 4 s for one single-slot worker per host: each host holds two, one running. A marker file
        // says which host started which task.
        let markers = FileManager.default.temporaryDirectory.appendingPathComponent("jobrun-markers-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: markers, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: markers) }
        let tasks = (0..<4).map { #"{"id": \#($0), "shell": "touch \#(markers)/$(hostname)-\#($0); sleep 4"}"# }
        let cluster = try TwoHostJob(9, tasks: tasks.joined(separator: "\n") + "\n")
        defer { cluster.lab.tearDown() }
        let (alpha, job) = (cluster.alpha, cluster.job)
        let cutAgent = try cluster.agent(alpha, workers: 1, "--idle-exit", "1")
        try cluster.agent(cluster.beta, workers: 1, "--once")
        let bothRunning = StopTests.waitUntil(timeout: 60) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: markers)) ?? []
            return names.contains { $0.hasPrefix("alpha-") } && names.contains { $0.hasPrefix("beta-") }
        }
        try #require(bothRunning, "\(job.stderr)")
        try cluster.lab.cut(alpha, .dropAll)
        // The coordinator gives alpha's two tasks back to the queue, where they wait: beta is busy. Alpha's worker
        // gives up on the coordinator at the same time, stops its running task and reports it cancelled into the
        // cut link; no coordinator answering within a second, its agent leaves.
        let left = try cutAgent.finish(timeout: 60)
        #expect(left.status == 1, "\(left.stderr)")
        try cluster.lab.restore(alpha, .dropAll)
        // Now the kernel delivers what alpha sent during the cut (its heartbeats and that report), late.
        let outcome = try job.finish(timeout: 120)
        print("link restored, late results: the job's stderr:\n\(outcome.stderr)")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        try Self.expectEveryTaskOnce(cluster.scratch, count: 4)
        #expect(Self.hosts(try cluster.scratch.results("results.jsonl")) == ["beta": 4])
        #expect(outcome.stderr.contains("dropped 0 undecodable messages and 1 late or duplicate results"), "\(outcome.stderr)")
    }

    @Test("a cut link that comes back while the job runs: the host's agent registers again and helps finish, every task once")
    func linkRestoredRejoin() throws {
        let cluster = try TwoHostJob(10, tasks: Self.sleepTasks(800, seconds: "0.05"))
        defer { cluster.lab.tearDown() }
        let (alpha, job, results) = (cluster.alpha, cluster.job, cluster.results)
        let cutAgent = try cluster.agent(alpha, "--once")
        try cluster.agent(cluster.beta, "--once")
        #expect(StopTests.waitUntil(timeout: 60) { Self.recorded(by: "alpha", in: results) >= 10 })
        try cluster.lab.cut(alpha, .linkDown)
        // Both sides give up: the coordinator on alpha's workers, alpha's workers on the coordinator.
        #expect(StopTests.waitUntil(timeout: 60) { job.stderr.components(separatedBy: "stopped answering for").count >= 3 })
        #expect(StopTests.waitUntil(timeout: 60) { cutAgent.stderr.components(separatedBy: "coordinator stopped answering").count >= 3 })
        try cluster.lab.restore(alpha, .linkDown)
        let lost = Set(
            job.stderr.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("jobrun: worker alpha:") else { return nil }
                return line.split(separator: " ")[2].description
            })
        // The same agent's new workers register and take tasks while the job still runs.
        let rejoined = StopTests.waitUntil(timeout: 60) {
            Self.completeLines(results).contains { line in
                line.contains(#""host":"alpha""#) && !lost.contains { line.contains(#""worker":"\#($0)""#) }
            }
        }
        let outcome = try job.finish(timeout: 120)
        print("link restored, rejoin: the job's stderr:\n\(outcome.stderr)")
        #expect(rejoined, "alpha's workers came back before the job ended: \(outcome.stderr)")
        #expect(lost.count == 2, "\(outcome.stderr)")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        try Self.expectEveryTaskOnce(cluster.scratch, count: 800)
        // The rejoined workers heard the job end, so the agent (--once) ends too.
        let left = try cutAgent.finish(timeout: 60)
        #expect(left.status == 0, "\(left.stderr)")
    }
}
