import Foundation
import JSONValue
import Testing
import WireProtocol

/// Running out of disk space or file descriptors, through the built binary.
@Suite("jobrun submit: out of disk, out of descriptors", .serialized)
struct ExhaustionTests {
    /// Floods a coordinator with registrations from a process of its own.
    static let floodScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/lib/zmtp-flood.py").path

    static var isRoot: Bool { getuid() == 0 }

    static func command(_ program: String, _ arguments: [String]) throws -> Int32 {
        let process = JobrunProcess(executable: program, arguments: arguments)
        try process.start()
        return try process.finish(timeout: 30).status
    }

    @Test("a full disk stops dispatching, leaves no torn line nor duplicate, says how to resume; the resume completes",
        .enabled(if: isRoot, "mounting a small tmpfs needs root"))
    func diskFull() throws {
        let scratch = try Scratch()
        let mountPoint = scratch.path("small")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        #expect(try Self.command("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint]) == 0)
        defer { _ = try? Self.command("/bin/umount", ["-l", mountPoint]) }
        let value = String(repeating: "x", count: 200)
        let tasks = (0..<3000).map { #"{"id": \#($0), "run": "echo", "args": {"value": "\#(value)"}}"# }
        let file = try scratch.write("jobs.jsonl", tasks.joined(separator: "\n"))
        let results = mountPoint + "/jobs.results.jsonl"
        let full = try JobrunProcess.run(["submit", file, "--workers", "2", "-o", results], timeout: 120)
        #expect(full.status == 1, "\(full.stderr)")
        #expect(full.stderr.contains("No space left on device"), "\(full.stderr)")
        #expect(full.stderr.contains("stopped because results could not be written"), "\(full.stderr)")
        #expect(full.stderr.contains("-o \(results) --resume"), "\(full.stderr)")
        let text = try String(contentsOfFile: results, encoding: .utf8)
        #expect(text.last == "\n", "the results file ends with a torn line")
        let written = try Scratch.parseResults(text)
        #expect(written.count > 0 && written.count < 3000)
        // Room comes back: the resume runs the rest.
        #expect(try Self.command("/bin/mount", ["-o", "remount,size=8m", mountPoint]) == 0)
        let resumed = try JobrunProcess.run(["submit", file, "--workers", "2", "-o", results, "--resume"], timeout: 120)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let all = try Scratch.parseResults(try String(contentsOfFile: results, encoding: .utf8))
        #expect(all.count == 3000)
    }

    @Test("a flood of registrations that never become ready (--insecure) is bounded; the job completes",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit"), "needs prlimit"))
    func registrationFlood() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3")
        let scratch = try Scratch()
        let file = try scratch.write("jobs.jsonl", ReliabilityTests.sleeps(30, ms: 100))
        // A low soft limit, as many systems set: admitting every registration would run out of descriptors.
        let job = JobrunProcess(
            executable: "/usr/bin/prlimit",
            arguments: ["--nofile=256:8192", JobrunProcess.binary, "submit", file, "--workers", "1", "--listen",
                "tcp://127.0.0.1:0", "--insecure"])
        try job.start()
        defer { job.stop() }
        #expect(job.waitForStderr(containing: "on other machines run:", timeout: 60))
        let endpoint = try #require(
            job.stderr.firstMatch(of: /listening for workers on (tcp:\/\/127\.0\.0\.1:\d+)/).map { String($0.1) })
        // The flood comes from a process of its own (plain sockets speaking ZMTP), so that this test process, which
        // other tests share, keeps few descriptors. A different pid each, so no registration replaces another.
        let frames = (0..<600).map { index in
            WireMessage.hello(Hello(host: "flood", pid: Int32(1000 + index), slots: 1, token: "")).encoded()
                .map { String(format: "%02x", $0) }.joined()
        }
        let flood = JobrunProcess(executable: "/usr/bin/python3", arguments: [Self.floodScript, endpoint, "600"])
        let input = Pipe()
        flood.process.standardInput = input
        try flood.start()
        defer {
            try? input.fileHandleForWriting.close()
            flood.stop()
        }
        input.fileHandleForWriting.write(Data((frames.joined(separator: ",") + "\n").utf8))
        #expect(flood.waitForStdout(containing: "sent 600", timeout: 60), "\(flood.stderr)")
        let outcome = try job.finish(timeout: 120)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("refused or dropped"), "\(outcome.stderr)")
        #expect(try scratch.results("jobs.results.jsonl").count == 30)
    }
}
