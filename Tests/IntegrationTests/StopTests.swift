import Foundation
import JSONValue
import Testing
import ZeroMQ

@Suite("jobrun submit: stopping, crashing and hostile input", .serialized)
struct StopTests {
    /// Pids of a process's children, whichever of its threads started them.
    static func children(of pid: Int32) -> [Int32] {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return threads.flatMap { thread in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/children", encoding: .utf8)) ?? ""
            return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    /// Whether a process is gone (no such pid, or a zombie nobody reaped yet).
    static func isGone(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        guard let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state == "Z" || state == "X"
    }

    static func waitUntil(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    @Test("Ctrl-C: running tasks finish within the grace, results so far are kept, exit 130")
    func interrupt() throws {
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", "interrupt_grace_ms = 500\nkill_grace_ms = 500\n")
        var lines = [#"{"id": "quick", "run": "echo", "args": {"value": 1}}"#]
        lines += (0..<20).map { #"{"id": "long-\#($0)", "shell": "sleep 30"}"# }
        let file = try scratch.write("long.jsonl", lines.joined(separator: "\n"))
        let job = JobrunProcess(["submit", file, "--workers", "2", "--config", config])
        try job.start()
        #expect(Self.waitUntil(timeout: 30) { Self.children(of: job.pid).count == 2 })
        // Wait until both workers are running a `sleep 30` child.
        #expect(Self.waitUntil(timeout: 30) {
            Self.children(of: job.pid).allSatisfy { !Self.children(of: $0).isEmpty }
        })
        kill(job.pid, SIGINT)
        let outcome = try job.finish(timeout: 30)
        #expect(outcome.status == 130, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("interrupted"))
        let results = try scratch.results("long.results.jsonl")
        #expect(results[#""quick""#]?["status"] == "ok")
        // The two running sleeps were terminated after the grace and recorded as failed by SIGTERM.
        let stopped = results.values.filter { $0["signal"] == "SIGTERM" && $0["status"] == "cancelled" && $0["failure"] == "cancelled" }
        #expect(stopped.count == 2)
        #expect(results.count == 3)
    }

    @Test("a coordinator killed with SIGKILL leaves no worker behind")
    func coordinatorKilled() throws {
        let scratch = try Scratch()
        let file = try scratch.write("sleepy.jsonl", (0..<50).map { _ in #"{"exec": ["sleep", "1"]}"# }.joined(separator: "\n"))
        let job = JobrunProcess(["submit", file, "--workers", "2"])
        try job.start()
        #expect(Self.waitUntil(timeout: 30) { Self.children(of: job.pid).count == 2 })
        let workers = Self.children(of: job.pid)
        #expect(Self.waitUntil(timeout: 30) { (try? String(contentsOfFile: scratch.path("sleepy.results.jsonl"), encoding: .utf8))?.isEmpty == false })
        kill(job.pid, SIGKILL)
        _ = try? job.finish(timeout: 10)
        #expect(Self.waitUntil(timeout: 5) { workers.allSatisfy(Self.isGone) }, "workers \(workers) outlived their coordinator")
        // Every line written before the kill is whole.
        let text = try String(contentsOfFile: scratch.path("sleepy.results.jsonl"), encoding: .utf8)
        for line in text.split(separator: "\n") { #expect((try? JSONParser.parse(String(line))) != nil) }
    }

    @Test("garbage frames on the coordinator's sockets are dropped and counted; the job completes")
    func hostileFrames() throws {
        let scratch = try Scratch()
        let runtime = scratch.path("runtime")
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        let file = try scratch.write("hostile.jsonl", (0..<40).map { _ in #"{"run": "sleep", "args": {"ms": 50}}"# }.joined(separator: "\n"))
        let config = try scratch.write("small-frames.conf", "max_frame_bytes = 65536\n")
        let job = JobrunProcess(
            ["submit", file, "--workers", "1", "--config", config], environment: ["XDG_RUNTIME_DIR": runtime])
        try job.start()
        var directory: String?
        #expect(Self.waitUntil(timeout: 30) {
            directory = (try? FileManager.default.contentsOfDirectory(atPath: runtime))?.first { $0.hasPrefix("jobrun-") }
            return directory.map { FileManager.default.fileExists(atPath: "\(runtime)/\($0)/results") } ?? false
        })
        let base = "ipc://\(runtime)/\(try #require(directory))"
        let context = try ZMQContext()
        let push = try ZMQSocket(context: context, type: .push)
        let dealer = try ZMQSocket(context: context, type: .dealer)
        try push.connect("\(base)/results")
        try dealer.connect("\(base)/register")
        let garbage: [[UInt8]] = [[], [0xFF], [1, 5, 0xFF, 0xFF, 0xFF], [1, 6, 3, 1, 2], Array(repeating: 0xAB, count: 5000), [9, 7, 1]]
        for frame in garbage {
            try push.send(frame)
            try dealer.send(frame)
        }
        // A result for a task nobody holds, from a worker id that does not exist.
        try push.send([1, 5, 99, 0, 1, 0, 1, 0, 1, 0, 0, 2, 0x7B, 0x7D])
        // A frame over max_frame_bytes: ZeroMQ drops it (and that connection) before it is read.
        let oversize = try ZMQSocket(context: context, type: .push)
        try oversize.connect("\(base)/results")
        try oversize.send([UInt8](repeating: 1, count: 200_000))
        // A hello from another protocol version is answered with a refusal that says why.
        var hello = [UInt8](WireHello.version9)
        try dealer.send(hello)
        var refusal: [UInt8]?
        #expect(Self.waitUntil(timeout: 10) {
            refusal = try? dealer.receive(dontWait: true)
            return refusal != nil
        })
        let text = String(decoding: refusal ?? [], as: UTF8.self)
        #expect(text.contains("protocol version"), "refusal: \(text)")
        hello.removeAll()
        oversize.close()
        let outcome = try job.finish(timeout: 60)
        push.close()
        dealer.close()
        context.terminate()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try scratch.results("hostile.results.jsonl").count == 40)
        #expect(outcome.stderr.contains("dropped"), "\(outcome.stderr)")
    }
}

/// A `hello` frame as a worker speaking protocol version 9 would send it.
enum WireHello {
    static let version9: [UInt8] = [9, 1, 9, 4] + Array("host".utf8) + [2, 1, 0]
}
